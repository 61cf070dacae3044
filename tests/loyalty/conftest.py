from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from core.scoping import merchant_scope
from loyalty import services
from loyalty.models import Account, PointsEntry
from orders.events import event_record, events_publish_pending
from orders.services import order_cancel, refund_record
from tests.factories import CustomerFactory, OrderFactory

PLACED = datetime.now(UTC) - timedelta(days=2)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def program(merchant):
    return services.loyalty_settings_update(
        merchant=merchant,
        enabled=True,
        points_per_unit=1,
        deduct_discounts=True,
        include_shipping=False,
        include_tax=False,
        pending_days=30,
    )


@pytest.fixture
def customer(merchant):
    with merchant_scope(merchant):
        return CustomerFactory(merchant=merchant, email="camille@example.org", first_name="Camille", language="fr")


@pytest.fixture
def other_customer(other_merchant):
    with merchant_scope(other_merchant):
        return CustomerFactory(merchant=other_merchant, email="someone@other.example")


def place(merchant, customer, *, subtotal="120.00", number="#1043", **extra):
    """An order placed and its order.created published, as the webhook drain does."""
    with merchant_scope(merchant):
        order = OrderFactory(
            merchant=merchant,
            customer=customer,
            number=number,
            placed_at=extra.pop("placed_at", PLACED),
            subtotal=Decimal(subtotal),
            shipping=Decimal("5.00"),
            tax=Decimal("20.00"),
            discount=Decimal(extra.pop("discount", "0")),
            total=Decimal(subtotal) + Decimal("25.00") - Decimal(extra.get("discount_total", "0")),
            **extra,
        )
        event_record(merchant=merchant, kind="order.created", order=order, payload={"order_id": order.pk})
    events_publish_pending()
    return order


def refund(merchant, order, amount, *, external_id="r-1"):
    made, _created = refund_record(merchant=merchant, order=order, external_id=external_id, amount=Decimal(amount))
    events_publish_pending()
    return made


def cancel(merchant, order):
    order_cancel(merchant=merchant, order=order, reason="customer")
    events_publish_pending()


def restore(merchant, order):
    with merchant_scope(merchant):
        order.cancelled_at = None
        order.save(update_fields=["cancelled_at"])
        event_record(merchant=merchant, kind="order.restored", order=order, payload={"order_id": order.pk})
    events_publish_pending()


def account_of(merchant, customer) -> Account:
    with merchant_scope(merchant):
        return Account.objects.get(customer=customer)


def entries_of(merchant, customer) -> list[PointsEntry]:
    with merchant_scope(merchant):
        return list(PointsEntry.objects.filter(account__customer=customer).order_by("created_at", "id"))


def adjust(merchant, customer, points, *, key="staff:1", reason="Goodwill"):
    return services.points_adjust(merchant=merchant, customer=customer, points=points, reason=reason, key=key)
