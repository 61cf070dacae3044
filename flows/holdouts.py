"""Holdout groups: a share of a flow's customers never get its emails, so what the emails cause can be
measured (exposed customers against held-out ones) rather than claimed from clicks.

The group is a stable hash of the flow's salt and the customer's id: the same customer is always in
the same group of a flow, and each flow holds out different customers. The dispatcher decides it from
the rows it already loaded (flows/dispatcher.py); a held-out message is skipped with reason "holdout"
after every other check passed, so it records what the customer would really have received.

docs/flows.md, "Holdout groups", defines every figure computed here.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from core import engines
from core.money import minor_unit
from merchants.models import Merchant
from orders.models import Order, Refund

from .models import Flow, FlowKind, FlowStep, MessageStatus, ScheduledMessage

HOLDOUT = "holdout"  # the skip reason of a held-out message
BUCKETS = 10_000  # a percentage is held out as percent × 100 buckets: whole buckets, no rounding
WINDOWS = (30, 90)  # days after the trigger in which a repurchase counts
REVENUE_WINDOW = 90
# Below this many customers per group whose window has passed, the interval is too wide to say anything.
MIN_GROUP = 30
Z_95 = 1.959963984540054


def default_holdout_percent(kind: str) -> int:
    """10 % for a new marketing flow, none for notifications (a missing shipping email costs trust)."""
    if kind != FlowKind.MARKETING:
        return 0
    return getattr(settings, "FLOWS_MARKETING_HOLDOUT_PERCENT", 10)


def holdout_bucket(salt: str, customer_id: int) -> int:
    digest = hashlib.sha256(f"{salt}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def is_held_out(flow: Flow, customer_id: int | None) -> bool:
    """Whether the customer is in the flow's holdout. A message without a customer is never held out."""
    if not flow.holdout_percent or customer_id is None:
        return False
    return holdout_bucket(flow.holdout_salt, customer_id) < flow.holdout_percent * BUCKETS // 100


# --- Statistics -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Interval:
    difference: float
    low: float
    high: float


def wilson(successes: int, n: int) -> tuple[float, float]:
    """Wilson score interval of a proportion (95 %)."""
    p, z2 = successes / n, Z_95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z_95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return centre - half, centre + half


def proportion_difference(x1: int, n1: int, x2: int, n2: int) -> Interval:
    """p1 − p2 with Newcombe's hybrid score interval (his method 10): unlike the Wald interval it stays
    inside [−1, 1] and is not zero-width when a group has no repurchase at all."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1)
    l2, u2 = wilson(x2, n2)
    d = p1 - p2
    return Interval(d, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))


def t_quantile_975(df: float) -> float:
    """The t distribution's 97.5 % quantile (Cornish-Fisher expansion, Abramowitz & Stegun 26.7.5):
    within 0.001 of the tables from 10 degrees of freedom, and the groups have at least 30 customers."""
    z = Z_95
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


def mean_difference(mean1, var1, n1, mean2, var2, n2) -> Interval:
    """mean1 − mean2 with Welch's interval (unequal variances, Welch–Satterthwaite degrees of freedom)."""
    a, b = var1 / n1, var2 / n2
    d = mean1 - mean2
    if a + b == 0:
        return Interval(d, d, d)
    df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
    half = t_quantile_975(df) * math.sqrt(a + b)
    return Interval(d, d - half, d + half)


