"""Write use cases of flows: installing defaults, scheduling, editing, consent, ESP events."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.drains import WakeUp
from core.event_kinds import event_order_key
from core.locale import customer_language
from core.scoping import merchant_scope, unscoped
from merchants.models import Merchant
from orders.events import after_publish, batch_defer, batch_memo, publish_memo
from orders.models import Customer, Order, OrderEvent

from .content import order_only_variables, sample_context
from .defaults import default_flow_specs
from .holdouts import default_holdout_percent
from .message_status import checked, scheduled_messages_move
from .models import (
    MAX_HOLDOUT_PERCENT,
    Anchor,
    EventKind,
    Flow,
    FlowSettings,
    FlowStep,
    MarketingPreference,
    Message,
    MessageEvent,
    MessageStatus,
    ScheduledMessage,
    StepTemplate,
    Suppression,
    SuppressionReason,
    SuppressionScope,
    Trigger,
)
from .rendering import allowed_link, link_domains, template_problems
from .rules import RuleInput, conditions_met, step_conditions, stop_rules, unscheduled_reason
from .scheduling import due_time, local_tz


class FlowValidationError(Exception):
    """Input a merchant must fix; `errors` maps each field to a message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


# --- Settings and default flows ---------------------------------------------------------------
def flow_settings_get(*, merchant: Merchant) -> FlowSettings:
    with merchant_scope(merchant):
        found = FlowSettings.objects.filter(merchant=merchant).first()
        if found:
            return found
        try:
            with transaction.atomic():
                return FlowSettings.objects.create(merchant=merchant)
        except IntegrityError:  # created meanwhile by a concurrent request
            return FlowSettings.objects.get(merchant=merchant)


@transaction.atomic
def default_flows_install(*, merchant: Merchant) -> list[Flow]:
    """Give the merchant the default flows. Idempotent: flows already there (by key) are kept as edited."""
    created = []
    with merchant_scope(merchant):
        settings_row = FlowSettings.objects.select_for_update().filter(merchant=merchant).first()
        if settings_row is None:
            settings_row = FlowSettings.objects.create(merchant=merchant)
            settings_row = FlowSettings.objects.select_for_update().get(pk=settings_row.pk)
        existing = set(Flow.objects.exclude(key="").values_list("key", flat=True))
        language = merchant.default_language if merchant.default_language in ("en", "fr") else "en"
        for flow_spec, step_specs in default_flow_specs():
            if flow_spec["key"] in existing:
                continue
            flow = Flow.objects.create(
                merchant=merchant,
                **{**flow_spec, "name": flow_spec["name"][language]},
                holdout_percent=default_holdout_percent(flow_spec.get("kind", "marketing")),
            )
            for position, spec in enumerate(step_specs):
                window = spec.get("window") or (None, None)
                step = FlowStep.objects.create(
                    merchant=merchant,
                    flow=flow,
                    key=spec["key"],
                    name=spec["name"][language],
                    position=position,
                    delay_days=spec.get("delay_days", 0),
                    delay_hours=spec.get("delay_hours", 0),
                    window_start=window[0],
                    window_end=window[1],
                    stop_rules=list(spec.get("stop_rules", [])),
                    plain_text_only=spec.get("plain_text_only", False),
                )
                for lang, content in spec["templates"].items():
                    StepTemplate.objects.create(
                        merchant=merchant,
                        step=step,
                        language=lang,
                        subject=content["subject"],
                        preheader=content.get("preheader", ""),
                        html_body=content.get("html", ""),
                        text_body=content.get("text", ""),
                    )
            created.append(flow)
        if settings_row.defaults_installed_at is None:
            settings_row.defaults_installed_at = timezone.now()
            settings_row.save(update_fields=["defaults_installed_at"])
    return created


def default_flows_ensure(*, merchant: Merchant) -> None:
    """Install the defaults for a merchant created before flows existed (once; deletions stay deleted)."""
    with merchant_scope(merchant):
        if FlowSettings.objects.filter(defaults_installed_at__isnull=False).exists():
            return
    default_flows_install(merchant=merchant)


# --- Scheduling ------------------------------------------------------------------------------
def _parse_time(value, fallback: datetime) -> datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or timezone.is_naive(parsed):
        return fallback
    return parsed


