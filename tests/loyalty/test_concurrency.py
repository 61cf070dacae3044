"""Concurrent adjustments on real PostgreSQL: the account's row lock serialises them."""

import pytest

from loyalty.errors import LoyaltyValidationError
from tests.store_credit.test_concurrency import _race

from .conftest import account_of, adjust, entries_of


@pytest.mark.django_db(transaction=True)
def test_five_concurrent_withdrawals_of_300_from_1000_give_exactly_three(merchant, customer):
    adjust(merchant, customer, 1000, key="staff:start")
    outcomes = _race([lambda n=n: adjust(merchant, customer, -300, key=f"staff:{n}") for n in range(5)])
    refused = [o for o in outcomes if isinstance(o, LoyaltyValidationError)]
    made = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(made) == 3 and len(refused) == 2, outcomes
    assert account_of(merchant, customer).available == 100


@pytest.mark.django_db(transaction=True)
def test_the_same_adjustment_sent_three_times_at_once_is_made_once(merchant, customer):
    outcomes = _race([lambda: adjust(merchant, customer, 25, key="staff:same") for _ in range(3)])
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    assert account_of(merchant, customer).available == 25
    assert len(entries_of(merchant, customer)) == 1
