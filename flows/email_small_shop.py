"""The email figures of the steps (email_figures.py) computed in Python from rows read with the ORM, for
databases without PostgreSQL's SQL (the SQLite demo): the same definitions, in five queries whatever
the number of messages. The tests run the hand-worked figures through both.
"""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from core.figures import money
from core.ranges import Period
from core.scoping import merchant_scope
from merchants.models import Merchant
from orders.selectors import CountedOrder, counted_orders_with_refunds

from .email_figures import ATTRIBUTION_WINDOW, StepEmailKpis, step_kpis
from .models import EventKind, FlowStep, Message, MessageEvent


def step_email_figures_in_python(
    merchant: Merchant, period: Period, as_of: datetime, *, flow_id: int | None = None
) -> list[StepEmailKpis]:
    """email_figures.step_email_figures in Python: sends of the period per step, and its orders given to
    the step of their customer's latest click within ATTRIBUTION_WINDOW (last click wins). Five queries."""
    known = Period(period.start, min(period.end, as_of))
    with merchant_scope(merchant):
        sends = _sends(merchant, known, as_of)
        orders = [order for order in counted_orders_with_refunds(merchant, known.start, known.end) if order.customer_id]
        earned = _attributed(merchant, known, orders, as_of)
        steps = FlowStep.objects.filter(merchant=merchant, pk__in=set(sends) | set(earned)).select_related("flow")
        if flow_id is not None:  # clicks on every flow's emails competed for the orders all the same
            steps = steps.filter(flow_id=flow_id)
        steps = sorted(steps, key=lambda s: (s.flow.kind, s.flow.name, s.flow_id, s.position, s.pk))
    found = []
    for step in steps:
        kpis = step_kpis(step.flow_id, step.flow.key, step.flow.name, step.pk, step.key, step.name, *sends[step.pk])
        for currency, (count, net) in sorted(earned.get(step.pk, {}).items()):
            kpis.orders += count
            kpis.revenue[currency] = money(net, currency)
        found.append(kpis)
    return found


def _sends(merchant: Merchant, period: Period, as_of: datetime) -> dict[int, list[int]]:
    """Per step: [sent, delivered, opened, clicked, unsubscribed] of the messages sent in the period."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0] * 5)
    messages = Message.objects.filter(merchant=merchant, sent_at__gte=period.start, sent_at__lt=period.end)
    fields = ("step_id", "bounced_at", "opened_at", "clicked_at", "unsubscribed_at")
    for step_id, bounced, opened, clicked, unsubscribed in messages.values_list(*fields):
        delivered = bounced is None or bounced >= as_of
        seen = [delivered and moment is not None and moment < as_of for moment in (opened, clicked, unsubscribed)]
        for index, counted in enumerate([True, delivered, *seen]):
            counts[step_id][index] += counted
    return counts


def _attributed(merchant: Merchant, period: Period, orders: list[CountedOrder], as_of: datetime) -> dict:
    """{step: {currency: (orders, net revenue)}}: each order once, to its customer's latest click."""
    clicks = defaultdict(list)  # customer -> [(moment, event id, step)]
    events = MessageEvent.objects.filter(
        merchant=merchant,
        kind=EventKind.CLICKED,
        occurred_at__gte=period.start - ATTRIBUTION_WINDOW,
        occurred_at__lt=period.end,
    )
    fields = ("occurred_at", "id", "message__step_id", "message__order__customer_id", "message__scheduled__customer_id")
    for moment, event_id, step_id, order_customer, scheduled_customer in events.values_list(*fields):
        customer = order_customer if order_customer is not None else scheduled_customer
        clicks[customer].append((moment, event_id, step_id))
    earned: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(lambda: [0, Decimal(0)]))
    for order in orders:
        window = [
            c for c in clicks[order.customer_id] if order.placed_at - ATTRIBUTION_WINDOW <= c[0] <= order.placed_at
        ]
        if window:
            totals = earned[max(window)[2]][order.currency]
            totals[0] += 1
            totals[1] += order.net(as_of)
    return earned
