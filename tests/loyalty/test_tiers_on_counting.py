"""A tier is reached as soon as what qualifies counts (points becoming spendable, the spend of an order),
not at the next daily pass; members of a publishing batch are evaluated together, each shop on its own."""

from datetime import UTC, datetime

import pytest

from core.scoping import merchant_scope
from loyalty import services, tiers
from loyalty.models import Account
from orders.events import events_publish_pending
from tests.factories import CustomerFactory

from .conftest import place
from .test_tiers import at, grant, held, program_with_tiers, tier_events

pytestmark = pytest.mark.django_db
PLACED = datetime(2026, 3, 2, 12, tzinfo=UTC)


@pytest.fixture
def evaluations(monkeypatch):
    """(merchant id, account ids) of each evaluation the subscriber asks for."""
    calls = []
    evaluate = tiers.tiers_evaluate

    def spy(merchant, *, account_ids=None):
        calls.append((merchant.pk, sorted(account_ids)))
        return evaluate(merchant, account_ids=account_ids)

    monkeypatch.setattr(tiers, "tiers_evaluate", spy)
    return calls


def account_ids(merchant, *customers) -> list[int]:
    with merchant_scope(merchant):
        return sorted(Account.objects.filter(customer__in=customers).values_list("pk", flat=True))


def test_a_tier_is_reached_when_the_points_become_available(merchant, customer):
    program_with_tiers(merchant)
    with at(2026, 3, 2):
        place(merchant, customer, subtotal="150.00", placed_at=PLACED)
        assert held(merchant, customer) is None  # pending: they may still come back
    with at(2026, 4, 2):
        services.points_mature_due()
        events_publish_pending()
        assert held(merchant, customer) == "Silver"  # without waiting for the daily pass
        assert tiers.tiers_evaluate(merchant) == 0  # which then has nothing to do
    assert len(tier_events("loyalty.tier_reached")) == 1


def test_points_available_at_once_reach_the_tier_with_the_order(merchant, customer):
    program_with_tiers(merchant, pending_days=0)
    with at(2026, 3, 2):
        place(merchant, customer, subtotal="150.00", placed_at=PLACED)
        assert held(merchant, customer) == "Silver"


def test_the_spend_reaches_the_tier_when_the_order_is_placed(merchant, customer):
    program_with_tiers(merchant, basis="amount")
    with at(2026, 3, 2):
        place(merchant, customer, subtotal="275.00", placed_at=PLACED)  # total 300
        assert held(merchant, customer) == "Gold"


def test_members_of_one_batch_are_evaluated_in_one_pass_per_shop(merchant, other_merchant, customer, evaluations):
    program_with_tiers(merchant, pending_days=0, entry_points=0)  # no reward: its points would count again
    program_with_tiers(other_merchant, pending_days=0, entry_points=0)
    with merchant_scope(merchant):
        second = CustomerFactory(merchant=merchant)
    with merchant_scope(other_merchant):
        stranger = CustomerFactory(merchant=other_merchant)
    with at(2026, 3, 2):
        for shop, member, key in [
            (merchant, customer, "r1"),
            (merchant, second, "r2"),
            (other_merchant, stranger, "r3"),
        ]:
            grant(shop, member, 120, key)
        events_publish_pending()

    assert sorted(evaluations) == sorted(
        [
            (merchant.pk, account_ids(merchant, customer, second)),
            (other_merchant.pk, account_ids(other_merchant, stranger)),
        ]
    )
    assert held(merchant, customer) == held(merchant, second) == held(other_merchant, stranger) == "Silver"


def test_nothing_is_evaluated_without_tiers_or_for_pending_points(merchant, customer, program, evaluations):
    place(merchant, customer, subtotal="150.00")  # pending, and the shop has no tiers
    grant(merchant, customer, 120, "review:1")
    events_publish_pending()
    assert evaluations == []
