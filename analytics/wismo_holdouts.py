"""WISMO reduction measured causally: "where is my order?" contacts per 100 orders whose customers got a
notification flow's emails, against orders whose customers were held out of it (docs/flows.md,
"Holdout groups"; the contacts are docs/kpis.md's WISMO contacts).

The unit is the order: each order counts once per flow, by its first decided message of the flow (sent,
or skipped "holdout"), whose due time is the trigger. Its contacts are the tracking-page contacts and the
helpdesk tickets counted as WISMO about that order, opened from the trigger to 30 days after it. Only
orders whose 30 days have passed by `as_of` count, so both groups have had the same time to ask.
One SQL statement for any number of flows on PostgreSQL; elsewhere (the SQLite demo) the same in Python.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from core import engines
from core.scoping import merchant_scope
from flows.holdouts import HOLDOUT, MIN_GROUP, holdouts_results, mean_difference
from flows.holdouts_small_shop import decided_messages, first_decided
from flows.models import Flow, FlowKind, FlowStep, MessageStatus, ScheduledMessage
from merchants.models import Merchant
from orders.models import Order
from support.models import SupportContact
from tracking.models import WismoContact

WISMO_WINDOW_DAYS = 30
# Below this many contacts in both groups together, a count is too small for the normal approximation,
# and an interval built from groups without any contact would be zero-wide: "not enough data yet".
MIN_CONTACTS = 10
PER_100 = Decimal("0.01")
RATIO = Decimal("0.0001")

_WISMO_SQL = """
WITH decided AS (
    SELECT DISTINCT ON (st.flow_id, sm.order_id)
           st.flow_id, sm.order_id, sm.status = %(skipped)s AS held_out, sm.due_at AS trigger_at
    FROM {scheduled} sm
    JOIN {step} st ON st.id = sm.step_id
    JOIN {order} o ON o.id = sm.order_id
    WHERE sm.merchant_id = %(merchant)s AND st.flow_id = ANY(%(flows)s)
      AND sm.due_at + make_interval(days => %(days)s) <= %(as_of)s
      AND (sm.status = %(sent)s OR (sm.status = %(skipped)s AND sm.skip_reason = %(holdout)s))
      AND COALESCE(o.customer_id, sm.customer_id) IS NOT NULL AND NOT o.test
    ORDER BY st.flow_id, sm.order_id, sm.due_at, sm.id
),
per_order AS (
    SELECT d.flow_id, d.held_out,
           (SELECT count(*) FROM {form} w
             WHERE w.merchant_id = %(merchant)s AND w.order_id = d.order_id
               AND w.created_at >= d.trigger_at AND w.created_at <= d.trigger_at + make_interval(days => %(days)s))
         + (SELECT count(*) FROM {helpdesk} c
             WHERE c.merchant_id = %(merchant)s AND c.order_id = d.order_id AND c.is_wismo
               AND c.created_at >= d.trigger_at AND c.created_at <= d.trigger_at + make_interval(days => %(days)s))
           AS contacts
    FROM decided d
)
SELECT flow_id, held_out, count(*), sum(contacts), var_samp(contacts)
FROM per_order GROUP BY flow_id, held_out
"""


@dataclass(frozen=True)
class WismoGroup:
    orders: int = 0
    contacts: int = 0
    variance: float = 0.0  # of the contacts per order

    @property
    def per_100_orders(self) -> Decimal | None:
        if not self.orders:
            return None
        return (Decimal(100 * self.contacts) / self.orders).quantize(PER_100, ROUND_HALF_UP)


def _groups_by_flow(merchant: Merchant, flow_ids: list[int], as_of: datetime) -> dict:
    """{(flow id, held out): WismoGroup} of the flows, in one statement (three queries elsewhere)."""
    if not engines.on_postgresql():
        return _groups_by_flow_in_python(merchant, flow_ids, as_of)
    sql = _WISMO_SQL.format(
        scheduled=ScheduledMessage._meta.db_table,
        step=FlowStep._meta.db_table,
        order=Order._meta.db_table,
        form=WismoContact._meta.db_table,
        helpdesk=SupportContact._meta.db_table,
    )
    params = {
        "merchant": merchant.pk,
        "flows": flow_ids,
        "as_of": as_of,
        "days": WISMO_WINDOW_DAYS,
        "sent": MessageStatus.SENT,
        "skipped": MessageStatus.SKIPPED,
        "holdout": HOLDOUT,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        (flow_id, held_out): WismoGroup(orders, int(contacts), float(variance or 0))
        for flow_id, held_out, orders, contacts, variance in rows
    }


def _groups_by_flow_in_python(merchant: Merchant, flow_ids: list[int], as_of: datetime) -> dict:
    """The same groups from rows read with the ORM (the SQLite demo): the decided messages, then the
    contacts of their orders, in three queries whatever the number of orders."""
    window = timedelta(days=WISMO_WINDOW_DAYS)
    with merchant_scope(merchant):
        messages = decided_messages(merchant, flow_ids, as_of - window).filter(order__test=False)
        decided = first_decided(messages.values_list("step__flow_id", "order_id", "status", "due_at"))
        contacts = defaultdict(list)  # order id -> when its contacts were opened
        orders = messages.values("order_id")
        for rows in (
            WismoContact.objects.filter(merchant=merchant, order_id__in=orders),
            SupportContact.objects.filter(merchant=merchant, order_id__in=orders, is_wismo=True),
        ):
            for order_id, created_at in rows.values_list("order_id", "created_at"):
                contacts[order_id].append(created_at)
    counts = defaultdict(list)  # (flow id, held out) -> contacts of each order
    for (flow_id, order_id), (held_out, trigger) in decided.items():
        counts[flow_id, held_out].append(sum(trigger <= at <= trigger + window for at in contacts[order_id]))
    return {
        key: WismoGroup(len(found), sum(found), float(statistics.variance(found)) if len(found) > 1 else 0.0)
        for key, found in counts.items()
    }


def _group_data(group: WismoGroup) -> dict:
    return {"orders": group.orders, "contacts": group.contacts, "per_100_orders": group.per_100_orders}


def _per_100(value: float) -> Decimal:
    return (Decimal(str(value)) * 100).quantize(PER_100, ROUND_HALF_UP)


def wismo_comparison(exposed: WismoGroup, held_out: WismoGroup) -> dict:
    """Exposed against held out; the difference (exposed − held out, per 100 orders) with its 95 % interval
    once each group has MIN_GROUP orders and both together MIN_CONTACTS contacts."""
    enough = min(exposed.orders, held_out.orders) >= MIN_GROUP and exposed.contacts + held_out.contacts >= MIN_CONTACTS
    result = {
        "days": WISMO_WINDOW_DAYS,
        "exposed": _group_data(exposed),
        "held_out": _group_data(held_out),
        "enough_data": enough,
        "difference": None,
        "reduction": None,
    }
    if not enough:
        return result
    interval = mean_difference(
        exposed.contacts / exposed.orders,
        exposed.variance,
        exposed.orders,
        held_out.contacts / held_out.orders,
        held_out.variance,
        held_out.orders,
    )
    result["difference"] = {name: _per_100(getattr(interval, name)) for name in ("difference", "low", "high")}
    if held_out.contacts:
        rates = Decimal(exposed.contacts * held_out.orders) / Decimal(held_out.contacts * exposed.orders)
        result["reduction"] = (1 - rates).quantize(RATIO, ROUND_HALF_UP)
    return result


def wismo_holdouts(merchant: Merchant, flows: list[Flow], as_of: datetime) -> dict[int, dict | None]:
    """{flow id: its WISMO comparison} for the notification flows of `flows` (None for marketing ones),
    in one query, none when every flow is a marketing one."""
    notifications = [flow.pk for flow in flows if flow.kind != FlowKind.MARKETING]
    groups = _groups_by_flow(merchant, notifications, as_of) if notifications else {}
    return {
        flow.pk: None
        if flow.kind == FlowKind.MARKETING
        else wismo_comparison(groups.get((flow.pk, False), WismoGroup()), groups.get((flow.pk, True), WismoGroup()))
        for flow in flows
    }


def holdouts_with_wismo(merchant, flows: list, as_of: datetime) -> list[dict]:
    """Each flow's holdout results, with `wismo` (None for a marketing flow): two queries for any number."""
    wismo = wismo_holdouts(merchant, flows, as_of)
    return [
        {**result, "wismo": wismo[result["flow"].pk]}
        for result in holdouts_results(merchant=merchant, flows=flows, as_of=as_of)
    ]
