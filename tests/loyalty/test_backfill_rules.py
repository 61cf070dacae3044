"""The back-fill applies live earning's rules: the amount counted, the tier of the day, debt paid off
first, and refunds and returns taking back the larger of their shares together."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.scoping import merchant_scope
from loyalty import handlers, services
from loyalty.backfill import points_backfill
from loyalty.models import Account, Source, Tier, TierTerm
from orders.models import OrderEvent
from tests.factories import CustomerFactory

from .conftest import account_of, entries_of, place, refund
from .test_backfill import OLD, RECENT
from .test_return_reversals import policy, resolve, returned, reversals, shop_order, shop_refund  # noqa: F401

pytestmark = pytest.mark.django_db
NOW = datetime.now(UTC)


def program(merchant, *, enabled=True, **values):
    rules = {"points_per_unit": 1, "deduct_discounts": True, "include_shipping": False, "include_tax": False}
    return services.loyalty_settings_update(
        merchant=merchant, enabled=enabled, pending_days=values.pop("pending_days", 30), **(rules | values)
    )


def tier_held(merchant, customer, multiplier, *, reached_at, ended_at=None, threshold=100):
    """The customer held a tier of `multiplier` from `reached_at` (until `ended_at`, or still)."""
    with merchant_scope(merchant):
        account, _created = Account.objects.get_or_create(merchant=merchant, customer=customer)
        tier = Tier.objects.create(
            merchant=merchant,
            name_en=f"T{threshold}",
            name_fr=f"T{threshold}",
            threshold=threshold,
            multiplier=Decimal(multiplier),
        )
        TierTerm.objects.create(
            merchant=merchant,
            account=account,
            tier=tier,
            name_en=tier.name_en,
            name_fr=tier.name_fr,
            threshold=threshold,
            reached_at=reached_at,
            ended_at=ended_at,
        )


def history(merchant, customer):
    """Orders of every kind the rules tell apart, each placed as the shop's webhook reports it."""
    place(merchant, customer, subtotal="120.00", number="#1", placed_at=OLD, discount="15.50")
    place(merchant, customer, subtotal="80.55", number="#2", placed_at=RECENT)
    place(merchant, customer, subtotal="60.00", number="#3", placed_at=OLD, payment_gateways=["gift_card"])
    place(merchant, customer, subtotal="0.40", number="#4", placed_at=RECENT)


def earned(merchant, customer) -> dict:
    return {
        entry.order_number: (entry.kind, entry.pending, entry.available, entry.debt, entry.available_on)
        for entry in entries_of(merchant, customer)
    }


@pytest.mark.parametrize(
    "rules",
    [
        {},
        {"points_per_unit": 3, "deduct_discounts": False, "include_shipping": True, "include_tax": True},
        {"include_shipping": True, "pending_days": 0},
        {"include_tax": True, "pending_days": 120},
    ],
)
def test_past_orders_earn_what_live_earning_gives_the_same_orders(
    merchant, other_merchant, customer, other_customer, rules
):
    for shop, buyer in ((merchant, customer), (other_merchant, other_customer)):
        tier_held(shop, buyer, "1.5", reached_at=OLD - timedelta(days=1))
    program(merchant, **rules)  # earns live
    history(merchant, customer)
    program(other_merchant, enabled=False, **rules)  # earns nothing, then back-fills
    history(other_merchant, other_customer)
    program(other_merchant, **rules)

    assert points_backfill(merchant=other_merchant) == len(entries_of(merchant, customer))
    assert earned(other_merchant, other_customer) == earned(merchant, customer)
    live, backfilled = account_of(merchant, customer), account_of(other_merchant, other_customer)
    assert (backfilled.pending, backfilled.available, backfilled.debt) == (live.pending, live.available, live.debt)


def test_the_tier_multiplier_is_the_one_held_on_the_day_of_the_order(merchant, customer):
    tier_held(merchant, customer, "1.5", reached_at=OLD - timedelta(days=30), ended_at=RECENT - timedelta(days=10))
    tier_held(merchant, customer, "2", reached_at=RECENT - timedelta(days=10), threshold=500)
    place(merchant, customer, subtotal="100.00", number="#old", placed_at=OLD)
    place(merchant, customer, subtotal="100.00", number="#recent", placed_at=RECENT)
    place(merchant, customer, subtotal="100.00", number="#before", placed_at=OLD - timedelta(days=60))
    program(merchant)

    points_backfill(merchant=merchant)

    points = {entry.order_number: entry.points for entry in entries_of(merchant, customer)}
    assert points == {"#before": 100, "#old": 150, "#recent": 200}


