"""Reads of flows, always inside the current merchant's scope."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.money import exact_amount
from core.scoping import merchant_scope
from merchants.models import Merchant
from orders.models import Customer, LineItem, Order

from .models import (
    Flow,
    FlowStep,
    MarketingPreference,
    Message,
    MessageStatus,
    ScheduledMessage,
    Suppression,
    SuppressionScope,
)
from .rules import stop_rule_label

SKIP_REASON_LABELS = {
    "too_late": _("More than the tolerance overdue when scheduled"),
    "conditions_not_met": _("The order does not match the step's conditions"),
    "flow_inactive": _("The flow is paused"),
    "step_disabled": _("The step is disabled"),
    "step_deleted": _("The step was deleted"),
    "no_address": _("No email address"),
    "invalid_address": _("Invalid email address"),
    "suppressed": _("The address bounced (suppressed)"),
    "unsubscribed": _("Unsubscribed from marketing emails"),
    "no_consent": _("No marketing consent"),
    "frequency_cap": _("Daily limit of marketing emails"),
    "customer_erased": _("The customer's personal data was erased"),
    "holdout": _("In the holdout group (not sent, to measure the flow's effect)"),
}


def skip_reason_label(reason: str) -> str:
    return str(SKIP_REASON_LABELS.get(reason) or stop_rule_label(reason))


def marketing_subscribed(*, merchant: Merchant, address: str) -> bool:
    """What the preference page shows: off after an unsubscribe, a bounce or a complaint."""
    address = address.lower()
    with merchant_scope(merchant):
        preference = MarketingPreference.objects.filter(address=address).first()
        if preference is not None and not preference.subscribed:
            return False
        return not Suppression.objects.filter(address=address).exists()


def address_blocked(*, merchant: Merchant, address: str) -> bool:
    """No email at all to this address: it bounced hard or complained."""
    with merchant_scope(merchant):
        return Suppression.objects.filter(address=address.lower(), scope=SuppressionScope.ALL).exists()


def latest_order_to(*, merchant: Merchant, address: str) -> Order | None:
    """The latest order sent to `address`: its language is the one the customer reads our pages in."""
    with merchant_scope(merchant):
        orders = Order.objects.filter(merchant=merchant, email__iexact=address).select_related("customer")
        return orders.order_by("-placed_at").first()


def flows_list(*, merchant: Merchant) -> list[Flow]:
    with merchant_scope(merchant):
        return list(Flow.objects.annotate(step_count=Count("steps")).order_by("kind", "name"))


def product_types(*, merchant: Merchant, limit: int = 200) -> list[str]:
    """The product types of the shop's ordered items, suggested when naming a product guide."""
    with merchant_scope(merchant):
        rows = (
            LineItem.objects.filter(merchant=merchant)
            .exclude(product_type="")
            .values_list("product_type", flat=True)
            .distinct()
            .order_by("product_type")
        )
        return list(rows[:limit])


def messages_for_order(order: Order) -> list[dict]:
    """Every message scheduled or sent for the order, as plain data for the order timeline.

    Each item: kind "message", step, flow, status, due_at, sent_at, skip_reason (a code) and
    skip_reason_label (words), recipient, subject, opened_at, clicked_at. Oldest due first.
    """
    with merchant_scope(order.merchant):
        return _message_items(_with_message(ScheduledMessage.objects.filter(order=order)).order_by("due_at", "id"))


CUSTOMER_MESSAGES_SHOWN = 50


def messages_for_customer(customer: Customer) -> list[dict]:
    """The newest messages about the customer rather than one of their orders (loyalty, surveys…),
    as `messages_for_order` gives them, newest due first."""
    with merchant_scope(customer.merchant):
        rows = _with_message(ScheduledMessage.objects.filter(customer=customer, order__isnull=True))
        return _message_items(rows.order_by("-due_at", "-id")[:CUSTOMER_MESSAGES_SHOWN])


def _with_message(rows):
    return rows.select_related("step__flow", "message")


def _message_items(rows) -> list[dict]:
    result = []
    for row in rows:
        message = getattr(row, "message", None)
        result.append(
            {
                "kind": "message",
                "id": row.pk,
                "step": row.step.shown_name,
                "flow": row.step.flow.shown_name,
                "flow_kind": row.step.flow.kind,
                "status": row.status,
                "due_at": row.due_at,
                "sent_at": message.sent_at if message else None,
                "skip_reason": row.skip_reason,
                "skip_reason_label": skip_reason_label(row.skip_reason) if row.skip_reason else "",
                "error": row.last_error,
                "recipient": message.recipient if message else "",
                "subject": message.subject if message else "",
                "opened_at": message.opened_at if message else None,
                "clicked_at": message.clicked_at if message else None,
            }
        )
    return result


