"""Earning, maturing, reversing and adjusting points through the order events that cause them."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from core.scoping import merchant_scope, unscoped
from loyalty import services
from loyalty.errors import LoyaltyValidationError, PointsKeyConflictError
from loyalty.models import Account, PointsEntry
from orders.events import events_publish_pending
from orders.models import OrderEvent

from .conftest import PLACED, account_of, adjust, cancel, entries_of, place, refund, restore

pytestmark = pytest.mark.django_db


def balances(merchant, customer):
    account = account_of(merchant, customer)
    return account.available, account.pending, account.debt


def test_an_order_earns_pending_points_on_what_was_paid(merchant, customer, program):
    order = place(merchant, customer, subtotal="120.90")  # shipping 5 and tax 20 earn nothing by default
    [entry] = entries_of(merchant, customer)
    assert (entry.kind, entry.pending, entry.available, entry.key) == ("earned", 120, 0, f"order:{order.pk}:placed")
    assert entry.available_on == PLACED + timedelta(days=30)
    assert balances(merchant, customer) == (0, 120, 0)
    with unscoped():
        event = OrderEvent.objects.get(kind="loyalty.points_earned")
    assert event.customer_id == customer.pk and event.payload["points"] == 120
    assert event.payload["account"] == {"customer_id": customer.pk, "available": 0, "pending": 120, "debt": 0}


def test_shipping_tax_and_discounts_follow_the_settings(merchant, customer, program):
    services.loyalty_settings_update(
        merchant=merchant, include_shipping=True, include_tax=True, deduct_discounts=True, points_per_unit=2
    )
    place(merchant, customer, subtotal="100.00", discount="10.00")
    assert balances(merchant, customer) == (0, (100 - 10 + 5 + 20) * 2, 0)


@pytest.mark.parametrize(
    "extra",
    [
        {"test": True},
        {"exchange_for_rma": "RMA-1042"},
        {"payment_gateways": ["gift_card", "shopify_payments"]},
    ],
)
def test_test_exchange_and_gift_card_orders_earn_nothing(merchant, customer, program, extra):
    place(merchant, customer, **extra)
    assert entries_of(merchant, customer) == []


def test_nothing_is_earned_while_the_program_is_off(merchant, customer):
    place(merchant, customer)
    with merchant_scope(merchant):
        assert not Account.objects.exists()


def test_an_order_created_event_delivered_twice_earns_once(merchant, customer, program):
    order = place(merchant, customer)
    with merchant_scope(merchant):
        event = OrderEvent.objects.get(order=order, kind="order.created")
    from loyalty.handlers import on_order_event

    on_order_event(event)
    assert len(entries_of(merchant, customer)) == 1
    assert balances(merchant, customer) == (0, 120, 0)


def test_pending_points_become_available_when_their_day_comes(merchant, customer, program):
    place(merchant, customer)
    assert services.points_mature_due() == 0
    with time_machine.travel(PLACED + timedelta(days=30, minutes=1)):
        assert services.points_mature_due() == 1
        assert services.points_mature_due() == 0  # a retried task adds nothing
    assert balances(merchant, customer) == (120, 0, 0)
    with unscoped():
        assert OrderEvent.objects.filter(kind="loyalty.points_available").count() == 1


def test_available_at_once_when_the_shop_chose_so(merchant, customer, program):
    services.loyalty_settings_update(merchant=merchant, pending_days=0)
    place(merchant, customer)
    assert balances(merchant, customer) == (120, 0, 0)


def test_an_order_reported_after_its_pending_days_earns_available_points(merchant, customer, program):
    place(merchant, customer, placed_at=timezone.now() - timedelta(days=45))
    [entry] = entries_of(merchant, customer)
    assert (entry.available, entry.pending, entry.available_on) == (120, 0, None)


def test_a_refund_takes_back_its_share_pending_first(merchant, customer, program):
    order = place(merchant, customer, subtotal="120.00")  # total 145
    made = refund(merchant, order, "72.50")  # half
    assert balances(merchant, customer) == (0, 60, 0)
    reversal = entries_of(merchant, customer)[-1]
    assert (reversal.kind, reversal.pending, reversal.key) == ("reversed", -60, f"refund:{made.pk}")


def test_a_refund_delivered_twice_reverses_once(merchant, customer, program):
    order = place(merchant, customer)
    made = refund(merchant, order, "72.50")
    with merchant_scope(merchant):
        event = OrderEvent.objects.get(order=order, kind="order.refunded")
    from loyalty.handlers import on_order_event

    on_order_event(event)
    services.points_reverse_for_refund(refund=made)
    assert [e.kind for e in entries_of(merchant, customer)] == ["earned", "reversed"]


def test_a_reversal_larger_than_the_balance_records_debt_paid_off_by_the_next_points(merchant, customer, program):
    services.loyalty_settings_update(merchant=merchant, pending_days=0)
    order = place(merchant, customer)
    adjust(merchant, customer, -100, key="staff:spent")  # the customer used 100 of the 120
    refund(merchant, order, "145.00")  # all of it
    assert balances(merchant, customer) == (0, 0, 100)
    reversal = entries_of(merchant, customer)[-1]
    assert (reversal.available, reversal.debt) == (-20, 100)
    place(merchant, customer, number="#1044", subtotal="150.00")
    assert balances(merchant, customer) == (50, 0, 0)


def test_refunds_never_take_back_more_than_the_order_earned(merchant, customer, program):
    order = place(merchant, customer)
    refund(merchant, order, "100.00", external_id="r-1")
    refund(merchant, order, "45.00", external_id="r-2")
    assert balances(merchant, customer) == (0, 0, 0)
    reversed_points = sum(-e.points + e.debt for e in entries_of(merchant, customer) if e.kind == "reversed")
    assert reversed_points == 120


def test_a_cancelled_order_loses_its_pending_points_and_a_restored_one_earns_again(merchant, customer, program):
    order = place(merchant, customer)
    cancel(merchant, order)
    assert balances(merchant, customer) == (0, 0, 0)
    restore(merchant, order)
    assert balances(merchant, customer) == (0, 120, 0)
    cancel(merchant, order)
    restore(merchant, order)
    keys = [e.key for e in entries_of(merchant, customer) if e.kind == "earned"]
    assert keys == [f"order:{order.pk}:placed", f"order:{order.pk}:restored:1", f"order:{order.pk}:restored:2"]
    with merchant_scope(merchant):  # the second restoration's event delivered again earns nothing more
        event = OrderEvent.objects.filter(order=order, kind="order.restored").last()
    from loyalty.handlers import on_order_event

    on_order_event(event)
    assert balances(merchant, customer) == (0, 120, 0)


def test_a_refund_after_the_restoration_reverses_the_current_earning(merchant, customer, program):
    order = place(merchant, customer)
    cancel(merchant, order)
    restore(merchant, order)
    refund(merchant, order, "72.50")
    assert balances(merchant, customer) == (0, 60, 0)


def test_staff_adjust_with_a_reason_never_below_zero(merchant, customer, program):
    entry = adjust(merchant, customer, 50)
    assert (entry.kind, entry.available, entry.note) == ("adjusted", 50, "Goodwill")
    assert adjust(merchant, customer, 50).pk == entry.pk  # the same form sent twice
    with pytest.raises(PointsKeyConflictError):
        adjust(merchant, customer, 60)
    with pytest.raises(LoyaltyValidationError, match="Only 50 points are available"):
        adjust(merchant, customer, -51, key="staff:2")
    assert balances(merchant, customer) == (50, 0, 0)


@pytest.mark.parametrize(
    ("points", "reason", "field"),
    [
        (0, "x", "points"),
        ("abc", "x", "points"),
        (1_000_001, "x", "points"),
        (5, "  ", "reason"),
        ("1.5", "x", "points"),
    ],
)
def test_bad_adjustments_change_nothing(merchant, customer, points, reason, field):
    with pytest.raises(LoyaltyValidationError) as refusal:
        adjust(merchant, customer, points, reason=reason)
    assert field in refusal.value.errors
    with merchant_scope(merchant):
        assert not PointsEntry.objects.exists()


def test_another_shops_customer_is_refused(merchant, other_customer):
    with pytest.raises(LoyaltyValidationError, match="another shop"):
        adjust(merchant, other_customer, 5)


def test_one_customer_over_two_months(merchant, customer, program):
    """Time travel: earn, refund part while pending, mature, earn again at once after a settings change."""
    order = place(merchant, customer)
    refund(merchant, order, "29.00")  # a fifth: 24 points
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        services.points_mature_due()
        assert balances(merchant, customer) == (96, 0, 0)
        events_publish_pending()
    with time_machine.travel(timezone.now() + timedelta(days=60)):
        services.loyalty_settings_update(merchant=merchant, pending_days=0)
        place(merchant, customer, number="#1050", subtotal="10.00", placed_at=timezone.now())
        assert balances(merchant, customer) == (106, 0, 0)
    assert sum(e.available for e in entries_of(merchant, customer)) == 106
    assert Decimal(sum(e.pending for e in entries_of(merchant, customer))) == 0


def test_points_granted_once_per_key_pending_or_at_once(merchant, customer, program):
    grant = dict(merchant=merchant, customer=customer, points=40, source="review", key="review:7")
    entry = services.points_grant(**grant)
    assert (entry.kind, entry.source, entry.available, entry.pending) == ("earned", "review", 40, 0)
    assert services.points_grant(**grant).pk == entry.pk  # a retried task
    later = timezone.now() + timedelta(days=10)
    pending = services.points_grant(**{**grant, "key": "referral:3", "source": "referral"}, pending_until=later)
    assert (pending.pending, pending.available_on) == (40, later)
    assert services.points_grant(**{**grant, "key": "nothing", "points": 0}) is None
    assert balances(merchant, customer) == (40, 40, 0)


def test_a_spend_takes_available_points_once_and_never_more_than_there_are(merchant, customer, program):
    adjust(merchant, customer, 100)
    spend = dict(merchant=merchant, customer=customer, source="reward", key="redemption:1")
    entry = services.points_spend(**spend, points=60)
    assert (entry.kind, entry.available, entry.available_after) == ("redeemed", -60, 40)
    assert services.points_spend(**spend, points=60).pk == entry.pk  # a double click
    with pytest.raises(PointsKeyConflictError):
        services.points_spend(**spend, points=30)
    with pytest.raises(LoyaltyValidationError, match="Only 40 points are available"):
        services.points_spend(**{**spend, "key": "redemption:2"}, points=41)
    with pytest.raises(LoyaltyValidationError):
        services.points_spend(**{**spend, "key": "redemption:3"}, points=0)
    assert balances(merchant, customer) == (40, 0, 0)
