from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from core.scoping import merchant_scope
from orders.models import OrderEvent
from store_credit import services
from store_credit.errors import (
    CreditKeyConflictError,
    CreditValidationError,
    CurrencyMismatchError,
    InsufficientCreditError,
)
from store_credit.models import Entry

from .conftest import entries_of, issue, spend, wallet_of

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def events(merchant, kind):
    with merchant_scope(merchant):
        return list(OrderEvent.objects.filter(kind=kind).order_by("id"))


def test_issuing_credit_makes_the_wallet_its_code_and_an_event(merchant, customer):
    entry = issue(merchant, customer, "30.00")
    wallet = wallet_of(merchant, customer)
    assert (entry.kind, entry.amount, entry.balance_after) == ("issued", Decimal("30.00"), Decimal("30.00"))
    assert wallet.balance == Decimal("30.00")
    assert 8 <= len(wallet.code) <= 20 and wallet.code.isalnum() and wallet.code == wallet.code.lower()
    [event] = events(merchant, "store_credit.issued")
    assert event.customer_id == customer.pk and event.order_id is None
    assert event.anchor_key == f"store_credit:{entry.pk}"
    assert event.payload["amount"] == "30.00" and event.payload["wallet"]["balance"] == "30.00"
    assert event.payload["wallet"]["code"] == wallet.code


def test_the_same_key_returns_the_first_entry_and_adds_nothing(merchant, customer):
    first = issue(merchant, customer, "30.00")
    again = issue(merchant, customer, "30.00")
    assert again.pk == first.pk
    assert wallet_of(merchant, customer).balance == Decimal("30.00")
    assert len(events(merchant, "store_credit.issued")) == 1


def test_the_same_key_for_another_amount_is_refused(merchant, customer):
    issue(merchant, customer, "30.00")
    with pytest.raises(CreditKeyConflictError, match="already used"):
        issue(merchant, customer, "31.00")
    assert wallet_of(merchant, customer).balance == Decimal("30.00")


@pytest.mark.parametrize(
    ("amount", "currency", "field", "message"),
    [
        ("12.345", "EUR", "amount", "at most 2 decimals"),
        ("10.5", "JPY", "amount", "at most 0 decimals"),
        ("0", "EUR", "amount", "more than zero"),
        ("-5", "EUR", "amount", "more than zero"),
        ("10", "EUX", "currency", "Unknown currency"),
        ("NaN", "EUR", "amount", "as a number"),
    ],
)
def test_bad_amounts_and_currencies_are_refused_and_store_nothing(merchant, customer, amount, currency, field, message):
    with pytest.raises(CreditValidationError) as refusal:
        issue(merchant, customer, amount, currency=currency)
    assert message in refusal.value.errors[field]
    assert entries_of(merchant, customer) == []


def test_a_customer_of_another_shop_is_refused(merchant, other_customer):
    with pytest.raises(CreditValidationError, match="another shop"):
        issue(merchant, other_customer)


def test_spending_takes_from_the_balance_but_never_below_zero(merchant, customer):
    issue(merchant, customer, "30.00")
    spent = spend(merchant, customer, "20.00", key="portal:1")
    assert (spent.amount, spent.balance_after) == (Decimal("-20.00"), Decimal("10.00"))
    with pytest.raises(InsufficientCreditError, match="Only 10.00 EUR"):
        spend(merchant, customer, "10.01", key="portal:2")
    assert wallet_of(merchant, customer).balance == Decimal("10.00")
    assert len(events(merchant, "store_credit.spent")) == 1


def test_a_spend_without_any_credit_is_refused(merchant, customer):
    with pytest.raises(InsufficientCreditError, match="no store credit in EUR"):
        spend(merchant, customer, "1.00", key="portal:1")


def test_a_spend_in_another_currency_than_the_wallet_is_a_clear_mismatch(merchant, customer):
    issue(merchant, customer, "30.00")
    with pytest.raises(CurrencyMismatchError, match="in EUR, not USD"):
        spend(merchant, customer, "5.00", key="portal:1", currency="USD")
    with pytest.raises(CurrencyMismatchError):
        services.credit_spend_reported(
            merchant=merchant, customer=customer, amount=Decimal(5), currency="USD", key="shop:1"
        )
    assert len(entries_of(merchant, customer)) == 1


