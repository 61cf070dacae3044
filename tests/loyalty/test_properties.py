"""Any interleaving of earning, refunds, cancellations, maturing and adjustments keeps every balance
the sum of the entries, never below zero, and never takes back more than an order earned."""

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.scoping import merchant_scope
from loyalty import services
from loyalty.errors import LoyaltyError
from loyalty.models import Account, PointsEntry
from orders.models import Order
from orders.services import OrderValidationError, order_cancel, refund_record
from tests.factories import CustomerFactory, OrderFactory

START = datetime(2026, 3, 1, tzinfo=UTC)
euros = st.integers(min_value=1, max_value=500)
operation = st.one_of(
    st.tuples(st.just("order"), euros),
    st.tuples(st.just("refund"), euros),  # of the latest order, capped at what is left to refund
    st.tuples(st.just("cancel"), st.none()),
    st.tuples(st.just("mature"), st.integers(min_value=0, max_value=40)),  # N days after the start
    st.tuples(st.just("adjust"), st.integers(min_value=-300, max_value=300).filter(bool)),
)
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _program(merchant, pending_days=10):
    services.loyalty_settings_update(merchant=merchant, enabled=True, points_per_unit=1, pending_days=pending_days)


def _latest_order(merchant, customer):
    with merchant_scope(merchant):
        return Order.objects.filter(customer=customer).order_by("-id").first()


def _apply(merchant, customer, step: int, op) -> None:
    name, value = op
    try:
        if name == "order":
            with merchant_scope(merchant):
                order = OrderFactory(
                    merchant=merchant, customer=customer, subtotal=Decimal(value), shipping=0, total=Decimal(value)
                )
            services.points_earn_for_order(order=order)
        elif name in ("refund", "cancel") and (order := _latest_order(merchant, customer)) is not None:
            if name == "cancel":
                order_cancel(merchant=merchant, order=order)
                services.points_cancel_for_order(order=order)
                return
            amount = min(Decimal(value), order.total - order.refunded_amount)
            if amount > 0:
                made, _created = refund_record(merchant=merchant, order=order, external_id=f"r{step}", amount=amount)
                services.points_reverse_for_refund(refund=made)
        elif name == "mature":
            services.points_mature_due(START + timedelta(days=value))
        elif name == "adjust":
            services.points_adjust(merchant=merchant, customer=customer, points=value, reason="check", key=f"s{step}")
    except LoyaltyError:
        pass
    except OrderValidationError:
        # Two refunds raced for what was left of the order: the shop refuses the second, as it should.
        pass


def _assert_ledger_holds(merchant, customer):
    with merchant_scope(merchant):
        for account in Account.objects.filter(customer=customer):
            sums = account.entries.aggregate(p=Sum("pending"), a=Sum("available"), d=Sum("debt"))
            assert (account.pending, account.available, account.debt) == (
                sums["p"] or 0,
                sums["a"] or 0,
                sums["d"] or 0,
            )
            assert min(account.pending, account.available, account.debt) >= 0
            assert not account.entries.filter(available_after__lt=0).exists()
            for earning in account.entries.filter(kind="earned"):
                moves = earning.moves.filter(kind="reversed").aggregate(
                    p=Sum("pending"), a=Sum("available"), d=Sum("debt")
                )
                taken = -(moves["p"] or 0) - (moves["a"] or 0) + (moves["d"] or 0)
                assert taken <= earning.points - earning.debt


@pytest.mark.django_db
@FAST
@given(operations=st.lists(operation, max_size=15), pending_days=st.sampled_from([0, 10]))
def test_any_interleaving_keeps_the_balances_the_sum_of_the_entries(merchant, operations, pending_days):
    _program(merchant, pending_days)
    with merchant_scope(merchant):
        customer = CustomerFactory(merchant=merchant)
    with time_machine.travel(START, tick=True):
        for step, op in enumerate(operations):
            _apply(merchant, customer, step, op)
            _assert_ledger_holds(merchant, customer)


@pytest.mark.django_db(transaction=True)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.integers(min_value=0, max_value=200), concurrent=st.lists(operation, min_size=2, max_size=5))
def test_concurrent_operations_keep_the_ledger(merchant, start, concurrent):
    _program(merchant, pending_days=0)
    with merchant_scope(merchant):
        customer = CustomerFactory(merchant=merchant)
    if start:
        services.points_adjust(merchant=merchant, customer=customer, points=start, reason="start", key=f"{customer.pk}")
    barrier = threading.Barrier(len(concurrent))
    failures = []

    def run(step, op):
        try:
            barrier.wait()
            _apply(merchant, customer, f"{customer.pk}:{step}", op)
        except Exception as exc:  # noqa: BLE001 - a thread's error must fail the test, not only be logged
            failures.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(step, op)) for step, op in enumerate(concurrent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    _assert_ledger_holds(merchant, customer)
    with merchant_scope(merchant):
        assert PointsEntry.objects.filter(account__customer=customer, available_after__lt=0).count() == 0
