"""Both engines give the same figures on the same, less tidy history: the PostgreSQL SQL (from the orders
and from the daily table) and the Python engine of SQLite (analytics/small_shop.py).

A seeded random history of 160 orders of 40 customers and some orderless guests: times clustered around
the shop's midnights and the spring change of hour, EUR, JPY and KWD, refunds before and after each
as_of, cancelled, test and exchange orders. Compared over periods that cut days and weeks in two.
"""

from datetime import date, timedelta
from decimal import Decimal
from random import Random

import numpy as np
import pytest

from analytics import charts, clv, kpis, small_shop
from analytics.aggregates import aggregates_rebuild
from core.ranges import Period
from orders.services import order_cancel

from .history import POSTGRESQL_ONLY, order, paris, refund

pytestmark = [pytest.mark.django_db, POSTGRESQL_ONLY]

CURRENCIES = ("EUR", "EUR", "JPY", "KWD")
PERIODS = [
    Period(paris(2026, 3, 1), paris(2026, 4, 1)),
    Period(paris(2026, 3, 28, 22, 30), paris(2026, 3, 30, 1, 15)),  # the change of hour, cut days
    Period(paris(2026, 1, 1), paris(2026, 6, 1)),
    Period(paris(2026, 4, 15), paris(2026, 7, 15)),  # reaches past some as_of
]
AS_OFS = [paris(2026, 4, 10, 0, 30), paris(2026, 6, 1), paris(2026, 9, 1)]


def _random_history(merchant) -> None:
    rng = Random(20260331)
    for index in range(160):
        day = date(2026, 1, 1) + timedelta(days=rng.randrange(200))
        hour, minute = rng.choice([(0, 15), (0, 45), (1, 30), (2, 30), (12, 0), (23, 15), (23, 59)])
        currency = rng.choice(CURRENCIES)
        total = str(Decimal(rng.randrange(100, 40000)) / 100) if currency != "JPY" else str(rng.randrange(500, 30000))
        email = f"c{rng.randrange(40)}@example.org" if rng.random() < 0.9 else ""
        extra = {"test": True} if rng.random() < 0.05 else {}
        if rng.random() < 0.05:
            extra["exchange_for_rma"] = f"RMA-{index}"
        placed = order(
            merchant, f"o{index}", email, paris(day.year, day.month, day.day, hour, minute), total, currency, **extra
        )
        if rng.random() < 0.07:
            order_cancel(
                merchant=merchant, order=placed, reason="customer", cancelled_at=placed.placed_at + timedelta(hours=2)
            )
        if rng.random() < 0.25:
            part = (placed.total * Decimal(rng.choice(["0.1", "0.5", "1"]))).quantize(placed.total)
            refund(merchant, placed, f"r{index}", str(part), placed.placed_at + timedelta(days=rng.randrange(1, 120)))


@pytest.fixture
def shop(merchant):
    _random_history(merchant)
    return merchant


def test_period_kpis_cohorts_and_bars_agree(shop):
    python = {
        (period, as_of): small_shop.period_kpis(shop, period, as_of, clv_as_of=period.start)
        for period in PERIODS
        for as_of in AS_OFS
    }
    assert any(figures["orders"] > 20 and len(figures["aov"]) == 3 for figures in python.values())  # not all empty
    python_cohorts = {as_of: small_shop.cohorts(shop, PERIODS[2], as_of) for as_of in AS_OFS}
    python_bars = small_shop.weekly_orders(shop, date(2026, 1, 1), date(2026, 7, 20))
    for built in (False, True):
        if built:
            aggregates_rebuild(merchant=shop)
        for (period, as_of), figures in python.items():
            assert kpis.period_kpis(shop, period, as_of, clv_as_of=period.start) == figures, (period, as_of, built)
        for as_of, found in python_cohorts.items():
            assert kpis.cohorts(shop, PERIODS[2], as_of) == found
        assert charts.weekly_orders(shop, date(2026, 1, 1), date(2026, 7, 20)) == python_bars


def _by_customer(customers: clv.Customers) -> np.ndarray:
    """The summaries as a table, a column per customer, sorted: the engines need not list them alike."""
    table = np.array([customers.x, customers.t_x, customers.age, customers.m, customers.spent])
    return table[:, np.lexsort(table[::-1])]


def test_predicted_clv_summaries_agree(shop, monkeypatch):
    cutoff, until = paris(2026, 4, 10, 0, 30), paris(2026, 9, 1)
    sql = clv.customer_summaries(shop, cutoff, until)
    monkeypatch.setattr("analytics.engine.sql_engine", lambda: False)
    python = clv.customer_summaries(shop, cutoff, until)
    assert sorted(python) == sorted(sql) == ["EUR", "JPY", "KWD"]
    for currency, customers in sql.items():
        assert _by_customer(python[currency]) == pytest.approx(_by_customer(customers), rel=1e-12)