def test_a_spend_the_shop_reports_is_recorded_past_zero_and_flags_the_wallet(merchant, customer):
    issue(merchant, customer, "30.00")
    entry = services.credit_spend_reported(
        merchant=merchant,
        customer=customer,
        amount=Decimal("45.00"),
        currency="EUR",
        key="shop:order:9001",
        source_ref="9001",
    )
    wallet = wallet_of(merchant, customer)
    assert entry.balance_after == Decimal("-15.00") and wallet.balance == Decimal("-15.00")
    assert wallet.overdrawn_at is not None
    assert events(merchant, "store_credit.spent")[0].payload["wallet"]["overdrawn"] is True
    # Staff bring it back to zero: the flag goes.
    services.credit_adjust(
        merchant=merchant,
        customer=customer,
        amount=Decimal("15.00"),
        currency="EUR",
        key="staff:1",
        reason="Shop sold more than the card held",
        by_user=None,
    )
    assert wallet_of(merchant, customer).overdrawn_at is None


def test_reversing_a_spend_gives_the_credit_back_once(merchant, customer):
    issue(merchant, customer, "30.00")
    spent = spend(merchant, customer, "20.00", key="portal:1")
    reversal = services.credit_reverse(merchant=merchant, entry=spent, key="portal:1:undo")
    assert (reversal.kind, reversal.amount, reversal.balance_after) == ("reversed", Decimal("20.00"), Decimal("30.00"))
    assert services.credit_reverse(merchant=merchant, entry=spent, key="portal:1:undo").pk == reversal.pk
    with pytest.raises(CreditValidationError, match="reversed already"):
        services.credit_reverse(merchant=merchant, entry=spent, key="portal:1:undo-again")
    assert wallet_of(merchant, customer).balance == Decimal("30.00")


def test_a_spend_is_given_back_in_parts_never_beyond_its_amount(merchant, customer):
    issue(merchant, customer, "30.00")
    spent = spend(merchant, customer, "20.00", key="portal:1")
    first = services.credit_reverse(merchant=merchant, entry=spent, key="refund:1", amount=Decimal("5.00"))
    assert (first.kind, first.amount, first.balance_after) == ("reversed", Decimal("5.00"), Decimal("15.00"))
    assert (first.reverses_id, first.reverses_part_of_id) == (None, spent.pk)
    # the same part again gives back the same entry; the same key for another amount is refused
    again = services.credit_reverse(merchant=merchant, entry=spent, key="refund:1", amount=Decimal("5.00"))
    assert again.pk == first.pk
    with pytest.raises(CreditKeyConflictError):
        services.credit_reverse(merchant=merchant, entry=spent, key="refund:1", amount=Decimal("6.00"))
    with pytest.raises(CreditValidationError, match="Only 15.00 EUR of this entry is left to reverse"):
        services.credit_reverse(merchant=merchant, entry=spent, key="refund:2", amount=Decimal("15.01"))
    with pytest.raises(CreditValidationError, match="at most 2 decimals"):
        services.credit_reverse(merchant=merchant, entry=spent, key="refund:2", amount=Decimal("1.001"))
    # without an amount: what is left of it
    rest = services.credit_reverse(merchant=merchant, entry=spent, key="refund:2")
    assert (rest.amount, rest.balance_after, rest.reverses_part_of_id) == (Decimal("15.00"), Decimal("30.00"), spent.pk)
    assert services.credit_reverse(merchant=merchant, entry=spent, key="refund:2").pk == rest.pk
    with pytest.raises(CreditValidationError, match="Only 0.00 EUR"):
        services.credit_reverse(merchant=merchant, entry=spent, key="refund:3", amount=Decimal("1.00"))
    assert wallet_of(merchant, customer).balance == Decimal("30.00")
    assert [e.amount for e in entries_of(merchant, customer)] == [
        Decimal("30.00"),
        Decimal("-20.00"),
        Decimal("5.00"),
        Decimal("15.00"),
    ]


def test_a_whole_reversal_after_it_leaves_no_part_and_a_part_after_it_nothing(merchant, customer):
    issue(merchant, customer, "30.00")
    spent = spend(merchant, customer, "20.00", key="portal:1")
    whole = services.credit_reverse(merchant=merchant, entry=spent, key="refund:1", amount=Decimal("20.00"))
    assert (whole.reverses_id, whole.reverses_part_of_id) == (spent.pk, None)  # all of it in one go: the whole
    with pytest.raises(CreditValidationError, match="reversed already"):
        services.credit_reverse(merchant=merchant, entry=spent, key="refund:2", amount=Decimal("1.00"))
    assert wallet_of(merchant, customer).balance == Decimal("30.00")