REVENUE_WINDOW = timedelta(days=7)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def step_stats(*, step: FlowStep) -> dict:
    """Scheduled, sent, skipped by reason, delivery and engagement rates, and revenue after clicks by currency."""
    with merchant_scope(step.merchant):
        by_status = dict(
            ScheduledMessage.objects.filter(step=step).values_list("status").annotate(n=Count("id")).order_by()
        )
        skipped = dict(
            ScheduledMessage.objects.filter(step=step, status=MessageStatus.SKIPPED)
            .values_list("skip_reason")
            .annotate(n=Count("id"))
            .order_by("-n")
        )
        sent = Message.objects.filter(step=step, sent_at__isnull=False)
        counts = sent.aggregate(
            sent=Count("id"),
            delivered=Count("id", filter=Q(delivered_at__isnull=False)),
            opened=Count("id", filter=Q(opened_at__isnull=False)),
            clicked=Count("id", filter=Q(clicked_at__isnull=False)),
            unsubscribed=Count("id", filter=Q(unsubscribed_at__isnull=False)),
            bounced=Count("id", filter=Q(bounced_at__isnull=False)),
        )
        revenue = _revenue_after_clicks(step)
    return {
        "scheduled": by_status.get(MessageStatus.SCHEDULED, 0),
        "sent": counts["sent"],
        "failed": by_status.get(MessageStatus.FAILED, 0),
        "skipped": sum(skipped.values()),
        "skipped_by_reason": [(reason, skip_reason_label(reason), n) for reason, n in skipped.items()],
        "delivered": counts["delivered"],
        "delivery_rate": _rate(counts["delivered"], counts["sent"]),
        "open_rate": _rate(counts["opened"], counts["sent"]),
        "click_rate": _rate(counts["clicked"], counts["sent"]),
        "unsubscribe_rate": _rate(counts["unsubscribed"], counts["sent"]),
        "bounce_rate": _rate(counts["bounced"], counts["sent"]),
        "revenue": revenue,
    }


def _revenue_after_clicks(step: FlowStep) -> list[dict]:
    """The orders placed within REVENUE_WINDOW after a click on the step's email by the same address,
    summed per currency (adding EUR to KWD would mean nothing). Two queries, read from the few clicks:
    a correlated subquery per order took seconds a step on SQLite once a shop had months of emails."""
    clicks = defaultdict(list)
    for recipient, clicked_at in Message.objects.filter(step=step, clicked_at__isnull=False).values_list(
        "recipient", "clicked_at"
    ):
        clicks[recipient.lower()].append(clicked_at)
    if not clicks:
        return []
    moments = [moment for found in clicks.values() for moment in found]
    orders = (
        Order.objects.annotate(address=Lower("email"))
        .filter(
            address__in=list(clicks),
            placed_at__gte=min(moments),
            placed_at__lte=max(moments) + REVENUE_WINDOW,
            cancelled_at__isnull=True,
            test=False,
        )
        .values_list("address", "placed_at", "currency", "total")
    )
    totals = defaultdict(Decimal)
    for address, placed_at, currency, total in orders:
        if any(placed_at - REVENUE_WINDOW <= clicked_at <= placed_at for clicked_at in clicks[address]):
            totals[currency] += total
    return [{"currency": c, "total": exact_amount(totals[c], c)} for c in sorted(totals)]


def message_timeline_entries(order: Order):
    """The order's emails as entries of its timeline (orders.selectors.order_timeline)."""
    return _timeline_entries(messages_for_order(order))


def customer_message_timeline_entries(customer: Customer):
    """The emails about the customer as entries of their page (orders.selectors.customer_timeline)."""
    return _timeline_entries(messages_for_customer(customer))


def _timeline_entries(items: list[dict]):
    from orders.selectors import TimelineEntry

    for item in items:
        status = item["status"]
        if item["sent_at"]:
            detail = item["recipient"]
        elif item["skip_reason"]:
            detail = item["skip_reason_label"]
        else:
            detail = item["error"]
        yield TimelineEntry(
            occurred_at=item["sent_at"] or item["due_at"],
            kind=f"email.{status}",
            label=f"{item['step']} ({MessageStatus(status).label})",
            detail=detail,
            source="flows",
            payload={
                "scheduled_message_id": item["id"],
                "step": item["step"],
                "flow": item["flow"],
                "status": status,
                "due_at": item["due_at"].isoformat(),
                "sent_at": item["sent_at"].isoformat() if item["sent_at"] else None,
                "skip_reason": item["skip_reason"],
                "subject": item["subject"],
            },
        )