def _delivered_at(order: Order) -> datetime | None:
    delivered = [s.delivered_at for s in order.shipments.all() if s.delivered_at]
    return min(delivered) if delivered else None


def _trigger_time(event: OrderEvent) -> datetime:
    if event.kind == Trigger.ORDER_PLACED:
        return event.order.placed_at
    if event.kind == Trigger.DELIVERED:
        return _parse_time(event.payload.get("delivered_at"), event.occurred_at)
    return event.occurred_at


def flows_for_event(event: OrderEvent) -> list[Flow]:
    def active_flows():
        return list(Flow.objects.filter(active=True).prefetch_related("steps"))

    return [flow for flow in publish_memo(("flows", event.merchant_id), active_flows) if flow_matches(flow, event)]


def flow_matches(flow: Flow, event: OrderEvent) -> bool:
    """Whether the event starts the flow."""
    if flow.trigger not in (event.kind, Trigger.EVENT):
        return False
    if flow.trigger == Trigger.EVENT and flow.event_kind != event.kind:
        return False
    return flow.trigger != Trigger.SHIPMENT_STATUS or flow.trigger_status == event.payload.get("to")


@dataclass
class _Planned:
    step: FlowStep
    anchor_at: datetime
    due_at: datetime
    status: str = MessageStatus.SCHEDULED
    skip_reason: str = ""


def _plan(flow: Flow, event: OrderEvent, order: Order, flow_settings: FlowSettings, now: datetime) -> list[_Planned]:
    anchor_at = _trigger_time(event)
    if flow.anchor == Anchor.DELIVERY_OR_ORDER:
        anchor_at = _delivered_at(order) or anchor_at
    data = RuleInput(
        order=order,
        anchor_at=anchor_at,
        language=customer_language(merchant=order.merchant, order=order),
        anchor_key=event_order_key(event.kind, event.payload),
    )
    return _plan_steps(flow, data, order.merchant, flow_settings, now)


def _plan_steps(
    flow: Flow, data: RuleInput, merchant: Merchant, flow_settings: FlowSettings, now: datetime
) -> list[_Planned]:
    too_late_before = now - timedelta(hours=flow_settings.late_tolerance_hours)
    planned = []
    for step in flow.steps.all():
        if not step.active:
            continue
        tz = local_tz(order=data.order, customer=data.customer, merchant=merchant, source=step.window_time_zone)
        due_at = due_time(anchor_at=data.anchor_at, step=step, tz=tz)
        plan = _Planned(step=step, anchor_at=data.anchor_at, due_at=due_at)
        if due_at < too_late_before:
            plan.status, plan.skip_reason = MessageStatus.SKIPPED, "too_late"
        elif not conditions_met(step.conditions, data):
            plan.status, plan.skip_reason = MessageStatus.SKIPPED, "conditions_not_met"
        planned.append(plan)
    return planned


def messages_schedule_for_event(*, event: OrderEvent) -> list[ScheduledMessage]:
    """The ScheduledMessage rows an event calls for, written now or with the batch being published.

    Idempotent: a step is scheduled once per order (and per thing of the order, such as a return,
    its event kind names), or once per customer and anchor key for an event about a customer (the database refuses a second row; the INSERT skips it).
    """
    merchant = event.merchant
    if event.order_id is None:
        return _schedule_for_customer(event) if event.customer_id else []
    publish_memo(("flows-defaults", merchant.pk), lambda: default_flows_ensure(merchant=merchant))
    # No savepoint of its own: a failure must undo the whole publication (it is retried).
    with merchant_scope(merchant), transaction.atomic(savepoint=False):
        order = batch_memo(("flows-orders", merchant.pk), _orders_of, event).get(event.order_id)
        if order is None or order.test or unscheduled_reason(event.kind, order):
            return []
        if event.kind == Trigger.DELIVERED:
            _reanchor_on_delivery(order)
        flow_settings = publish_memo(("flow-settings", merchant.pk), lambda: flow_settings_get(merchant=merchant))
        now = timezone.now()
        rows = [
            ScheduledMessage(
                merchant=merchant,
                step=plan.step,
                order=order,
                customer=order.customer,
                anchor_key=event_order_key(event.kind, event.payload),
                trigger_event=event,
                anchor_at=plan.anchor_at,
                first_due_at=plan.due_at,
                due_at=plan.due_at,
                status=plan.status,
                skip_reason=plan.skip_reason,
            )
            for flow in flows_for_event(event)
            for plan in _plan(flow, event, order, flow_settings, now)
        ]
        # One INSERT for a whole batch of events. Nothing in the batch reads these rows back: the
        # re-anchoring on delivery is for rows planned before the delivery, and every event of a
        # batch is planned from the state in which all of them were already committed.
        batch_defer(SCHEDULED_ROWS, rows, _scheduled_insert)
        if any(r.status == MessageStatus.SCHEDULED and r.due_at <= now + timedelta(minutes=1) for r in rows):
            after_publish(_dispatch_soon)
    return rows


