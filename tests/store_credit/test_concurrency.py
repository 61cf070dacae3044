"""Concurrent spends on real PostgreSQL: the wallet's row lock lets exactly one through."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from store_credit.errors import InsufficientCreditError

from .conftest import entries_of, issue, spend, wallet_of


def _race(workers):
    barrier = threading.Barrier(len(workers))
    outcomes = []

    def run(work):
        try:
            barrier.wait()
            outcomes.append(work())
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test reads
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_spends_of_the_whole_balance_one_succeeds(merchant, customer):
    issue(merchant, customer, "30.00")
    outcomes = _race([lambda n=n: spend(merchant, customer, "30.00", key=f"portal:{n}") for n in range(2)])
    refused = [o for o in outcomes if isinstance(o, InsufficientCreditError)]
    made = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(made) == 1 and len(refused) == 1, outcomes
    assert wallet_of(merchant, customer).balance == Decimal("0.00")
    assert len(entries_of(merchant, customer)) == 2


@pytest.mark.django_db(transaction=True)
def test_the_same_spend_sent_twice_at_once_is_made_once(merchant, customer):
    issue(merchant, customer, "30.00")
    outcomes = _race([lambda: spend(merchant, customer, "10.00", key="portal:same") for _ in range(3)])
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    assert wallet_of(merchant, customer).balance == Decimal("20.00")


@pytest.mark.django_db(transaction=True)
def test_the_first_credit_of_a_customer_issued_twice_at_once_makes_one_wallet(merchant, customer):
    outcomes = _race([lambda n=n: issue(merchant, customer, "5.00", key=f"loyalty:{n}") for n in range(3)])
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert len({o.wallet_id for o in outcomes}) == 1
    assert wallet_of(merchant, customer).balance == Decimal("15.00")
