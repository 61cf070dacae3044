"""predicted_clv_12m: each currency's expected net revenue per customer over the next 12 months.

BG/NBD + Gamma-Gamma (analytics/clv_model.py) fitted on the shop's own counted orders, with a
back-test: the same computation as of 180 days ago, its prediction for those 180 days against what
the customers really spent. Definitions in docs/kpis.md ("Predicted CLV").

One SQL statement per computation summarises the orders per customer and currency (count, first and
last order, mean net value of the repeat orders); only those summaries, never orders, reach Python.
Off PostgreSQL (analytics/engine.py) small_shop.py makes the same summaries from the orders.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from core import engines
from merchants.models import Merchant

from . import small_shop
from .aggregates import COUNTED
from .clv_model import FitError, bgnbd_fit, expected_purchases, expected_spend, gamma_gamma_fit
from .kpis import money, ratio
from .models import PredictedClv

MIN_CUSTOMERS = 500  # below that, or
MIN_HISTORY_DAYS = 180  # below that much history, "not enough history" (as Klaviyo does)
BACKTEST_DAYS = 180
HORIZON_DAYS = 365
WEEK_SECONDS = 7 * 24 * 3600

# Reasons a currency has no figure (or no back-test).
NOT_ENOUGH_CUSTOMERS = "customers"
NOT_ENOUGH_HISTORY = "history"
NO_FIT = "fit"
NO_ACTUAL_REVENUE = "no_revenue"  # back-test only: nothing was spent in the 180 days, no relative error

# Per customer and currency, as of `cutoff` (orders placed and refunds recorded before it): repeat
# orders x, weeks from the first order to the last (t_x) and to the cutoff (age), the mean net value of
# the repeat orders; and the net revenue of their orders placed in [cutoff, until) with the refunds
# recorded before `until` (the back-test's actual spend; 0 when until = cutoff).
_SUMMARIES = f"""
WITH counted AS (
  SELECT o.id, o.customer_id, o.currency, o.placed_at,
         o.total - coalesce(known.amount, 0) AS net, o.total - coalesce(later.amount, 0) AS net_until
  FROM orders_order o
  LEFT JOIN (SELECT order_id, sum(amount) AS amount FROM orders_refund
             WHERE merchant_id = %(merchant)s AND refunded_at < %(cutoff)s GROUP BY order_id) known
    ON known.order_id = o.id
  LEFT JOIN (SELECT order_id, sum(amount) AS amount FROM orders_refund
             WHERE merchant_id = %(merchant)s AND refunded_at < %(until)s GROUP BY order_id) later
    ON later.order_id = o.id
  WHERE o.merchant_id = %(merchant)s AND {COUNTED} AND o.customer_id IS NOT NULL AND o.placed_at < %(until)s
), calibration AS (
  SELECT customer_id, currency, count(*) - 1 AS x, min(placed_at) AS first_at, max(placed_at) AS last_at,
         sum(net) - (array_agg(net ORDER BY placed_at, id))[1] AS repeat_net
  FROM counted WHERE placed_at < %(cutoff)s GROUP BY customer_id, currency
), actual AS (
  SELECT customer_id, currency, sum(net_until) AS spent FROM counted WHERE placed_at >= %(cutoff)s
  GROUP BY customer_id, currency
)
SELECT c.currency, c.x,
       extract(epoch FROM c.last_at - c.first_at)::float8 / {WEEK_SECONDS},
       extract(epoch FROM %(cutoff)s - c.first_at)::float8 / {WEEK_SECONDS},
       CASE WHEN c.x > 0 THEN (c.repeat_net / c.x)::float8 ELSE 0 END,
       coalesce(a.spent, 0)::float8
FROM calibration c LEFT JOIN actual a ON a.customer_id = c.customer_id AND a.currency = c.currency
ORDER BY c.currency
"""  # noqa: S608 - only module constants are interpolated; values are parameters


@dataclass
class Customers:
    """One currency's customers as arrays, one entry per customer."""

    x: np.ndarray  # repeat orders
    t_x: np.ndarray  # weeks from the first order to the last
    age: np.ndarray  # weeks from the first order to the cutoff (T in the papers)
    m: np.ndarray  # mean net value of the repeat orders (0 without any)
    spent: np.ndarray  # back-test: net revenue of the orders placed in [cutoff, until)

    @property
    def history_days(self) -> int:
        return int(self.age.max() * 7) if len(self.age) else 0


def customer_summaries(merchant: Merchant, cutoff: datetime, until: datetime) -> dict[str, Customers]:
    if engines.on_postgresql():
        params = {"merchant": merchant.pk, "cutoff": cutoff, "until": until}
        with connection.cursor() as cursor:
            cursor.execute(_SUMMARIES, params)
            rows = cursor.fetchall()
    else:  # the same summaries read from the orders in Python (the SQLite demo)
        rows = small_shop.customer_summary_rows(merchant, cutoff, until)
    by_currency: dict[str, list] = {}
    for currency, *values in rows:
        by_currency.setdefault(currency, []).append(values)
    return {cur: Customers(*np.array(values, dtype=float).T) for cur, values in by_currency.items()}