SCHEDULED_ROWS = ("flows-scheduled-rows",)


def _schedule_for_customer(event: OrderEvent) -> list[ScheduledMessage]:
    """The rows an event about a customer calls for: one per step of its flows, customer and anchor key."""
    merchant = event.merchant
    publish_memo(("flows-defaults", merchant.pk), lambda: default_flows_ensure(merchant=merchant))
    with merchant_scope(merchant), transaction.atomic(savepoint=False):
        customer = batch_memo(("flows-customers", merchant.pk), _customers_of, event).get(event.customer_id)
        flows = flows_for_event(event)
        if customer is None or customer.redacted_at is not None or not flows:
            return []
        flow_settings = publish_memo(("flow-settings", merchant.pk), lambda: flow_settings_get(merchant=merchant))
        now = timezone.now()
        data = RuleInput(
            order=None,
            anchor_at=event.occurred_at,
            language=customer_language(merchant=merchant, customer=customer),
            anchored_customer=customer,
            anchor_key=event.anchor_key,
        )
        rows = [
            ScheduledMessage(
                merchant=merchant,
                step=plan.step,
                customer=customer,
                anchor_key=event.anchor_key,
                trigger_event=event,
                anchor_at=plan.anchor_at,
                first_due_at=plan.due_at,
                due_at=plan.due_at,
                status=plan.status,
                skip_reason=plan.skip_reason,
            )
            for flow in flows
            for plan in _plan_steps(flow, data, merchant, flow_settings, now)
        ]
        batch_defer(SCHEDULED_ROWS, rows, _scheduled_insert)
        if any(r.status == MessageStatus.SCHEDULED and r.due_at <= now + timedelta(minutes=1) for r in rows):
            after_publish(_dispatch_soon)
    return rows


def _customers_of(events: list[OrderEvent]) -> dict[int, Customer]:
    """The customers the batch's customer events are about (in the current merchant's scope), in one query."""
    return Customer.objects.in_bulk({event.customer_id for event in events if event.customer_id})


def _scheduled_insert(rows: list[ScheduledMessage]) -> None:
    with unscoped():  # a batch's rows may belong to several merchants: each row names its own
        ScheduledMessage.objects.bulk_create(rows, ignore_conflicts=True)


def _orders_of(events: list[OrderEvent]) -> dict[int, Order]:
    """The events' orders (in the current merchant's scope) with what planning reads, in three queries."""
    orders = Order.objects.select_related("customer", "merchant").prefetch_related("line_items", "shipments")
    return orders.in_bulk({event.order_id for event in events if event.order_id})


# Immediate messages (order confirmations) are sent by a dispatch pass queued after their commit rather
# than at the next beat; a burst of orders queues one pass (core/drains.py), which clears the flag
# before it claims. If the broker is down, the beat sends them within a minute.
IMMEDIATE_DISPATCH = WakeUp("immediate-dispatch", "flows.tasks.dispatch_due_messages")


def _dispatch_soon() -> None:
    IMMEDIATE_DISPATCH.request()


