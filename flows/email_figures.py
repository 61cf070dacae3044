"""The email figures of the steps over a period (docs/kpis.md "Email"): one SQL statement.

The one definition of them: the flow pages show it, analytics reports it (analytics/email.py, the
Analytics page, `GET /api/v1/analytics/kpis`). Sends, deliveries, opens, clicks and unsubscribes are
counted on the messages sent in the period, the rates over those delivered (not bounced); revenue is
that of the counted orders placed in the period, each given to the step of its customer's latest click
on an email before it, when that click is at most ATTRIBUTION_WINDOW old (last click wins, Klaviyo's
default). The customer of an email is its order's, or the one it was scheduled for.

The SQL is PostgreSQL's (DISTINCT ON, LATERAL, interval arithmetic); elsewhere (the SQLite demo)
flows/email_small_shop.py computes the same figures in Python.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection

from core import engines
from core.figures import money, ratio
from core.ranges import Period
from merchants.models import Merchant
from orders.models import COUNTED_SQL

ATTRIBUTION_WINDOW = timedelta(days=5)

# Not bounced as of as_of: a bounce reported later is not known yet.
_DELIVERED = "(m.bounced_at IS NULL OR m.bounced_at >= %(as_of)s)"
_EMAIL = f"""
WITH sends AS (
  SELECT m.step_id, count(*) AS sent, count(*) FILTER (WHERE {_DELIVERED}) AS delivered,
         count(*) FILTER (WHERE {_DELIVERED} AND m.opened_at < %(as_of)s) AS opened,
         count(*) FILTER (WHERE {_DELIVERED} AND m.clicked_at < %(as_of)s) AS clicked,
         count(*) FILTER (WHERE {_DELIVERED} AND m.unsubscribed_at < %(as_of)s) AS unsubscribed
  FROM flows_message m
  WHERE m.merchant_id = %(merchant)s AND m.sent_at >= %(start)s AND m.sent_at < %(end)s
  GROUP BY m.step_id
), clicks AS (
  SELECT e.id, e.occurred_at, m.step_id, coalesce(mo.customer_id, sm.customer_id) AS customer_id
  FROM flows_messageevent e
  JOIN flows_message m ON m.id = e.message_id
  JOIN flows_scheduledmessage sm ON sm.id = m.scheduled_id
  LEFT JOIN orders_order mo ON mo.id = m.order_id
  WHERE e.merchant_id = %(merchant)s AND e.kind = 'clicked'
    AND e.occurred_at >= %(start)s - %(window)s AND e.occurred_at < %(end)s
), attributed AS (
  -- each order once, to the step of the latest click in its window: the latest click before it
  SELECT DISTINCT ON (o.id) o.id, o.currency, o.total, c.step_id
  FROM orders_order o
  JOIN clicks c ON c.customer_id = o.customer_id
               AND c.occurred_at <= o.placed_at AND c.occurred_at >= o.placed_at - %(window)s
  WHERE o.merchant_id = %(merchant)s AND {COUNTED_SQL} AND o.placed_at >= %(start)s AND o.placed_at < %(end)s
  ORDER BY o.id, c.occurred_at DESC, c.id DESC
), revenue AS (
  SELECT a.step_id, a.currency, count(*) AS orders, sum(a.total - coalesce(r.refunded, 0)) AS net
  FROM attributed a
  LEFT JOIN LATERAL (SELECT sum(rf.amount) AS refunded FROM orders_refund rf
                     WHERE rf.order_id = a.id AND rf.refunded_at < %(as_of)s) r ON true
  GROUP BY a.step_id, a.currency
)
SELECT f.id, f.key, f.name, s.id, s.key, s.name,
       coalesce(d.sent, 0), coalesce(d.delivered, 0), coalesce(d.opened, 0), coalesce(d.clicked, 0),
       coalesce(d.unsubscribed, 0), rv.currency, coalesce(rv.orders, 0), rv.net
FROM flows_flowstep s
JOIN flows_flow f ON f.id = s.flow_id
LEFT JOIN sends d ON d.step_id = s.id
LEFT JOIN revenue rv ON rv.step_id = s.id
WHERE s.merchant_id = %(merchant)s AND (d.step_id IS NOT NULL OR rv.step_id IS NOT NULL)
  AND (%(flow)s::bigint IS NULL OR s.flow_id = %(flow)s)
ORDER BY f.kind, f.name, f.id, s.position, s.id, rv.currency
"""  # noqa: S608 - only module constants are interpolated; values are parameters


@dataclass
class StepEmailKpis:
    flow_id: int
    flow_key: str
    flow_name: str
    step_id: int
    step_key: str
    step_name: str
    sent: int
    delivered: int
    open_rate: Decimal | None
    click_rate: Decimal | None
    unsubscribe_rate: Decimal | None
    orders: int = 0  # counted orders placed in the period whose last click was on this step
    revenue: dict[str, Decimal] = field(default_factory=dict)  # their net revenue per currency


def step_email_figures(
    merchant: Merchant, period: Period, as_of: datetime, *, flow_id: int | None = None
) -> list[StepEmailKpis]:
    """The steps (of the flow `flow_id`, else of every flow) that sent an email or earned an order in the
    period, in the flow list's order. Clicks on any flow's emails compete for an order, whatever `flow_id`.

    The period ends at as_of at the latest, and what is reported after as_of (bounces, opens, clicks,
    refunds) is not known yet.
    """
    if not engines.on_postgresql():
        from .email_small_shop import step_email_figures_in_python  # it builds on this module's records

        return step_email_figures_in_python(merchant, period, as_of, flow_id=flow_id)
    params = {
        "merchant": merchant.pk,
        "start": period.start,
        "end": min(period.end, as_of),
        "as_of": as_of,
        "window": ATTRIBUTION_WINDOW,
        "flow": flow_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(_EMAIL, params)
        rows = cursor.fetchall()
    steps: dict[int, StepEmailKpis] = {}
    for flow_id_, flow_key, flow_name, step_id, step_key, step_name, *counts, currency, orders, net in rows:
        if step_id not in steps:  # one row per step and currency of its revenue
            steps[step_id] = step_kpis(flow_id_, flow_key, flow_name, step_id, step_key, step_name, *counts)
        if currency is not None:
            steps[step_id].orders += orders
            steps[step_id].revenue[currency] = money(net, currency)
    return list(steps.values())


def step_kpis(
    flow_id, flow_key, flow_name, step_id, step_key, step_name, sent, delivered, opened, clicked, unsubscribed
):
    return StepEmailKpis(
        flow_id=flow_id,
        flow_key=flow_key,
        flow_name=flow_name,
        step_id=step_id,
        step_key=step_key,
        step_name=step_name,
        sent=sent,
        delivered=delivered,
        open_rate=ratio(opened, delivered),
        click_rate=ratio(clicked, delivered),
        unsubscribe_rate=ratio(unsubscribed, delivered),
    )
