"""Emails of the past: what a shop's flows sent for events recorded as history.

Events recorded as history (`orders.events.events_record(..., past=True)`, an import or the demo's
past months) start no flow when they are written: no email goes out for last spring's orders.
`messages_record_past` writes what the flows did for them at the time: the steps are planned as for
a live event, each one due before `now` is checked as the dispatcher checks it (consent,
suppressions, conditions, stop rules, the marketing cap) and recorded as sent when it was due or
skipped with its reason; no email leaves. Steps due after `now` are scheduled, for the dispatcher
to send when they come due.

`message_engagement_record_past` writes what an ESP reported about those emails afterwards:
deliveries, opens and clicks. Bounces, complaints and unsubscribes change who gets email and only
come in through `message_event_record_from_esp`.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import make_msgid
from types import SimpleNamespace

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from core.event_kinds import event_order_key
from core.scoping import merchant_scope
from merchants.models import Merchant
from orders.models import Order, OrderEvent

from .dispatcher import (
    CAP_PERIOD,
    MAX_CAP_DEFERRAL,
    _context,
    _MerchantPolicy,
    _rule_input,
    _skip_reason,
    _template_for,
)
from .message_status import scheduled_messages_move
from .models import EventKind, Flow, Message, MessageEvent, MessageStatus, ScheduledMessage
from .rendering import render_subject, site_host
from .rules import BatchMemo, order_prefetches, unscheduled_reason
from .services import _plan, _trigger_time, default_flows_ensure, flow_matches, flow_settings_get


@dataclass
class PastMessages:
    sent: list[Message] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    scheduled: int = 0  # due after now: left to the dispatcher
    failed: int = 0  # steps without a template


@transaction.atomic
def messages_record_past(*, merchant: Merchant, events: list[OrderEvent], now: datetime) -> PastMessages:
    """Record the emails the shop's active flows sent for these past order events (see the module).

    Idempotent: a step already scheduled for an order (and the thing of the order its event is
    about) is left as it is. Events about a customer rather than an order are not replayed.
    """
    result = PastMessages()
    default_flows_ensure(merchant=merchant)  # as live scheduling does
    with merchant_scope(merchant):
        rows = _rows_planned(merchant, [event for event in events if event.order_id], now)
        past = [row for row in rows if row.status == MessageStatus.SCHEDULED and row.due_at <= now]
        sent, skips = _decide(merchant, past, now)
        result.scheduled = sum(row.status == MessageStatus.SCHEDULED for row in rows) - len(sent)
        result.scheduled -= sum(len(skipped) for skipped in skips.values())
        ScheduledMessage.objects.bulk_create(rows, batch_size=500)
        result.failed = scheduled_messages_move(
            ScheduledMessage.objects.filter(pk__in=[row.pk for row in skips.pop(None, [])]),
            from_status=MessageStatus.SCHEDULED,
            to_status=MessageStatus.FAILED,
            last_error="The step has no template.",  # as the dispatcher says it
            updated_at=F("due_at"),
        )
        for reason, skipped in skips.items():
            result.skipped[reason] = scheduled_messages_move(
                ScheduledMessage.objects.filter(pk__in=[row.pk for row in skipped]),
                from_status=MessageStatus.SCHEDULED,
                to_status=MessageStatus.SKIPPED,
                skip_reason=reason,
                updated_at=F("due_at"),
            )
        result.sent = _sent_write(merchant, sent)
        result.skipped.update(row.skip_reason for row in rows if row.status == MessageStatus.SKIPPED)
    return result


def _rows_planned(merchant: Merchant, events: list[OrderEvent], now: datetime) -> list[ScheduledMessage]:
    """The rows the events call for, as live scheduling plans them, minus those already there."""
    flow_settings = flow_settings_get(merchant=merchant)
    flows = list(Flow.objects.filter(active=True).prefetch_related("steps__templates"))
    orders = (
        Order.objects.select_related("customer")
        .prefetch_related("line_items", "shipments", *order_prefetches())
        .in_bulk({event.order_id for event in events})
    )
    taken = set(
        ScheduledMessage.objects.filter(order__in=orders).values_list("step_id", "order_id", "anchor_key").iterator()
    )
    rows = []
    for event in sorted(events, key=lambda e: (e.occurred_at, e.pk)):
        order = orders.get(event.order_id)
        if order is None or order.test or unscheduled_reason(event.kind, order):
            continue
        order.merchant = merchant
        anchor_key = event_order_key(event.kind, event.payload)
        for flow in (flow for flow in flows if flow_matches(flow, event)):
            # Planned as of the moment that starts it: "too late" is for a dispatcher that was down,
            # not for history.
            for plan in _plan(flow, event, order, flow_settings, _trigger_time(event)):
                if (plan.step.pk, order.pk, anchor_key) in taken:
                    continue
                taken.add((plan.step.pk, order.pk, anchor_key))
                rows.append(
                    ScheduledMessage(
                        merchant=merchant,
                        step=plan.step,
                        order=order,
                        customer=order.customer,
                        anchor_key=anchor_key,
                        trigger_event=event,
                        anchor_at=plan.anchor_at,
                        first_due_at=plan.due_at,
                        due_at=plan.due_at,
                        status=plan.status,
                        skip_reason=plan.skip_reason,
                        created_at=min(event.occurred_at, now),
                    )
                )
    return rows


def _decide(merchant: Merchant, rows: list[ScheduledMessage], now: datetime) -> tuple[list, dict]:
    """Each past row checked as the dispatcher checked it when it came due: ((row, address, language,
    subject) of each sent one, skipped rows by reason, under None those of a step without a template).
    A marketing email the daily cap defers moves later."""
    policy = _MerchantPolicy(merchant, rows, timezone.now())
    last_marketing: dict[str, datetime] = {}
    sent, skips = [], defaultdict(list)
    contexts = {}
    links = {"preferences": "", "unsubscribe": ""}  # a subject has no link
    ordered = sorted(rows, key=lambda r: r.due_at)
    inputs = [_rule_input(row, merchant) for row in ordered]
    # One batch for the whole replay, as the dispatcher shares one per run: what its rules load for
    # a batch (the survey settings, the recent low scores) is read once, not once per past email.
    # The emails about one thing of one order (its anchor) share their per-send memo as well: what the
    # checks keep there (the suggestions, the return, first order or not) reads the same state each time.
    shared, memos = BatchMemo(inputs), {}
    for row, data in zip(ordered, inputs, strict=True):
        data.batch = shared
        data.cache = memos.setdefault((row.order_id, row.anchor_key), data.cache)
        policy.now = row.due_at  # the checks read the state of then, not a dispatcher's delay
        reason = _skip_reason(row, policy, data)
        address = data.contact_email
        if reason is None and row.step.flow.is_marketing and address in last_marketing:
            row.due_at = max(row.due_at, last_marketing[address] + CAP_PERIOD)
            reason = "frequency_cap" if row.due_at - row.first_due_at > MAX_CAP_DEFERRAL else None
            if reason is None and row.due_at > now:
                continue  # deferred past now: the dispatcher sends it
        template = None if reason else _template_for(row.step, data.language, merchant)
        if template is None:
            (skips[reason] if reason else skips[None]).append(row)  # None: no template, a failure
            continue
        if row.step.flow.is_marketing:
            last_marketing[address] = row.due_at
        key = (row.order_id, row.anchor_key, template.language, row.step.window_time_zone)
        if key not in contexts:  # an order's emails share it: only the subject is rendered
            contexts[key] = _context(row, data, _subject_only(template), merchant, policy, links)
        sent.append((row, address, template.language, render_subject(template, contexts[key])))
    return sent, skips


def _subject_only(template):
    """The template as far as the context builder is concerned: only its subject will be rendered,
    so the context leaves out what only the body uses (suggestions, other apps' values)."""
    return SimpleNamespace(
        subject=template.subject, preheader="", html_body="", text_body="", language=template.language
    )


def _sent_write(merchant: Merchant, sent: list) -> list[Message]:
    """The rows go scheduled → sending → sent, as the dispatcher moves them, each at its due time."""
    ids = [row.pk for row, *_ in sent]
    scheduled_messages_move(
        ScheduledMessage.objects.filter(pk__in=ids),
        from_status=MessageStatus.SCHEDULED,
        to_status=MessageStatus.SENDING,
        updated_at=F("due_at"),
    )
    host = site_host()
    messages = Message.objects.bulk_create(
        [
            Message(
                merchant=merchant,
                scheduled=row,
                step=row.step,
                order=row.order,
                kind=row.step.flow.kind,
                recipient=address,
                subject=subject[:255],
                language=language,
                provider_message_id=make_msgid(domain=host),
                sent_at=row.due_at,
                created_at=row.due_at,
            )
            for row, address, language, subject in sent
        ],
        batch_size=500,
    )
    scheduled_messages_move(
        ScheduledMessage.objects.filter(pk__in=ids),
        from_status=MessageStatus.SENDING,
        to_status=MessageStatus.SENT,
        updated_at=F("due_at"),
    )
    return messages


# --- What the ESP reported ------------------------------------------------------------------------
ENGAGEMENT = {EventKind.DELIVERED: "delivered_at", EventKind.OPENED: "opened_at", EventKind.CLICKED: "clicked_at"}


@dataclass(frozen=True)
class PastEngagement:
    message_id: int
    kind: str  # delivered, opened or clicked
    occurred_at: datetime
    event_id: str  # the ESP's id: a second record of the same event writes nothing
    detail: str = ""  # the link clicked


@transaction.atomic
def message_engagement_record_past(*, merchant: Merchant, source: str, events: list[PastEngagement]) -> int:
    """Record deliveries, opens and clicks of the shop's sent messages; returns how many were new.

    Like an ESP's webhook (`message_event_record_from_esp`): once per event id, the first time of
    each kind kept on the message. Refused (ValueError) before anything is written: another kind, a
    message of another shop or not sent, a moment before its sending or in the future.
    """
    with merchant_scope(merchant):
        sent_at = dict(
            Message.objects.filter(pk__in={e.message_id for e in events}, sent_at__isnull=False).values_list(
                "pk", "sent_at"
            )
        )
        now = timezone.now()
        for event in events:
            _engagement_check(event, sent_at.get(event.message_id), now)
        before = MessageEvent.objects.filter(source=source).count()
        MessageEvent.objects.bulk_create(
            [
                MessageEvent(
                    merchant=merchant,
                    message_id=e.message_id,
                    kind=e.kind,
                    source=source,
                    event_id=e.event_id,
                    occurred_at=e.occurred_at,
                    detail=e.detail[:500],
                )
                for e in events
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        for kind, column in ENGAGEMENT.items():
            _first_times_keep(kind, column, [e for e in events if e.kind == kind])
        return MessageEvent.objects.filter(source=source).count() - before


def _engagement_check(event: PastEngagement, sent_at: datetime | None, now: datetime) -> None:
    if event.kind not in ENGAGEMENT:
        raise ValueError(f"{event.kind!r} is not a delivery, an open or a click.")
    if sent_at is None:
        raise ValueError(f"Message {event.message_id} is not a sent message of this shop.")
    if not sent_at <= event.occurred_at <= now:
        raise ValueError(
            f"Message {event.message_id}: {event.kind} at {event.occurred_at} is not between its sending and now."
        )
    if not event.event_id:
        raise ValueError("Each event needs the ESP's id.")


def _first_times_keep(kind: str, column: str, events: list[PastEngagement]) -> None:
    """The message's time of this kind becomes its first event's of that kind (one statement)."""
    if not events:
        return
    first = MessageEvent.objects.filter(message=OuterRef("pk"), kind=kind).order_by("occurred_at")
    Message.objects.filter(pk__in={e.message_id for e in events}).update(
        **{column: Subquery(first.values("occurred_at")[:1])}
    )