def _reanchor_on_delivery(order: Order) -> int:
    """Steps of delivery-anchored flows still counting from the order now count from the delivery."""
    delivered_at = _delivered_at(order)
    if delivered_at is None:
        return 0
    flow_settings = flow_settings_get(merchant=order.merchant)
    too_late_before = timezone.now() - timedelta(hours=flow_settings.late_tolerance_hours)
    moved = 0
    rows = (
        ScheduledMessage.objects.select_for_update()
        .filter(
            order=order,
            status=MessageStatus.SCHEDULED,
            claimed_at__isnull=True,
            anchor_at=order.placed_at,
            step__flow__anchor=Anchor.DELIVERY_OR_ORDER,
        )
        .select_related("step")
    )
    for row in rows:
        tz = local_tz(order=order, merchant=order.merchant, source=row.step.window_time_zone)
        row.anchor_at = delivered_at
        row.due_at = row.first_due_at = due_time(anchor_at=delivered_at, step=row.step, tz=tz)
        if row.due_at < too_late_before:
            row.status, row.skip_reason = checked(row.status, MessageStatus.SKIPPED)[1], "too_late"
        row.save(update_fields=["anchor_at", "due_at", "first_due_at", "status", "skip_reason", "updated_at"])
        moved += 1
    return moved


# --- Editing flows -----------------------------------------------------------------------------
@transaction.atomic
def flow_update(*, flow: Flow, name: str, active: bool, anchor: str, holdout_percent: int | None = None) -> Flow:
    """Rename, pause, re-anchor a flow or change its holdout. Pausing skips its scheduled messages when
    they come due. `holdout_percent` None keeps it as it is."""
    if not name.strip():
        raise FlowValidationError({"name": _("A flow needs a name.")})
    if anchor not in Anchor.values:
        raise FlowValidationError({"anchor": _("Choose when the flow counts from.")})
    if anchor == Anchor.DELIVERY_OR_ORDER and flow.is_customer_anchored:
        raise FlowValidationError(
            {"anchor": _("This flow's emails are about a customer, not an order: they count from the event.")}
        )
    if holdout_percent is not None:
        if not 0 <= holdout_percent <= MAX_HOLDOUT_PERCENT:
            raise FlowValidationError(
                {"holdout_percent": _("Hold out between 0 and %(max)s %% of customers.") % {"max": MAX_HOLDOUT_PERCENT}}
            )
        flow.holdout_percent = holdout_percent
    flow.name, flow.active, flow.anchor = name.strip(), active, anchor
    flow.save(update_fields=["name", "active", "anchor", "holdout_percent", "updated_at"])
    return flow


def templates_validate(
    *, merchant: Merchant, templates: dict[str, dict], plain_text_only: bool, customer_anchored: bool = False
) -> dict[str, str]:
    """Problems of each template field, keyed "<language>.<field>", checked against the sample order.

    `customer_anchored`: the step's emails are about a customer, not an order, and order variables
    are refused with a message saying so.
    """
    flow_settings = flow_settings_get(merchant=merchant)
    errors = {}
    for language, content in templates.items():
        sample = sample_context(
            merchant=merchant, language=language, flow_settings=flow_settings, customer_anchored=customer_anchored
        )
        order_only = frozenset(
            order_only_variables(merchant=merchant, language=language, flow_settings=flow_settings)
            if customer_anchored
            else ()
        )
        if not content.get("subject", "").strip():
            errors[f"{language}.subject"] = _("A subject is required.")
        fields = [("subject", False), ("preheader", False), ("text_body", False)]
        if not plain_text_only:
            fields.append(("html_body", True))
        elif not content.get("text_body", "").strip():
            errors[f"{language}.text_body"] = _("A plain-text email needs a text body.")
        if (
            not plain_text_only
            and not content.get("html_body", "").strip()
            and not content.get("text_body", "").strip()
        ):
            errors[f"{language}.html_body"] = _("Write an HTML body or a text body.")
        for name, html_mode in fields:
            problems = template_problems(
                content.get(name, ""), sample=sample, html_mode=html_mode, order_only=order_only
            )
            if problems:
                errors.setdefault(f"{language}.{name}", " ".join(problems))
    return errors


