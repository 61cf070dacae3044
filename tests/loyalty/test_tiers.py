"""Tiers: reached on the program's basis and period, kept through their term, lost after it; the
multiplier on purchase points, the entry reward once, the event and the API's view."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from core.scoping import merchant_scope, unscoped
from loyalty import services, tiers
from loyalty.models import PointsEntry, Source, Tier, TierTerm
from orders.models import OrderEvent

from .conftest import account_of, entries_of, place, refund

pytestmark = pytest.mark.django_db


def at(year, month, day, hour=12):
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=UTC), tick=False)


def program_with_tiers(merchant, *, basis="points", period="calendar_year", entry_points=50, pending_days=30):
    services.loyalty_settings_update(
        merchant=merchant,
        enabled=True,
        points_per_unit=1,
        deduct_discounts=True,
        include_shipping=False,
        include_tax=False,
        pending_days=pending_days,
    )
    rules = {
        "tier_basis": basis,
        "tier_period": period,
        "bonus_order_number": 0,
        "bonus_points": 0,
        "birthday_points": 0,
        "members_only": False,
    }
    rows = [
        {
            "name_en": "Silver",
            "name_fr": "Argent",
            "threshold": 100,
            "multiplier": Decimal(1),
            "entry_points": entry_points,
        },
        {"name_en": "Gold", "name_fr": "Or", "threshold": 300, "multiplier": Decimal("1.25"), "entry_points": 0},
    ]
    tiers.tiers_save(merchant=merchant, rules=rules, rows=rows, removed=[])
    with merchant_scope(merchant):
        return {tier.name_en: tier for tier in Tier.objects.all()}


def grant(merchant, customer, points, key):
    """Points available at once from something else than an order (a review, say)."""
    return services.points_grant(merchant=merchant, customer=customer, points=points, source=Source.REVIEW, key=key)


def held(merchant, customer) -> str | None:
    from loyalty.tier_rates import current_term

    term = current_term(merchant, customer.pk)
    return term.name_en if term else None


def terms(merchant, customer) -> list[TierTerm]:
    with merchant_scope(merchant):
        return list(TierTerm.objects.filter(account__customer=customer).order_by("reached_at", "id"))


def tier_events(kind="loyalty.tier_changed") -> list[dict]:
    with unscoped():
        return [event.payload for event in OrderEvent.objects.filter(kind=kind).order_by("id")]


# --- Calendar year --------------------------------------------------------------------------------------


def test_a_tier_is_reached_once_points_are_available_and_kept_to_the_end_of_the_year(merchant, customer):
    program_with_tiers(merchant)
    with at(2026, 3, 2):
        place(merchant, customer, subtotal="150.00", placed_at=datetime(2026, 3, 2, 12, tzinfo=UTC))
        assert tiers.tiers_evaluate(merchant) == 0  # pending points may still come back: not counted
    with at(2026, 4, 2):
        services.points_mature_due()
        assert tiers.tiers_evaluate(merchant) == 1
        assert tiers.tiers_evaluate(merchant) == 0  # the daily task twice changes nothing
    [term] = terms(merchant, customer)
    assert (term.name_en, term.term_ends_on) == ("Silver", date(2026, 12, 31))
    with at(2026, 12, 31):
        assert tiers.tiers_evaluate(merchant) == 0 and held(merchant, customer) == "Silver"
    with at(2027, 1, 1):
        assert tiers.tiers_evaluate(merchant) == 1  # a new year counts from zero: the term is over
        assert held(merchant, customer) is None
    assert [(e["previous"] and e["previous"]["name"], e["tier"] and e["tier"]["name"]) for e in tier_events()] == [
        (None, "Silver"),
        ("Silver", None),
    ]
    assert len(tier_events("loyalty.tier_reached")) == 1  # the email's trigger: moving up only


def test_a_refund_in_the_middle_of_the_term_does_not_take_the_tier_away(merchant, customer):
    program_with_tiers(merchant, pending_days=0)
    with at(2026, 3, 2):
        order = place(merchant, customer, subtotal="150.00", placed_at=datetime(2026, 3, 2, 12, tzinfo=UTC))
        tiers.tiers_evaluate(merchant)
    with at(2026, 5, 2):
        refund(merchant, order, "175.00")  # everything back: the qualifying total is 0 now
        assert tiers.tiers_evaluate(merchant) == 0
        assert held(merchant, customer) == "Silver"


def test_a_higher_tier_replaces_the_current_one_at_once_and_the_history_stays(merchant, customer):
    program_with_tiers(merchant)
    with at(2026, 3, 2):
        grant(merchant, customer, 120, "review:1")
        tiers.tiers_evaluate(merchant)
    with at(2026, 6, 2):
        grant(merchant, customer, 200, "review:2")
        tiers.tiers_evaluate(merchant)
    silver, gold = terms(merchant, customer)
    assert silver.ended_at is not None and gold.ended_at is None
    assert (gold.name_en, gold.reached_at.date(), gold.term_ends_on) == ("Gold", date(2026, 6, 2), date(2026, 12, 31))


def test_the_entry_reward_is_given_once_per_tier_even_when_reached_again(merchant, customer):
    program_with_tiers(merchant, entry_points=50)
    with at(2026, 3, 2):
        grant(merchant, customer, 120, "review:1")
        tiers.tiers_evaluate(merchant)
    with at(2027, 1, 1):
        tiers.tiers_evaluate(merchant)  # lost with the new year
        grant(merchant, customer, 120, "review:2")
        tiers.tiers_evaluate(merchant)  # and reached again
    assert [t.name_en for t in terms(merchant, customer)] == ["Silver", "Silver"]
    rewards = [e for e in entries_of(merchant, customer) if e.source == Source.TIER]
    assert [(r.points, r.available) for r in rewards] == [(50, 50)]
    assert account_of(merchant, customer).available == 120 + 50 + 120


def test_tier_rewards_do_not_count_towards_tiers(merchant, customer):
    program_with_tiers(merchant, entry_points=250)
    with at(2026, 3, 2):
        grant(merchant, customer, 100, "review:1")
        tiers.tiers_evaluate(merchant)
        tiers.tiers_evaluate(merchant)
    assert held(merchant, customer) == "Silver"  # 100 + 250 of reward would be Gold


# --- Rolling 12 months, lifetime, amount spent ------------------------------------------------------------


def test_rolling_twelve_months_keeps_the_tier_twelve_months_then_counts_again(merchant, customer):
    program_with_tiers(merchant, period="rolling_12_months")
    with at(2026, 3, 2):
        grant(merchant, customer, 120, "review:1")
        tiers.tiers_evaluate(merchant)
    [term] = terms(merchant, customer)
    assert term.term_ends_on == date(2027, 3, 1)
    with at(2027, 3, 1):
        assert tiers.tiers_evaluate(merchant) == 0 and held(merchant, customer) == "Silver"
    with at(2027, 3, 2, hour=13):  # the points are more than 12 months old and the term is over
        assert tiers.tiers_evaluate(merchant) == 1
    assert held(merchant, customer) is None


def test_rolling_twelve_months_renews_the_term_of_a_member_who_still_qualifies(merchant, customer):
    program_with_tiers(merchant, period="rolling_12_months")
    with at(2026, 3, 2):
        grant(merchant, customer, 120, "review:1")
        tiers.tiers_evaluate(merchant)
    with at(2027, 1, 5):
        grant(merchant, customer, 110, "review:2")
    with at(2027, 3, 2, hour=13):
        tiers.tiers_evaluate(merchant)
    first, renewed = terms(merchant, customer)
    assert (renewed.name_en, renewed.term_ends_on) == ("Silver", date(2028, 3, 1))
    assert len(tier_events()) == 1  # a renewal is no change


def test_lifetime_tiers_never_drop(merchant, customer):
    program_with_tiers(merchant, period="lifetime")
    with at(2026, 3, 2):
        order = place(merchant, customer, subtotal="150.00", placed_at=datetime(2026, 3, 2, 12, tzinfo=UTC))
    with at(2026, 4, 2):
        services.points_mature_due()
        tiers.tiers_evaluate(merchant)
    with at(2029, 6, 1):
        refund(merchant, order, "175.00")
        assert tiers.tiers_evaluate(merchant) == 0
    [term] = terms(merchant, customer)
    assert term.term_ends_on is None and held(merchant, customer) == "Silver"


def test_amount_spent_counts_orders_net_of_refunds_without_cancelled_or_test_orders(merchant, customer):
    program_with_tiers(merchant, basis="amount")
    with at(2026, 3, 2):
        placed = datetime(2026, 3, 2, 12, tzinfo=UTC)
        order = place(merchant, customer, subtotal="275.00", placed_at=placed)  # total 300
        place(merchant, customer, subtotal="975.00", number="#T", test=True, placed_at=placed)
        assert held(merchant, customer) == "Gold"  # reached when the order was placed: its 300 counted then
        refund(merchant, order, "10.00")
        tiers.tiers_evaluate(merchant)
        with merchant_scope(merchant):
            totals = tiers.qualifying_totals(merchant, "amount", None)
    assert totals == {account_of(merchant, customer).pk: 290}  # net of the refund, the test order left out
    assert held(merchant, customer) == "Gold"  # never lost in the middle of its term


# --- Multiplier ---------------------------------------------------------------------------------------------


def test_the_tiers_multiplier_applies_to_purchase_points_only(merchant, customer):
    program_with_tiers(merchant, entry_points=0)
    with at(2026, 3, 2):
        grant(merchant, customer, 300, "review:1")
        tiers.tiers_evaluate(merchant)
        assert held(merchant, customer) == "Gold"
        order = place(merchant, customer, subtotal="101.00", placed_at=datetime(2026, 3, 2, 12, tzinfo=UTC))
        grant(merchant, customer, 10, "review:2")
    earning = [e for e in entries_of(merchant, customer) if e.order_id == order.pk][0]
    assert earning.pending == 126  # 101 × 1.25, rounded down
    assert entries_of(merchant, customer)[-1].points == 10


# --- Isolation, API ------------------------------------------------------------------------------------------


def test_evaluating_one_shop_leaves_the_others_alone(merchant, other_merchant, customer, other_customer):
    program_with_tiers(merchant)
    program_with_tiers(other_merchant)
    with at(2026, 3, 2):
        grant(merchant, customer, 120, "review:1")
        grant(other_merchant, other_customer, 120, "review:1")
        assert tiers.tiers_evaluate(merchant) == 1
    assert held(other_merchant, other_customer) is None
    with at(2026, 3, 3):
        assert tiers.tiers_evaluate_all() == 1  # the daily task: the other shop's member now
    with unscoped():
        assert set(TierTerm.objects.values_list("merchant_id", "account__customer_id")) == {
            (merchant.pk, customer.pk),
            (other_merchant.pk, other_customer.pk),
        }


def test_the_api_gives_the_tier_and_the_next_one(api, merchant, customer):
    program_with_tiers(merchant)
    assert api.get(f"/api/v1/customers/{customer.pk}/loyalty").json()["tier"] == {
        "name": None,
        "reached_at": None,
        "term_ends_on": None,
        "next": {"name": "Silver", "remaining": 100},
    }
    with at(2026, 3, 2):
        grant(merchant, customer, 180, "review:1")
        tiers.tiers_evaluate(merchant)
        tier = api.get(f"/api/v1/customers/{customer.pk}/loyalty").json()["tier"]
    assert tier["name"] == "Silver" and tier["term_ends_on"] == "2026-12-31"
    assert tier["reached_at"].startswith("2026-03-02") and tier["next"] == {"name": "Gold", "remaining": 120}


def test_the_api_tier_is_null_without_tiers(api, merchant, customer, program):
    assert api.get(f"/api/v1/customers/{customer.pk}/loyalty").json()["tier"] is None


def test_a_removed_tier_keeps_its_members_term_by_name_without_multiplier(merchant, customer):
    found = program_with_tiers(merchant)
    with at(2026, 3, 2):
        grant(merchant, customer, 320, "review:1")
        tiers.tiers_evaluate(merchant)
        with merchant_scope(merchant):
            found["Gold"].delete()
        assert held(merchant, customer) == "Gold"
        order = place(merchant, customer, subtotal="100.00", placed_at=datetime(2026, 3, 2, 12, tzinfo=UTC))
        assert tiers.tiers_evaluate(merchant) == 0  # Silver is lower: the Gold term goes on
    with merchant_scope(merchant):
        assert PointsEntry.objects.get(order=order).pending == 100


# --- One customer over 13 months --------------------------------------------------------------------------


def test_one_customer_over_thirteen_months(merchant, customer):
    """Pending → available → tier (and its reward) → kept through a refund and a quiet year → term end."""
    program_with_tiers(merchant, period="rolling_12_months", entry_points=50)
    with at(2026, 1, 10):
        order = place(merchant, customer, subtotal="120.00", placed_at=datetime(2026, 1, 10, 12, tzinfo=UTC))
        tiers.tiers_evaluate(merchant)
        assert (account_of(merchant, customer).pending, held(merchant, customer)) == (120, None)
    with at(2026, 2, 10):
        services.points_mature_due()
        tiers.tiers_evaluate(merchant)
        account = account_of(merchant, customer)
        assert (account.available, account.pending, held(merchant, customer)) == (170, 0, "Silver")
    with at(2026, 7, 1):
        refund(merchant, order, "72.50")  # half the order: 60 points back, the total falls to 60
        tiers.tiers_evaluate(merchant)
        assert held(merchant, customer) == "Silver"
    with at(2027, 2, 9):
        tiers.tiers_evaluate(merchant)
        assert held(merchant, customer) == "Silver"  # the term's last day
    with at(2027, 2, 10, hour=13):
        assert tiers.tiers_evaluate(merchant) == 1
        assert held(merchant, customer) is None
        assert account_of(merchant, customer).available == 110  # the reward stays
    [term] = terms(merchant, customer)
    assert (term.term_ends_on, term.ended_at.date()) == (date(2027, 2, 9), date(2027, 2, 10))


def test_a_daily_pass_without_changes_reads_a_fixed_number_of_queries(merchant, customer, django_assert_num_queries):
    from tests.factories import CustomerFactory

    program_with_tiers(merchant)
    with merchant_scope(merchant):
        others = [CustomerFactory(merchant=merchant, email=f"m{n}@example.org") for n in range(5)]
    with at(2026, 3, 2):
        for n, member in enumerate([customer, *others]):
            grant(merchant, member, 120 + 100 * n, f"review:{n}")
        assert tiers.tiers_evaluate(merchant) == 6
        with django_assert_num_queries(5):  # program on, rules, tiers, totals, open terms
            assert tiers.tiers_evaluate(merchant) == 0