# --- Results ----------------------------------------------------------------------------------------
# Per flow and group, over each customer's first decided message of the flow (sent, or held out): its
# due time is the trigger. Orders count from just after the trigger, placed before as_of; refunds up to
# as_of. One statement for any number of flows; holdouts_small_shop.py computes the same in Python elsewhere.
_RESULTS_SQL = """
WITH decided AS (
    SELECT DISTINCT ON (st.flow_id, COALESCE(o.customer_id, sm.customer_id))
           st.flow_id, COALESCE(o.customer_id, sm.customer_id) AS customer_id,
           sm.status = %(skipped)s AS held_out, sm.due_at AS trigger_at
    FROM {scheduled} sm
    JOIN {step} st ON st.id = sm.step_id
    LEFT JOIN {order} o ON o.id = sm.order_id
    WHERE sm.merchant_id = %(merchant)s AND st.flow_id = ANY(%(flows)s) AND sm.due_at <= %(as_of)s
      AND (sm.status = %(sent)s OR (sm.status = %(skipped)s AND sm.skip_reason = %(holdout)s))
      AND COALESCE(o.customer_id, sm.customer_id) IS NOT NULL
    ORDER BY st.flow_id, COALESCE(o.customer_id, sm.customer_id), sm.due_at, sm.id
),
per_customer AS (
    SELECT d.flow_id, d.held_out,
           d.trigger_at + interval '30 days' <= %(as_of)s AS in_30,
           d.trigger_at + interval '90 days' <= %(as_of)s AS in_90,
           bool_or(o.placed_at <= d.trigger_at + interval '30 days') IS TRUE AS bought_30,
           bool_or(o.id IS NOT NULL) AS bought_90,
           COALESCE(SUM(o.total - COALESCE(r.refunded, 0)) FILTER (WHERE o.currency = %(currency)s), 0) AS revenue
    FROM decided d
    LEFT JOIN {order} o
           ON o.merchant_id = %(merchant)s AND o.customer_id = d.customer_id
          AND o.placed_at > d.trigger_at AND o.placed_at <= d.trigger_at + interval '90 days'
          AND o.placed_at < %(as_of)s
          AND NOT o.test AND o.cancelled_at IS NULL AND o.exchange_for_rma = ''
    LEFT JOIN LATERAL (
        SELECT SUM(rf.amount) AS refunded FROM {refund} rf WHERE rf.order_id = o.id AND rf.refunded_at < %(as_of)s
    ) r ON TRUE
    GROUP BY d.flow_id, d.customer_id, d.held_out, d.trigger_at
)
SELECT flow_id, held_out, COUNT(*),
       COUNT(*) FILTER (WHERE in_30), COUNT(*) FILTER (WHERE in_30 AND bought_30),
       COUNT(*) FILTER (WHERE in_90), COUNT(*) FILTER (WHERE in_90 AND bought_90),
       AVG(revenue) FILTER (WHERE in_90), VAR_SAMP(revenue) FILTER (WHERE in_90)
FROM per_customer
GROUP BY flow_id, held_out
"""


@dataclass
class GroupFigures:
    customers: int = 0
    in_window: dict = None  # days -> customers whose window has passed
    repurchased: dict = None  # days -> of those, customers who ordered again
    revenue_mean: Decimal = Decimal(0)  # net revenue per customer over 90 days, in the shop's currency
    revenue_variance: Decimal = Decimal(0)

    def __post_init__(self):
        self.in_window = self.in_window or dict.fromkeys(WINDOWS, 0)
        self.repurchased = self.repurchased or dict.fromkeys(WINDOWS, 0)

    def rate(self, days: int) -> float | None:
        n = self.in_window[days]
        return self.repurchased[days] / n if n else None


def _group_figures(row) -> GroupFigures:
    _flow, _held_out, customers, n30, x30, n90, x90, mean, variance = row
    return GroupFigures(
        customers=customers,
        in_window={30: n30, 90: n90},
        repurchased={30: x30, 90: x90},
        revenue_mean=mean or Decimal(0),
        revenue_variance=variance or Decimal(0),
    )


def _figures_by_flow(merchant: Merchant, flow_ids: list[int], as_of: datetime) -> dict:
    """{(flow id, held out): GroupFigures} of the flows, in one statement (three queries elsewhere)."""
    if not engines.on_postgresql():
        from .holdouts_small_shop import figures_by_flow_in_python  # it builds on this module's records

        return figures_by_flow_in_python(merchant, flow_ids, as_of)
    sql = _RESULTS_SQL.format(
        scheduled=ScheduledMessage._meta.db_table,
        step=FlowStep._meta.db_table,
        order=Order._meta.db_table,
        refund=Refund._meta.db_table,
    )
    params = {
        "merchant": merchant.pk,
        "flows": flow_ids,
        "as_of": as_of,
        "sent": MessageStatus.SENT,
        "skipped": MessageStatus.SKIPPED,
        "holdout": HOLDOUT,
        "currency": merchant.currency,
    }
    figures = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            figures[(row[0], row[1])] = _group_figures(row)
    return figures