@dataclass(kw_only=True)
class StepInput:
    name: str
    delay_days: int
    delay_hours: int = 0
    window_start: object = None
    window_end: object = None
    window_time_zone: str = "customer"
    conditions: dict | None = None
    stop_rules: list[str] | None = None
    plain_text_only: bool = False
    from_name: str = ""
    reply_to: str = ""
    active: bool = True
    templates: dict[str, dict] | None = None  # {"en": {"subject":…, "preheader":…, "html_body":…, "text_body":…}}


def step_input_errors(merchant: Merchant, data: StepInput, *, customer_anchored: bool = False) -> dict[str, str]:
    errors = {}
    if not data.name.strip():
        errors["name"] = _("A step needs a name.")
    if (data.window_start is None) != (data.window_end is None):
        errors["window_end"] = _("Give both ends of the send window, or neither.")
    elif data.window_start is not None and data.window_start >= data.window_end:
        errors["window_end"] = _("The window must end after it starts, on the same day.")
    if not data.templates:
        errors["templates"] = _("Write the email in at least one language.")
    else:
        errors.update(
            templates_validate(
                merchant=merchant,
                templates=data.templates,
                plain_text_only=data.plain_text_only,
                customer_anchored=customer_anchored,
            )
        )
    if customer_anchored:
        errors.update(_order_rules_errors(data))
    return errors


def _order_rules_errors(data: StepInput) -> dict[str, str]:
    """Conditions and stop rules that read an order, which a customer-anchored email has not."""
    errors = {}
    conditions = data.conditions or {}
    used = [c.label for c in step_conditions() if c.needs_order and conditions.get(c.key) not in (None, "", [])]
    if used:
        errors["conditions"] = _(
            "This email is about a customer, not an order: these conditions read an order and cannot be used "
            "here: %(names)s."
        ) % {"names": ", ".join(str(label) for label in used)}
    listed = [r.label for r in stop_rules() if r.needs_order and r.key in (data.stop_rules or [])]
    if listed:
        errors["stop_rules"] = _(
            "This email is about a customer, not an order: these stop rules read an order and cannot be used "
            "here: %(names)s."
        ) % {"names": ", ".join(str(label) for label in listed)}
    return errors


def _step_apply(step: FlowStep, data: StepInput) -> None:
    step.name = data.name.strip()
    step.delay_days, step.delay_hours = data.delay_days, data.delay_hours
    step.window_start, step.window_end, step.window_time_zone = (
        data.window_start,
        data.window_end,
        data.window_time_zone,
    )
    step.conditions = data.conditions or {}
    step.stop_rules = data.stop_rules or []
    step.plain_text_only, step.from_name, step.reply_to, step.active = (
        data.plain_text_only,
        data.from_name,
        data.reply_to,
        data.active,
    )


def _templates_save(step: FlowStep, templates: dict[str, dict]) -> None:
    for language, content in templates.items():
        StepTemplate.objects.update_or_create(
            step=step,
            language=language,
            defaults={
                "merchant": step.merchant,
                "subject": content.get("subject", "").strip(),
                "preheader": content.get("preheader", ""),
                "html_body": content.get("html_body", ""),
                "text_body": content.get("text_body", ""),
            },
        )
    StepTemplate.objects.filter(step=step).exclude(language__in=list(templates)).delete()


@transaction.atomic
def step_update(*, step: FlowStep, data: StepInput) -> FlowStep:
    """Edit a step. Content, conditions and stop rules apply to messages still scheduled (read at send
    time); a new delay or window applies to messages scheduled from now on."""
    errors = step_input_errors(step.merchant, data, customer_anchored=step.flow.is_customer_anchored)
    if errors:
        raise FlowValidationError(errors)
    _step_apply(step, data)
    step.save()
    _templates_save(step, data.templates)
    return step


@transaction.atomic
def step_create(*, flow: Flow, data: StepInput) -> FlowStep:
    errors = step_input_errors(flow.merchant, data, customer_anchored=flow.is_customer_anchored)
    if errors:
        raise FlowValidationError(errors)
    step = FlowStep(merchant=flow.merchant, flow=flow, position=flow.steps.count())
    _step_apply(step, data)
    step.save()
    _templates_save(step, data.templates)
    return step