def test_points_available_at_once_pay_off_the_debt_first_as_live(merchant, customer):
    program(merchant, pending_days=0)
    order = place(merchant, customer, subtotal="120.00", number="#live")  # 120 available at once
    services.points_spend(merchant=merchant, customer=customer, points=110, source=Source.REWARD, key="spent")
    refund(merchant, order, "145.00")  # all of it back: 10 available taken, 110 owed
    program(merchant, enabled=False)
    place(merchant, customer, subtotal="80.00", number="#a", placed_at=OLD)
    place(merchant, customer, subtotal="60.00", number="#b", placed_at=OLD + timedelta(days=1))
    place(merchant, customer, subtotal="50.00", number="#c", placed_at=RECENT)
    program(merchant)

    assert points_backfill(merchant=merchant) == 3

    by_number = {e.order_number: e for e in entries_of(merchant, customer) if e.key.endswith(":placed")}
    moves = {
        n: (e.pending, e.available, e.debt, e.pending_after, e.available_after, e.debt_after)
        for n, e in by_number.items()
    }
    assert moves["#a"] == (0, 0, -80, 0, 0, 30)  # all 80 pay the debt off
    assert moves["#b"] == (0, 30, -30, 0, 30, 0)  # 30 of 60 to the rest of the debt
    assert moves["#c"] == (50, 0, 0, 50, 30, 0)  # pending: pays nothing yet
    account = account_of(merchant, customer)
    assert (account.pending, account.available, account.debt) == (50, 30, 0)


# --- Refunds and returns: the larger of the two shares, as live ---------------------------------------------


def came_back(merchant, customer, steps):
    """An order of two shirts at 30 and a vase at 60 (120 points, 145 total), then `steps` in order."""
    order = shop_order(merchant, customer)
    requests = {}
    for step, *args in steps:
        if step == "return":
            requests[args[0]] = returned(order)  # a shirt for store credit: 30, 25 points
        elif step == "resolve":
            resolve(requests[args[0]])
        else:
            amount, lines, external_id = args
            shop_refund(order, amount, lines=lines, external_id=external_id)
    return order


SCENARIOS = {
    "a return then a smaller refund of it": (
        [("return", 1), ("resolve", 1), ("refund", "10.00", [("Shirt", 1)], "r1")],
        [("return", 25)],
    ),
    "a refund of the returned shirt before the return is resolved": (
        [("return", 1), ("refund", "30.00", [("Shirt", 1)], "r1"), ("resolve", 1)],
        [("refund", 25)],
    ),
    "a refund of the returned shirt and more": (
        [("return", 1), ("resolve", 1), ("refund", "90.00", [("Shirt", 1), ("Vase", 1)], "r1")],
        [("return", 25), ("refund", 49)],
    ),
    "a refund of money alone besides the return": (
        [("return", 1), ("resolve", 1), ("refund", "5.00", [], "r1")],
        [("return", 25), ("refund", 4)],
    ),
}


@pytest.mark.parametrize("path", ["live", "backfill"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_refunds_and_returns_take_back_the_larger_share_as_live(merchant, customer, policy, path, scenario):  # noqa: F811
    steps, expected = SCENARIOS[scenario]
    program(merchant, enabled=path == "live")
    came_back(merchant, customer, steps)
    if path == "backfill":
        program(merchant)
        points_backfill(merchant=merchant)

    assert reversals(merchant, customer) == expected
    taken = sum(points for _source, points in expected)
    assert account_of(merchant, customer).pending == 120 - taken  # pending points first


def test_a_second_run_and_a_redelivered_resolution_take_nothing_more(merchant, customer, policy):  # noqa: F811
    steps, expected = SCENARIOS["a refund of the returned shirt and more"]
    program(merchant, enabled=False)
    came_back(merchant, customer, steps)
    program(merchant)
    assert points_backfill(merchant=merchant) == 3

    assert points_backfill(merchant=merchant) == 0
    with merchant_scope(merchant):
        event = OrderEvent.objects.get(kind="return.resolved")
    handlers.on_return_resolved(event)
    assert reversals(merchant, customer) == expected


def test_returns_of_another_shop_are_not_read(merchant, other_merchant, customer, policy):  # noqa: F811
    program(merchant, enabled=False)
    came_back(merchant, customer, [("return", 1), ("resolve", 1)])
    with merchant_scope(other_merchant):
        stranger = CustomerFactory(merchant=other_merchant, email="stranger@example.org")
    place(other_merchant, stranger, subtotal="50.00", number="#9", placed_at=OLD)
    program(other_merchant)

    assert points_backfill(merchant=other_merchant) == 1
    assert reversals(other_merchant, stranger) == []
    assert entries_of(merchant, customer) == []
