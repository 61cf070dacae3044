"""Store credit mirrored in the shop through shop actions, with a fake adapter."""

from decimal import Decimal

import pytest

from core.scoping import merchant_scope
from shop_actions import adapters
from shop_actions.adapters import PermanentShopError, ShopAdapter
from shop_actions.models import ShopAction, ShopActionStatus
from shop_actions.services import shop_action_confirm, shop_action_perform
from store_credit import services
from tests.factories import OrderFactory

from .conftest import issue, wallet_of

pytestmark = pytest.mark.django_db


class GiftCardShop(ShopAdapter):
    platform = "giftshop"

    def __init__(self):
        self.calls, self.refuse = [], False

    def perform(self, *, merchant, action_kind, payload, idempotency_key):
        self.calls.append((action_kind, payload, idempotency_key))
        if self.refuse:
            raise PermanentShopError("Gift cards are not enabled on this shop.")
        return {"shop_reference": "gid://shopify/GiftCard/77", "code": "SHOPCODE1234"}


@pytest.fixture
def shop(monkeypatch):
    fake = GiftCardShop()
    monkeypatch.setitem(adapters._registry, fake.platform, fake)
    return fake


def actions(merchant):
    with merchant_scope(merchant):
        return list(ShopAction.objects.order_by("id"))


def perform(action):
    return shop_action_perform(action_id=action.pk, claim_token=action.claim_token)


def test_issued_credit_asks_the_shop_with_the_agreed_payload_and_keeps_its_answer(merchant, customer, shop):
    with merchant_scope(merchant):
        OrderFactory(merchant=merchant, customer=customer, source_platform="giftshop")
    entry = issue(merchant, customer, "30.00", expires_at=None, note="Return R-1042-1")
    wallet = wallet_of(merchant, customer)
    [action] = actions(merchant)
    assert (action.kind, action.platform, action.key, action.customer_id) == (
        "store_credit",
        "giftshop",
        "store_credit:return:R-1042-1",
        customer.pk,
    )
    assert action.payload == {
        "amount": "30.00",
        "currency": "EUR",
        "balance_after": "30.00",
        "code": wallet.code,
        "customer_external_id": "7001",
        "email": "camille@example.org",
        "expires_on": None,
        "note": "Return R-1042-1",
        "shop_reference": "",
    }
    assert wallet.mirror_status == "pending"
    perform(action)
    wallet = wallet_of(merchant, customer)
    assert (wallet.shop_reference, wallet.code, wallet.mirror_status) == (
        "gid://shopify/GiftCard/77",
        "SHOPCODE1234",
        "mirrored",
    )
    # The next entry names the same gift card.
    services.credit_adjust(
        merchant=merchant,
        customer=customer,
        amount=Decimal("-5"),
        currency="EUR",
        key="staff:1",
        reason="Goodwill",
        by_user=None,
    )
    later = actions(merchant)[-1]
    assert later.payload["shop_reference"] == "gid://shopify/GiftCard/77"
    assert (later.payload["amount"], later.payload["balance_after"], later.payload["note"]) == (
        "-5.00",
        "25.00",
        "Goodwill",
    )
    assert entry.pk


def test_a_shop_refusal_marks_the_wallet_for_staff(merchant, customer, shop):
    shop.refuse = True
    with merchant_scope(merchant):
        OrderFactory(merchant=merchant, customer=customer, source_platform="giftshop")
    issue(merchant, customer, "30.00")
    perform(actions(merchant)[0])
    assert wallet_of(merchant, customer).mirror_status == "failed"


def test_without_a_shop_adapter_staff_do_it_by_hand_and_confirm(merchant, customer):
    issue(merchant, customer, "30.00", expires_at=None)
    [action] = actions(merchant)
    assert action.platform == "manual"
    perform(action)
    with merchant_scope(merchant):
        action.refresh_from_db()
    assert action.status == ShopActionStatus.WAITING_FOR_STAFF
    shop_action_confirm(action=action, result={"shop_reference": "coupon-12"})
    wallet = wallet_of(merchant, customer)
    assert (wallet.shop_reference, wallet.mirror_status) == ("coupon-12", "mirrored")


def test_spends_the_shop_reports_and_their_reversals_are_not_sent_back_to_it(merchant, customer):
    issue(merchant, customer, "30.00")
    spent = services.credit_spend_reported(
        merchant=merchant, customer=customer, amount=Decimal(5), currency="EUR", key="shop:1"
    )
    services.credit_reverse(merchant=merchant, entry=spent, key="shop:1:refunded")
    assert len(actions(merchant)) == 1


def test_issuing_twice_with_one_key_asks_the_shop_once(merchant, customer):
    issue(merchant, customer, "30.00")
    issue(merchant, customer, "30.00")
    assert len(actions(merchant)) == 1