@transaction.atomic
def step_delete(*, step: FlowStep) -> bool:
    """Delete a step that never sent anything; otherwise deactivate it so its history stays.

    Returns True when deleted. Its scheduled messages are cancelled either way.
    """
    scheduled_messages_move(
        ScheduledMessage.objects.filter(step=step),
        from_status=MessageStatus.SCHEDULED,
        to_status=MessageStatus.CANCELLED,
        skip_reason="step_deleted",
        claimed_at=None,
    )
    if Message.objects.filter(step=step).exists():
        step.active = False
        step.save(update_fields=["active", "updated_at"])
        return False
    step.delete()
    return True


@transaction.atomic
def flow_settings_update(
    *,
    merchant: Merchant,
    require_marketing_consent: bool,
    marketing_daily_cap: int,
    late_tolerance_hours: int,
    allowed_link_domains: list[str],
    product_guides: dict,
    signature_name: str,
) -> FlowSettings:
    errors = {}
    if marketing_daily_cap < 1:
        errors["marketing_daily_cap"] = _("At least one marketing email a day, or pause the flows instead.")
    if not isinstance(product_guides, dict) or any(
        not isinstance(v, dict) or not all(isinstance(x, str) for x in v.values()) for v in product_guides.values()
    ):
        errors["product_guides"] = _('Use {"product type": {"en": "…", "fr": "…", "url": "https://…"}}.')
    if errors:
        raise FlowValidationError(errors)
    row = flow_settings_get(merchant=merchant)
    with merchant_scope(merchant):
        row.require_marketing_consent = require_marketing_consent
        row.marketing_daily_cap = marketing_daily_cap
        row.late_tolerance_hours = late_tolerance_hours
        row.allowed_link_domains = [d.strip().lower() for d in allowed_link_domains if d.strip()]
        row.product_guides = product_guides
        row.signature_name = signature_name.strip()
        row.save()
    return row


# --- Consent and suppressions ----------------------------------------------------------------
def _normalize(address: str) -> str:
    return address.strip().lower()


@transaction.atomic
def marketing_preference_set(
    *, merchant: Merchant, address: str, subscribed: bool, scheduled_id: int | None = None
) -> MarketingPreference:
    """The customer's own choice: takes effect for the very next message."""
    address = _normalize(address)
    now = timezone.now()
    with merchant_scope(merchant):
        preference, _created = MarketingPreference.objects.update_or_create(
            merchant=merchant, address=address, defaults={"subscribed": subscribed, "changed_at": now}
        )
        if subscribed:
            Suppression.objects.filter(address=address, reason=SuppressionReason.UNSUBSCRIBED).delete()
        else:
            Suppression.objects.get_or_create(
                merchant=merchant,
                address=address,
                reason=SuppressionReason.UNSUBSCRIBED,
                defaults={"scope": SuppressionScope.MARKETING},
            )
            if scheduled_id:
                message = Message.objects.filter(scheduled_id=scheduled_id, recipient=address).first()
                if message is not None:
                    _event_apply(message, EventKind.UNSUBSCRIBED, source="unsubscribe", event_id="", occurred_at=now)
    return preference


def marketing_unsubscribe(*, merchant: Merchant, address: str, scheduled_id: int | None = None) -> None:
    marketing_preference_set(merchant=merchant, address=address, subscribed=False, scheduled_id=scheduled_id)


def suppression_add(*, merchant: Merchant, address: str, reason: str, scope: str) -> Suppression:
    with merchant_scope(merchant):
        row, created = Suppression.objects.get_or_create(
            merchant=merchant, address=_normalize(address), reason=reason, defaults={"scope": scope}
        )
        if not created and scope == SuppressionScope.ALL and row.scope != scope:
            row.scope = scope
            row.save(update_fields=["scope"])
        return row


# --- What happened to a sent message ---------------------------------------------------------
_EVENT_FIELD = {
    EventKind.DELIVERED: "delivered_at",
    EventKind.OPENED: "opened_at",
    EventKind.CLICKED: "clicked_at",
    EventKind.BOUNCED: "bounced_at",
    EventKind.COMPLAINED: "complained_at",
    EventKind.UNSUBSCRIBED: "unsubscribed_at",
}


