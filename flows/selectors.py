"""Reads of flows, always inside the current merchant's scope."""

from datetime import datetime

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.ranges import Chosen, chosen_range
from core.scoping import merchant_scope
from merchants.models import Merchant
from orders.models import Customer, LineItem, Order

from .email_figures import StepEmailKpis, step_email_figures
from .models import (
    Flow,
    FlowStep,
    MarketingPreference,
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


def stats_period(merchant: Merchant, now: datetime) -> Chosen:
    """The days the flow pages' figures cover: the Analytics page's default, the last 30 days."""
    return chosen_range({}, timezone.localtime(now, merchant.tzinfo).date())


def steps_stats(*, flow: Flow, steps, now: datetime) -> dict[int, dict]:
    """Per step of `flow`: its emails waiting, failed and skipped (by reason) so far, and its email figures
    of the last 30 days as analytics counts them (flows.email_figures). Two queries on PostgreSQL."""
    merchant = flow.merchant
    chosen = stats_period(merchant, now)
    with merchant_scope(merchant):
        scheduling = _scheduling(steps)
        found = step_email_figures(merchant, chosen.period(merchant), now, flow_id=flow.pk)
        figures = {row.step_id: row for row in found}
    return {
        step.pk: {
            **scheduling.get(step.pk, _NO_SCHEDULING),
            "days": chosen,
            "email": figures.get(step.pk) or _nothing_sent(flow, step),
        }
        for step in steps
    }


def step_stats(*, step: FlowStep, now: datetime | None = None) -> dict:
    """One step's figures, as steps_stats gives them."""
    return steps_stats(flow=step.flow, steps=[step], now=now or timezone.now())[step.pk]


_NO_SCHEDULING = {"scheduled": 0, "failed": 0, "skipped": 0, "skipped_by_reason": []}


def _scheduling(steps) -> dict[int, dict]:
    """Per step: emails waiting to be sent, failed, and skipped with their reasons, most frequent first."""
    rows = (
        ScheduledMessage.objects.filter(step__in=[step.pk for step in steps])
        .values_list("step_id", "status", "skip_reason")
        .annotate(n=Count("id"))
        .order_by("step_id", "-n", "skip_reason")
    )
    found: dict[int, dict] = {}
    for step_id, status, reason, n in rows:
        counts = found.setdefault(step_id, {**_NO_SCHEDULING, "skipped_by_reason": []})
        if status == MessageStatus.SKIPPED:
            counts["skipped"] += n
            counts["skipped_by_reason"].append((reason, skip_reason_label(reason), n))
        elif status in (MessageStatus.SCHEDULED, MessageStatus.FAILED):
            counts[status] += n
    return found


def _nothing_sent(flow: Flow, step: FlowStep) -> StepEmailKpis:
    return StepEmailKpis(flow.pk, flow.key, flow.name, step.pk, step.key, step.name, 0, 0, None, None, None)


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
