"""Each definition of docs/kpis.md on the hand-made history of history.py, answers worked out by hand."""

from datetime import date
from decimal import Decimal as D  # noqa: N817 - the hand-worked figures read better short

import pytest

from analytics.aggregates import aggregates_rebuild
from analytics.engine import cohorts, period_kpis
from core.ranges import Period

from .history import POSTGRESQL_ONLY, paris, seed_history

pytestmark = [pytest.mark.django_db, POSTGRESQL_ONLY]

MARCH = Period(paris(2026, 3, 1), paris(2026, 4, 1))
AS_OF = paris(2026, 7, 1)


@pytest.fixture(params=["from orders", "from daily aggregates", "python engine"])
def shop(request, merchant):
    """The history three ways: SQL from the orders, SQL with the daily table, the Python engine (SQLite's)."""
    seed_history(merchant)
    if request.param == "from daily aggregates":
        aggregates_rebuild(merchant=merchant)
    if request.param == "python engine":
        request.getfixturevalue("python_engine")
    return merchant


def test_march_kpis(shop):
    kpis = period_kpis(shop, MARCH, AS_OF)
    # Counted in March: a2, b1, b2, c1, e1 (d1 cancelled, d2 a test, f1 an exchange, e2 is April in Paris).
    assert kpis["orders"] == 5
    assert kpis["customers"] == 4  # A, B, C, E
    # A (January + March) and B (two in March) have 2 orders before April; C and E one each.
    assert kpis["repeat_rate"] == D("0.5000")
    assert kpis["purchase_frequency"] == D("1.2500")
    # EUR: (50 - 20 refunded in May) + (80, its refund of August comes after as_of) + 40 + 10 = 160 over 4.
    assert kpis["aov"] == {"EUR": D("40.00"), "USD": D("30.00")}
    # Cohort: B, C, E (A's first order is January). Second order: B +15 days, C +56 days, E +1 hour.
    assert kpis["repurchase_30"] == D("0.6667")
    assert kpis["repurchase_90"] == D("1.0000")
    # Before July: EUR A 100 + 30, B 80 + 40, E 10 + 20 = 280 over 3 customers; USD C 90 over 1.
    assert kpis["historical_clv"] == {"EUR": D("93.33"), "USD": D("90.00")}


def test_refunds_count_only_once_recorded(shop):
    later = period_kpis(shop, MARCH, paris(2026, 8, 2))  # b1's 10 EUR refund recorded on August 1
    assert later["aov"]["EUR"] == D("37.50")  # 150 / 4
    earlier = period_kpis(shop, MARCH, paris(2026, 4, 30))  # before a2's refund too
    assert earlier["aov"]["EUR"] == D("45.00")  # 180 / 4


def test_repurchase_cohort_needs_its_window_to_have_passed(shop):
    # As of April 20: B (March 10) and C (March 20) are 30 days old, E (March 31) is not; none is 90.
    kpis = period_kpis(shop, MARCH, paris(2026, 4, 20))
    assert kpis["repurchase_30"] == D("0.5000")  # B yes, C not yet by then
    assert kpis["repurchase_90"] is None


def test_as_of_inside_the_period_ignores_later_orders(shop):
    kpis = period_kpis(shop, MARCH, paris(2026, 3, 21))  # a2, b1, c1 placed; b2 and e1 not yet
    assert (kpis["orders"], kpis["customers"]) == (3, 3)
    assert kpis["aov"] == {"EUR": D("65.00"), "USD": D("30.00")}  # (50 + 80) / 2, refunds later


def test_partial_days_at_the_edges(shop):
    # From March 31 22:00 to April 1 01:00 Paris: e1 and e2, across two partial days.
    kpis = period_kpis(shop, Period(paris(2026, 3, 31, 22), paris(2026, 4, 1, 1)), AS_OF)
    assert kpis["orders"] == 2 and kpis["customers"] == 1
    assert kpis["aov"] == {"EUR": D("15.00")}
    assert kpis["repeat_rate"] == D("1.0000")


def test_shop_without_orders_gives_nulls(merchant, engine):
    aggregates_rebuild(merchant=merchant)
    assert period_kpis(merchant, MARCH, AS_OF) == {
        "orders": 0,
        "customers": 0,
        "repeat_rate": None,
        "purchase_frequency": None,
        "aov": None,
        "repurchase_30": None,
        "repurchase_90": None,
        "historical_clv": None,
    }


def test_other_shops_orders_never_count(shop, other_merchant):
    assert period_kpis(other_merchant, MARCH, AS_OF)["orders"] == 0
    assert cohorts(other_merchant, MARCH, AS_OF) == []


def test_cohorts(shop):
    january, march = cohorts(shop, Period(paris(2026, 1, 1), paris(2026, 4, 1)), paris(2026, 6, 15))
    assert (january.month, january.customers) == (date(2026, 1, 1), 1)
    # A ordered again in March (month 2); the 20 EUR refund of May 1 is before as_of.
    assert [m["ordered_again"] for m in january.months] == [None, D("0"), D("1"), D("0"), D("0"), D("0")]
    assert [m["revenue_per_customer"] for m in january.months] == [{"EUR": D("100.00")}] * 2 + [
        {"EUR": D("130.00")}
    ] * 4
    assert (march.month, march.customers) == (date(2026, 3, 1), 3)  # B, C and E (March 31 in Paris)
    assert [m["ordered_again"] for m in march.months] == [None, D("0.3333"), D("0.3333"), D("0")]
    assert [m["revenue_per_customer"] for m in march.months] == [
        {"EUR": D("43.33"), "USD": D("10.00")},  # EUR 80 + 40 + 10, USD 30, over 3
        {"EUR": D("50.00"), "USD": D("10.00")},  # E's 20 EUR in April
        {"EUR": D("50.00"), "USD": D("30.00")},  # C's 60 USD in May
        {"EUR": D("50.00"), "USD": D("30.00")},
    ]