def _event_apply(message: Message, kind: str, *, source: str, event_id: str, occurred_at: datetime, detail: str = ""):
    """Record the event once and keep the first time of each kind on the message."""
    try:
        with transaction.atomic():
            MessageEvent.objects.create(
                merchant_id=message.merchant_id,
                message=message,
                kind=kind,
                source=source,
                event_id=event_id or "",
                occurred_at=occurred_at,
                detail=detail[:500],
            )
    except IntegrityError:
        return False  # this event_id was recorded already
    field = _EVENT_FIELD[kind]
    Message.objects.filter(pk=message.pk, **{f"{field}__isnull": True}).update(**{field: occurred_at})
    return True


ESP_EVENT_KINDS = {
    "delivered": EventKind.DELIVERED,
    "opened": EventKind.OPENED,
    "clicked": EventKind.CLICKED,
    "bounced": EventKind.BOUNCED,
    "rejected": EventKind.BOUNCED,
    "complained": EventKind.COMPLAINED,
    "unsubscribed": EventKind.UNSUBSCRIBED,
}
# A "rejected" send is a hard bounce only for these reasons (blocked or spam are not the address's fault).
HARD_REJECT_REASONS = {"invalid", "bounced"}


@dataclass(kw_only=True)
class EspEvent:
    event_type: str
    message_id: str | None
    event_id: str | None
    timestamp: datetime | None
    recipient: str | None = None
    reject_reason: str | None = None
    click_url: str | None = None
    description: str | None = None


@transaction.atomic
def message_event_record_from_esp(*, esp_name: str, event: EspEvent) -> bool:
    """Apply an ESP tracking event to the message it concerns. Unknown messages are ignored.

    Hard bounces suppress the address for every email; complaints and ESP-level unsubscribes
    for marketing ones. Returns True when something was recorded (False for a repeat).
    """
    kind = ESP_EVENT_KINDS.get(event.event_type)
    if kind is None or not event.message_id:
        return False
    if event.event_type == "rejected" and event.reject_reason not in HARD_REJECT_REASONS:
        return False
    with unscoped():  # the ESP does not tell us the merchant: the message id does
        message = Message.objects.select_related("merchant").filter(provider_message_id=event.message_id).first()
    if message is None or not _names_its_recipient(event, message):
        return False
    with merchant_scope(message.merchant):
        recorded = _event_apply(
            message,
            kind,
            source=esp_name.lower(),
            event_id=event.event_id or "",
            occurred_at=event.timestamp or timezone.now(),
            detail=event.click_url or event.description or event.reject_reason or "",
        )
        if not recorded:
            return False
        address = message.recipient
        if kind == EventKind.BOUNCED:
            suppression_add(
                merchant=message.merchant, address=address, reason=SuppressionReason.BOUNCED, scope=SuppressionScope.ALL
            )
        elif kind == EventKind.COMPLAINED:
            suppression_add(
                merchant=message.merchant,
                address=address,
                reason=SuppressionReason.COMPLAINED,
                scope=SuppressionScope.MARKETING,
            )
        elif kind == EventKind.UNSUBSCRIBED:
            marketing_unsubscribe(merchant=message.merchant, address=address)
    return True


def _names_its_recipient(event: EspEvent, message: Message) -> bool:
    """An event may only speak of the address its message went to: one naming another address is
    forged or misrouted, and must not suppress or unsubscribe anyone."""
    return not event.recipient or event.recipient.strip().lower() == message.recipient.strip().lower()


def click_message(*, scheduled_id: int) -> Message | None:
    """The message a click token names (the token is signed; the id alone says which shop)."""
    with unscoped():
        return Message.objects.select_related("merchant").filter(scheduled_id=scheduled_id).first()


def click_record(*, message: Message, url: str) -> bool:
    """A click through our redirect, recorded on the message (several clicks, first time kept).

    Only a link we send the customer on to counts: one outside the shop's own domains is refused
    before anything is written, so a forged or stale link never shows up as a click. Returns
    whether the link is allowed.
    """
    with merchant_scope(message.merchant):
        if not allowed_link(url, link_domains(message.merchant, flow_settings_get(merchant=message.merchant))):
            return False
        with transaction.atomic():
            _event_apply(
                message, EventKind.CLICKED, source="redirect", event_id="", occurred_at=timezone.now(), detail=url
            )
    return True
