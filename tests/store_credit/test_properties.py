"""Any sequence of ledger operations, also concurrent ones, leaves balance == sum(entries), and our
own spends never take a balance below zero."""

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
from store_credit import services
from store_credit.errors import CreditError
from store_credit.models import Entry, Wallet
from tests.factories import CustomerFactory

START = datetime(2026, 3, 1, tzinfo=UTC)
cents = st.integers(min_value=1, max_value=10_000).map(lambda n: Decimal(n).scaleb(-2))
operation = st.one_of(
    st.tuples(st.just("issue"), cents, st.integers(min_value=0, max_value=5)),  # expires in N days (0: never)
    st.tuples(st.just("spend"), cents, st.none()),
    st.tuples(st.just("reported"), cents, st.none()),
    st.tuples(st.just("adjust"), cents, st.booleans()),  # taken away when True
    st.tuples(st.just("reverse"), st.none(), st.integers(min_value=0, max_value=20)),  # the Nth entry
    st.tuples(st.just("reverse_part"), cents, st.integers(min_value=0, max_value=20)),  # part of the Nth entry
    st.tuples(st.just("expire"), st.none(), st.integers(min_value=0, max_value=6)),  # N days later
)
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _customer(merchant):
    with merchant_scope(merchant):
        return CustomerFactory(merchant=merchant)


def _apply(merchant, customer, step: int, op) -> Entry | None:
    name, amount, extra = op
    common = {"merchant": merchant, "customer": customer, "currency": "EUR", "key": f"{customer.pk}:{step}"}
    try:
        if name == "issue":
            expires = START + timedelta(days=extra) if extra else None
            return services.credit_issue(amount=amount, source="return", expires_at=expires, **common)
        if name == "spend":
            return services.credit_spend(amount=amount, source="portal", **common)
        if name == "reported":
            return services.credit_spend_reported(amount=amount, **common)
        if name == "adjust":
            return services.credit_adjust(amount=-amount if extra else amount, reason="check", by_user=None, **common)
        if name in ("reverse", "reverse_part"):
            with merchant_scope(merchant):
                entries = list(Entry.objects.filter(wallet__customer=customer).order_by("id"))
            if entries:
                return services.credit_reverse(
                    merchant=merchant, entry=entries[extra % len(entries)], key=common["key"], amount=amount
                )
            return None
        services.credits_expire_due(START + timedelta(days=extra))
    except CreditError:
        return None
    return None


def _assert_ledger_holds(merchant, customer):
    with merchant_scope(merchant):
        for wallet in Wallet.objects.filter(customer=customer):
            total = wallet.entries.aggregate(total=Sum("amount"))["total"] or Decimal(0)
            assert wallet.balance == total
            last = wallet.entries.order_by("-created_at", "-id").first()
            assert last is None or last.balance_after == wallet.balance
            assert (wallet.overdrawn_at is not None) == (wallet.balance < 0)
            for entry in wallet.entries.filter(kind__in=["issued", "spent"]):  # never undone beyond its amount
                undone = sum(entry.part_reversals.values_list("amount", flat=True), Decimal(0))
                undone += sum(Entry.objects.filter(reverses=entry).values_list("amount", flat=True), Decimal(0))
                assert abs(undone) <= abs(entry.amount)


def _assert_our_spends_never_overdraw(merchant, customer):
    with merchant_scope(merchant):
        ours = Entry.objects.filter(wallet__customer=customer, amount__lt=0).exclude(source="shop")
        assert not ours.filter(balance_after__lt=0, kind__in=["spent", "adjusted"]).exists()


@pytest.mark.django_db
@FAST
@given(operations=st.lists(operation, max_size=15))
def test_any_sequence_keeps_the_balance_the_sum_of_the_entries(merchant, operations):
    customer = _customer(merchant)
    with time_machine.travel(START, tick=True):
        for step, op in enumerate(operations):
            _apply(merchant, customer, step, op)
            _assert_ledger_holds(merchant, customer)
    _assert_our_spends_never_overdraw(merchant, customer)


@pytest.mark.django_db(transaction=True)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    credit=cents,
    concurrent=st.lists(
        st.tuples(st.sampled_from(["spend", "reported", "issue", "adjust"]), cents, st.just(True)),
        min_size=2,
        max_size=5,
    ),
)
def test_concurrent_operations_keep_the_ledger_and_never_overdraw_by_our_spends(merchant, credit, concurrent):
    customer = _customer(merchant)
    services.credit_issue(
        merchant=merchant, customer=customer, amount=credit, currency="EUR", key=f"{customer.pk}:first", source="staff"
    )
    barrier = threading.Barrier(len(concurrent))

    def run(step, op):
        try:
            barrier.wait()
            _apply(merchant, customer, step + 1, op)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(step, op)) for step, op in enumerate(concurrent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    _assert_ledger_holds(merchant, customer)
    _assert_our_spends_never_overdraw(merchant, customer)
