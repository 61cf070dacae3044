"""The holdout results (holdouts.py) computed in Python from rows read with the ORM, for databases without
PostgreSQL's SQL (the SQLite demo): the same definitions (docs/flows.md, "Holdout groups"), in three
queries whatever the number of flows and customers. The tests run the hand-worked results through both.
"""

import statistics
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Q
from django.db.models.functions import Coalesce

from core.scoping import merchant_scope
from merchants.models import Merchant
from orders.selectors import CountedOrder, counted_orders_with_refunds

from .holdouts import HOLDOUT, REVENUE_WINDOW, WINDOWS, GroupFigures
from .models import MessageStatus, ScheduledMessage


def decided_messages(merchant: Merchant, flow_ids: list[int], due_by: datetime):
    """The flows' decided messages (sent, or skipped "holdout") due by `due_by` whose customer (the order's,
    else the message's) is known, first due first, annotated with that customer as `who`."""
    decided = Q(status=MessageStatus.SENT) | Q(status=MessageStatus.SKIPPED, skip_reason=HOLDOUT)
    return (
        ScheduledMessage.objects.filter(decided, merchant=merchant, step__flow_id__in=flow_ids, due_at__lte=due_by)
        .annotate(who=Coalesce("order__customer_id", "customer_id"))
        .filter(who__isnull=False)
        .order_by("due_at", "id")
    )


def first_decided(rows) -> dict:
    """{(flow id, unit): (held out, trigger)} from (flow id, unit, status, due_at) rows, first due first:
    each unit (a customer, an order) counts once per flow, by its first decided message."""
    first = {}
    for flow_id, unit, status, due_at in rows:
        first.setdefault((flow_id, unit), (status == MessageStatus.SKIPPED, due_at))
    return first


def figures_by_flow_in_python(merchant: Merchant, flow_ids: list[int], as_of: datetime) -> dict:
    """holdouts._figures_by_flow in Python: {(flow id, held out): GroupFigures}."""
    with merchant_scope(merchant):
        rows = decided_messages(merchant, flow_ids, as_of).values_list("step__flow_id", "who", "status", "due_at")
        decided = first_decided(rows)
        if not decided:
            return {}
        earliest = min(trigger for _held_out, trigger in decided.values())
        orders = defaultdict(list)
        for order in counted_orders_with_refunds(merchant, earliest, as_of):
            orders[order.customer_id].append(order)
    return _grouped(decided, orders, as_of, merchant.currency)


def _grouped(decided: dict, orders: dict, as_of: datetime, currency: str) -> dict:
    groups, revenues = defaultdict(GroupFigures), defaultdict(list)
    for (flow_id, customer_id), (held_out, trigger) in decided.items():
        own = _reorders(orders[customer_id], trigger)
        group = groups[flow_id, held_out]
        group.customers += 1
        for days in WINDOWS:
            if trigger + timedelta(days=days) <= as_of:
                group.in_window[days] += 1
                group.repurchased[days] += any(order.placed_at <= trigger + timedelta(days=days) for order in own)
        if trigger + timedelta(days=REVENUE_WINDOW) <= as_of:
            net = (order.net(as_of) for order in own if order.currency == currency)
            revenues[flow_id, held_out].append(sum(net, Decimal(0)))
    for key, group in groups.items():
        group.revenue_mean, group.revenue_variance = _mean_and_variance(revenues[key])
    return dict(groups)


def _reorders(own: list[CountedOrder], trigger: datetime) -> list[CountedOrder]:
    """The customer's counted orders placed in (trigger, trigger + 90 days]: the only ones that count."""
    return [order for order in own if trigger < order.placed_at <= trigger + timedelta(days=REVENUE_WINDOW)]


def _mean_and_variance(revenues: list[Decimal]) -> tuple[Decimal, Decimal]:
    """Like PostgreSQL's AVG and VAR_SAMP where the SQL reads a missing one (no customer, one) as 0."""
    mean = sum(revenues, Decimal(0)) / len(revenues) if revenues else Decimal(0)
    return mean, statistics.variance(revenues) if len(revenues) > 1 else Decimal(0)