def test_reversing_issued_credit_already_spent_is_refused(merchant, customer):
    issued = issue(merchant, customer, "30.00")
    spend(merchant, customer, "20.00", key="portal:1")
    with pytest.raises(InsufficientCreditError):
        services.credit_reverse(merchant=merchant, entry=issued, key="undo")
    with pytest.raises(CreditValidationError, match="Only issued credit or a spend"):
        services.credit_reverse(
            merchant=merchant,
            entry=entries_of(merchant, customer)[-1].__class__(kind="expired", merchant=merchant),
            key="x",
        )


def test_staff_adjustments_need_a_reason_and_never_overdraw(merchant, customer, owner):
    issue(merchant, customer, "30.00")
    with pytest.raises(CreditValidationError, match="reason is required"):
        services.credit_adjust(
            merchant=merchant,
            customer=customer,
            amount=Decimal("-5"),
            currency="EUR",
            key="s:1",
            reason="  ",
            by_user=owner,
        )
    with pytest.raises(InsufficientCreditError):
        services.credit_adjust(
            merchant=merchant,
            customer=customer,
            amount=Decimal("-30.01"),
            currency="EUR",
            key="s:2",
            reason="Goodwill taken back",
            by_user=owner,
        )
    entry = services.credit_adjust(
        merchant=merchant,
        customer=customer,
        amount=Decimal("-5"),
        currency="EUR",
        key="s:3",
        reason="Double credit",
        by_user=owner,
    )
    assert (entry.kind, entry.note, entry.created_by_id, entry.balance_after) == (
        "adjusted",
        "Double credit",
        owner.pk,
        Decimal("25.00"),
    )


def test_the_shops_expiry_setting_dates_new_credit(merchant, customer):
    services.credit_settings_update(merchant=merchant, expiry_months=12)
    with time_machine.travel(datetime(2026, 1, 31, 9, 0, tzinfo=UTC), tick=False):
        entry = issue(merchant, customer, "30.00")
    assert entry.expires_at == datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
    assert services.add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    with pytest.raises(CreditValidationError):
        services.credit_settings_update(merchant=merchant, expiry_months=0)


def test_expiry_takes_what_is_left_of_each_credit_oldest_spent_first(merchant, customer):
    with time_machine.travel(NOW, tick=False):
        issue(merchant, customer, "30.00", key="a", expires_at=NOW + timedelta(days=10))
    with time_machine.travel(NOW + timedelta(seconds=1), tick=False):
        issue(merchant, customer, "20.00", key="b", expires_at=NOW + timedelta(days=40))
    with time_machine.travel(NOW + timedelta(seconds=2), tick=False):
        spend(merchant, customer, "25.00", key="portal:1")  # from "a": 5.00 of it left
    assert services.credits_expire_due(NOW + timedelta(days=9)) == 0
    assert services.credits_expire_due(NOW + timedelta(days=11)) == 1
    assert services.credits_expire_due(NOW + timedelta(days=11)) == 0  # nothing twice
    expired = entries_of(merchant, customer)[-1]
    assert (expired.kind, expired.amount, expired.balance_after) == ("expired", Decimal("-5.00"), Decimal("20.00"))
    [event] = events(merchant, "store_credit.expired")
    assert event.payload["amount"] == "-5.00"
    assert services.credits_expire_due(NOW + timedelta(days=41)) == 1
    assert wallet_of(merchant, customer).balance == Decimal("0.00")


def test_customers_are_reminded_once_30_days_before_what_is_left_expires(merchant, customer):
    with time_machine.travel(NOW, tick=False):
        issue(merchant, customer, "30.00", key="a", expires_at=NOW + timedelta(days=45))
        issue(merchant, customer, "10.00", key="b", expires_at=NOW + timedelta(days=20))
        spend(merchant, customer, "30.00", key="portal:1")  # "a" is spent: only "b" is left
    assert services.credits_remind_expiring(NOW) == 1
    assert services.credits_remind_expiring(NOW + timedelta(days=1)) == 0
    [event] = events(merchant, "store_credit.expiring")
    assert event.payload["amount_left"] == "10.00"
    assert event.anchor_key.startswith("store_credit:expiring:")


def test_entries_are_append_only_rows_with_unique_keys(merchant, customer):
    issue(merchant, customer, "30.00")
    with merchant_scope(merchant):
        assert Entry.objects.filter(key="return:R-1042-1").count() == 1
