"""Both engines give the same figures on the same, less tidy history: the PostgreSQL SQL (from the orders
and from the daily table) and the Python engine of SQLite (analytics/small_shop.py).

A seeded random history of 160 orders of 40 customers and some orderless guests: times clustered around
the shop's midnights and the spring change of hour, EUR, JPY and KWD, refunds before and after each
as_of, cancelled, test and exchange orders. Compared over periods that cut days and weeks in two. Then
the holdout results and their WISMO comparison, on flows' messages and contacts about that history.
"""

from datetime import date, timedelta
from decimal import Decimal
from random import Random

import numpy as np
import pytest

from analytics import charts, clv, kpis, small_shop, wismo_holdouts
from analytics.aggregates import aggregates_rebuild
from core.ranges import Period
from core.scoping import merchant_scope
from flows import holdouts
from flows.models import Flow, FlowKind, FlowStep, MessageStatus
from orders.models import Order
from orders.services import order_cancel
from support.models import SupportContact
from tests.flows.test_holdouts import marketing_flow, scheduled_message
from tracking.models import WismoContact

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
    monkeypatch.setattr("core.engines.on_postgresql", lambda: False)
    python = clv.customer_summaries(shop, cutoff, until)
    assert sorted(python) == sorted(sql) == ["EUR", "JPY", "KWD"]
    for currency, customers in sql.items():
        assert _by_customer(python[currency]) == pytest.approx(_by_customer(customers), rel=1e-12)


# (status, skip reason): decided (sent, held out) or not (skipped for another reason, still to send).
MESSAGE_STATES = [
    (MessageStatus.SENT, ""),
    (MessageStatus.SENT, ""),
    (MessageStatus.SKIPPED, holdouts.HOLDOUT),
    (MessageStatus.SKIPPED, "flow_inactive"),
    (MessageStatus.SCHEDULED, ""),
]


def _random_messages(merchant, rng: Random) -> list[Flow]:
    """A marketing and a notification flow of two steps each, with messages for the history's orders in
    every state (a customer's or an order's first one often not decided, or due at the same moment as
    another), emails about a customer rather than an order, and "where is my order?" contacts around them."""
    orders = list(Order.objects.filter(merchant=merchant).select_related("customer").order_by("id"))
    flows = []
    for kind in (FlowKind.MARKETING, FlowKind.TRANSACTIONAL):
        flow, first = marketing_flow(merchant, percent=20, kind=kind, name=kind)
        second = FlowStep.objects.create(merchant=merchant, flow=flow, key="later", name="Later", position=1)
        flows.append(flow)
        for placed in orders:
            for step in (first, second):
                if rng.random() < 0.6:
                    due = placed.placed_at + timedelta(days=rng.choice([0, 0, 2, 40]), hours=rng.choice([0, 0, 7]))
                    scheduled_message(merchant, step, due, *rng.choice(MESSAGE_STATES), order=placed)
        customers = sorted({o.customer for o in orders if o.customer}, key=lambda customer: customer.pk)
        for index, customer in enumerate(c for c in customers if rng.random() < 0.3):
            due = orders[rng.randrange(len(orders))].placed_at
            scheduled_message(
                merchant, first, due, *rng.choice(MESSAGE_STATES), customer=customer, anchor_key=f"review:{index}"
            )
    _random_contacts(merchant, orders, rng)
    return flows


def _random_contacts(merchant, orders: list[Order], rng: Random) -> None:
    """Up to two contacts per order, from 3 days before it to 40 after: tracking-page ones and tickets,
    most of them counted as WISMO."""
    for placed in orders:
        for index in range(rng.choice([0, 0, 1, 2])):
            opened = placed.placed_at + timedelta(days=rng.randrange(-3, 40), hours=rng.randrange(24))
            if rng.random() < 0.5:
                WismoContact.objects.create(merchant=merchant, order=placed, reason="no_news", created_at=opened)
            else:
                SupportContact.objects.create(
                    merchant=merchant,
                    source="api",
                    external_id=f"t{placed.pk}-{index}",
                    created_at=opened,
                    is_wismo=rng.random() < 0.8,
                    order=placed,
                )


def _holdout_figures(shop, flows: list[Flow]) -> dict:
    ids = [flow.pk for flow in flows]
    return {
        as_of: (
            holdouts._figures_by_flow(shop, ids, as_of),
            wismo_holdouts._groups_by_flow(shop, ids, as_of),
            wismo_holdouts.holdouts_with_wismo(shop, flows, as_of),
        )
        for as_of in AS_OFS
    }


def _exact(figures: holdouts.GroupFigures) -> tuple:
    return figures.customers, figures.in_window, figures.repurchased


def _spread(figures: holdouts.GroupFigures) -> list[float]:
    """The mean and variance: PostgreSQL's numeric and Python's Decimal stop at different digits."""
    return [float(figures.revenue_mean), float(figures.revenue_variance)]


def test_holdout_results_and_their_wismo_comparison_agree(shop, monkeypatch):
    with merchant_scope(shop):
        flows = _random_messages(shop, Random(20260406))
        sql = _holdout_figures(shop, flows)
        monkeypatch.setattr("core.engines.on_postgresql", lambda: False)
        python = _holdout_figures(shop, flows)
    groups, contacts = sql[AS_OFS[-1]][0], sql[AS_OFS[-1]][1]
    assert len(groups) == 4 and min(group.in_window[90] for group in groups.values()) >= 5  # not all empty
    assert sum(group.contacts for group in contacts.values()) >= 10
    for as_of, (figures, wismo, results) in sql.items():
        python_figures, python_wismo, python_results = python[as_of]
        assert {key: _exact(group) for key, group in python_figures.items()} == {
            key: _exact(group) for key, group in figures.items()
        }, as_of
        for key, group in figures.items():
            assert _spread(python_figures[key]) == pytest.approx(_spread(group), rel=1e-12), (as_of, key)
        assert python_wismo.keys() == wismo.keys()
        for key, group in wismo.items():
            found = python_wismo[key]
            assert (found.orders, found.contacts) == (group.orders, group.contacts), (as_of, key)
            assert found.variance == pytest.approx(group.variance, rel=1e-12), (as_of, key)
        assert python_results == results, as_of
