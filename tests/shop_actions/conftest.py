from collections import defaultdict

import pytest
from django.utils import translation

from core.scoping import merchant_scope
from shop_actions import adapters, services
from shop_actions.models import ShopActionKind
from tests.factories import OrderFactory

from .fake_shop import FakeShop


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English; a French staff page must not leave French active after it."""
    with translation.override("en"):
        yield


@pytest.fixture
def fake_shop(monkeypatch):
    shop = FakeShop()
    monkeypatch.setitem(adapters._registry, shop.platform, shop)
    return shop


@pytest.fixture
def finished(monkeypatch):
    """Records every (action id, status) the completion handlers see, for every kind."""
    seen = []
    monkeypatch.setattr(services, "_finished_handlers", defaultdict(list))
    for kind in ShopActionKind.values:
        services.on_shop_action_finished(kind, lambda action: seen.append((action.pk, action.status)))
    return seen


@pytest.fixture
def order(merchant):
    with merchant_scope(merchant):
        return OrderFactory(merchant=merchant, number="#1042", email="camille@example.org")


def refund_payload(amount="12.50"):
    return {
        "order_external_id": "5000001042",
        "amount": amount,
        "currency": "EUR",
        "reason": "return",
        "line_items": [{"external_id": "li-1", "quantity": 1}],
        "customer": {"email": "camille@example.org", "first_name": "Camille", "last_name": "Martin"},
    }


def ask(merchant, *, key="return:RMA-1042:refund", kind=ShopActionKind.REFUND, payload=None, order=None, **extra):
    """Request a refund from the fake shop (the first attempt's task is queued on commit)."""
    return services.shop_action_request(
        merchant=merchant,
        kind=kind,
        platform=FakeShop.platform,
        key=key,
        payload=refund_payload() if payload is None else payload,
        subject="return:RMA-1042",
        order=order,
        **extra,
    )