def _missing(customers: Customers) -> str:
    """Why these customers are too few for a figure ("" when they are enough)."""
    if len(customers.x) < MIN_CUSTOMERS:
        return NOT_ENOUGH_CUSTOMERS
    if customers.history_days < MIN_HISTORY_DAYS:
        return NOT_ENOUGH_HISTORY
    return ""


def predicted_spend(customers: Customers, days: int) -> tuple[np.ndarray, dict]:
    """Each customer's expected net revenue over the next `days`, and the fitted parameters.

    Raises FitError when either model has no maximum. Customers whose repeat orders are worth nothing
    (refunded in full) count in the purchase model only; their spend is shrunk towards the
    population's by the Gamma-Gamma weights with a mean of 0.
    """
    purchases_model = bgnbd_fit(customers.x, customers.t_x, customers.age)
    paying = (customers.x > 0) & (customers.m > 0)
    if paying.sum() < 2:
        raise FitError("fewer than two customers with a paid repeat order")
    spend_model = gamma_gamma_fit(customers.x[paying], customers.m[paying])
    with np.errstate(over="ignore", invalid="ignore"):
        purchases = expected_purchases(purchases_model, days / 7, customers.x, customers.t_x, customers.age)
    spend = expected_spend(spend_model, customers.x, np.maximum(customers.m, 0))
    predicted = purchases * spend
    if not np.all(np.isfinite(predicted)):
        raise FitError("the expected purchases are not finite for some customers")
    return predicted, {"bgnbd": vars(purchases_model), "gamma_gamma": vars(spend_model)}


def _prediction(customers: Customers, currency: str) -> dict:
    missing = _missing(customers)
    figure = {"customers": len(customers.x), "history_days": customers.history_days, "value": None}
    if missing:
        return figure | {"reason": missing}
    try:
        predicted, params = predicted_spend(customers, HORIZON_DAYS)
    except FitError as exc:
        return figure | {"reason": NO_FIT, "detail": str(exc)}
    value = money(Decimal(repr(float(predicted.mean()))), currency)
    return figure | {"value": str(value), "reason": "", "params": params}


def _backtest(customers: Customers, currency: str) -> dict:
    """The prediction as of the cutoff for the BACKTEST_DAYS after it, against what was spent."""
    missing = _missing(customers)
    result = {"customers": len(customers.x), "history_days": customers.history_days}
    if missing:
        return result | {"reason": missing}
    try:
        predicted, _params = predicted_spend(customers, BACKTEST_DAYS)
    except FitError as exc:
        return result | {"reason": NO_FIT, "detail": str(exc)}
    total_predicted, total_actual = Decimal(repr(float(predicted.sum()))), Decimal(repr(float(customers.spent.sum())))
    mae = Decimal(repr(float(np.abs(predicted - customers.spent).mean())))
    result |= {"predicted": str(money(total_predicted, currency)), "actual": str(money(total_actual, currency))}
    result |= {"mae": str(money(mae, currency))}
    if total_actual <= 0:
        return result | {"reason": NO_ACTUAL_REVENUE, "error": None}
    return result | {"reason": "", "error": str(ratio(total_predicted - total_actual, total_actual))}


def predicted_clv_compute(merchant: Merchant, as_of: datetime) -> dict:
    """Per currency the shop sold in before as_of: the figure (or its reason) and its back-test."""
    now = customer_summaries(merchant, as_of, as_of)
    cutoff = as_of - timedelta(days=BACKTEST_DAYS)
    then = customer_summaries(merchant, cutoff, as_of)
    figures = {}
    for currency, customers in sorted(now.items()):
        figure = _prediction(customers, currency)
        if figure["value"] is not None:
            empty = Customers(*(np.zeros(0) for _ in range(5)))
            figure["backtest"] = _backtest(then.get(currency, empty), currency)
        figures[currency] = figure
    return figures


def predicted_clv_fit(*, merchant: Merchant, as_of: datetime | None = None) -> PredictedClv:
    """Fit the models on the shop's orders before as_of (default now) and store the figures."""
    as_of = as_of or timezone.now()
    figures = predicted_clv_compute(merchant, as_of)
    with transaction.atomic():
        stored, _created = PredictedClv.objects.update_or_create(
            merchant=merchant, defaults={"as_of": as_of, "fitted_at": timezone.now(), "figures": figures}
        )
    return stored


def predicted_clv_stored(merchant: Merchant) -> PredictedClv | None:
    return PredictedClv.objects.filter(merchant=merchant).first()