def _money(value, currency: str) -> Decimal:
    """A mean or a difference of means, rounded to the currency's minor unit."""
    return Decimal(str(value)).quantize(minor_unit(currency), rounding=ROUND_HALF_EVEN)


def _rounded(interval: Interval, digits: int) -> dict:
    return {name: round(getattr(interval, name), digits) for name in ("difference", "low", "high")}


def _repurchase(exposed: GroupFigures, held_out: GroupFigures, days: int) -> dict:
    n1, n2 = exposed.in_window[days], held_out.in_window[days]
    enough = min(n1, n2) >= MIN_GROUP
    result = {
        "days": days,
        "exposed": {"customers": n1, "repurchased": exposed.repurchased[days], "rate": _round(exposed.rate(days))},
        "held_out": {"customers": n2, "repurchased": held_out.repurchased[days], "rate": _round(held_out.rate(days))},
        "enough_data": enough,
        "difference": None,
    }
    if enough:
        interval = proportion_difference(exposed.repurchased[days], n1, held_out.repurchased[days], n2)
        result["difference"] = _rounded(interval, 4)
    return result


def _round(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)


def _revenue(exposed: GroupFigures, held_out: GroupFigures, currency: str) -> dict:
    n1, n2 = exposed.in_window[REVENUE_WINDOW], held_out.in_window[REVENUE_WINDOW]
    enough = min(n1, n2) >= MIN_GROUP
    result = {
        "days": REVENUE_WINDOW,
        "currency": currency,
        "exposed": {"customers": n1, "per_customer": _money(exposed.revenue_mean, currency) if n1 else None},
        "held_out": {"customers": n2, "per_customer": _money(held_out.revenue_mean, currency) if n2 else None},
        "enough_data": enough,
        "difference": None,
    }
    if enough:
        interval = mean_difference(
            float(exposed.revenue_mean),
            float(exposed.revenue_variance),
            n1,
            float(held_out.revenue_mean),
            float(held_out.revenue_variance),
            n2,
        )
        result["difference"] = {
            name: _money(getattr(interval, name), currency) for name in ("difference", "low", "high")
        }
    return result


def _flow_results(flow: Flow, figures: dict, currency: str) -> dict:
    exposed = figures.get((flow.pk, False)) or GroupFigures()
    held_out = figures.get((flow.pk, True)) or GroupFigures()
    repurchase = {days: _repurchase(exposed, held_out, days) for days in WINDOWS}
    revenue = _revenue(exposed, held_out, currency)
    return {
        "flow": flow,
        "holdout_percent": flow.holdout_percent,
        "exposed_customers": exposed.customers,
        "held_out_customers": held_out.customers,
        "repurchase_30": repurchase[30],
        "repurchase_90": repurchase[90],
        "revenue_90": revenue,
        "enough_data": repurchase[30]["enough_data"],
    }


def holdouts_results(*, merchant: Merchant, flows: list[Flow], as_of: datetime) -> list[dict]:
    """Exposed against held-out customers for each of `flows`, in one query on PostgreSQL (docs/flows.md)."""
    if not flows:
        return []
    figures = _figures_by_flow(merchant, [flow.pk for flow in flows], as_of)
    return [_flow_results(flow, figures, merchant.currency) for flow in flows]


def flows_with_holdout():
    """Flows holding customers out now, or that did (their past results still count)."""
    held = ScheduledMessage.objects.filter(step__flow=OuterRef("pk"), skip_reason=HOLDOUT)
    return Flow.objects.filter(Q(holdout_percent__gt=0) | Exists(held)).order_by("kind", "name", "id")


def holdout_results(merchant: Merchant, flow: Flow, as_of: datetime) -> dict:
    """One flow's results: group sizes, repurchase at 30 and 90 days, net revenue per customer over 90
    days, each difference (exposed − held out) with its 95 % interval once both groups are big enough."""
    return holdouts_results(merchant=merchant, flows=[flow], as_of=as_of)[0]
