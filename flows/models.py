"""Flows: every customer email, transactional or timed, is a step of a flow.

A trigger (an order event) creates ScheduledMessage rows; the dispatcher sends them when
due (flows/dispatcher.py). What was actually sent is a Message, and what the ESP told us
about it afterwards is a MessageEvent.

A message is anchored either to an order (the journey, shipping emails) or to a customer and a
key naming what it is about (a loyalty, referral or survey email: "nps:2026-Q4"). An order email
about one thing of the order that may come several times (a return) carries that thing's key too.
Either way a step goes out at most once per anchor, which the database enforces.
"""

import secrets

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import CASCADE, SET_NULL
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.event_kinds import event_label, is_customer_anchored
from core.scoping import TenantModel
from merchants.models import LANGUAGE_CHOICES


def name_shown(kind: str, key: str, stored: str) -> str:
    """A flow's or step's name as the reader sees it: a default one in their language (defaults.shown_name)."""
    from .defaults import shown_name  # defaults read these models' choices

    return shown_name(kind, key, stored, (get_language() or "en")[:2]) if key else stored


class FlowKind(models.TextChoices):
    TRANSACTIONAL = "transactional", _("Transactional")
    MARKETING = "marketing", _("Marketing")


class Trigger(models.TextChoices):
    ORDER_PLACED = "order.created", _("Order placed")
    ORDER_FULFILLED = "order.fulfilled", _("Order fulfilled")
    SHIPMENT_CREATED = "shipment.created", _("Shipment created (shipped)")
    SHIPMENT_STATUS = "shipment.status_changed", _("Shipment status changed")
    DELIVERED = "shipment.delivered", _("Delivered")
    SHIPMENT_DELAYED = "shipment.delayed", _("Shipment delayed")
    EVENT = "event", _("Any event (by kind)")


class Anchor(models.TextChoices):
    TRIGGER = "trigger", _("When the trigger happened")
    DELIVERY_OR_ORDER = "delivery_or_order", _("Delivery when known, else the order")


class WindowTimeZone(models.TextChoices):
    CUSTOMER = "customer", _("The customer's time zone")
    MERCHANT = "merchant", _("The shop's time zone")


# A holdout of more than half the customers would measure the emails by their absence.
MAX_HOLDOUT_PERCENT = 50


def new_holdout_salt() -> str:
    return secrets.token_hex(8)


class Flow(TenantModel):
    # Identifies the flows we install for every merchant, so installing twice adds nothing.
    key = models.SlugField(max_length=40, blank=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=FlowKind.choices, default=FlowKind.MARKETING)
    trigger = models.CharField(_("trigger"), max_length=32, choices=Trigger.choices)
    # For SHIPMENT_STATUS: the normalized status that starts the flow (tracking.models.ShipmentStatus).
    trigger_status = models.CharField(_("shipment status"), max_length=24, blank=True)
    # For EVENT: the event kind that starts the flow, e.g. "return.approved".
    event_kind = models.CharField(_("event kind"), max_length=64, blank=True)
    anchor = models.CharField(_("counts from"), max_length=20, choices=Anchor.choices, default=Anchor.TRIGGER)
    active = models.BooleanField(_("active"), default=True)
    # The share of customers who never get this flow's emails, to measure what the emails cause
    # (flows/holdouts.py). The salt makes each flow's holdout a different set of customers.
    holdout_percent = models.PositiveSmallIntegerField(
        _("holdout percentage"), default=0, validators=[MaxValueValidator(MAX_HOLDOUT_PERCENT)]
    )
    holdout_salt = models.CharField(max_length=32, default=new_holdout_salt, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "key"], condition=~models.Q(key=""), name="flow_unique_key")
        ]
        indexes = [models.Index(fields=["merchant", "trigger", "active"])]

    def __str__(self):
        return self.name

    @property
    def is_marketing(self):
        return self.kind == FlowKind.MARKETING

    @property
    def shown_name(self) -> str:
        """The name in the staff member's language while it is a default one (flows.defaults.shown_name)."""
        return name_shown("flow", self.key, self.name)

    @property
    def event_label(self) -> str:
        """The event kind that starts an "event" flow, as people read it ("Return approved")."""
        return event_label(self.event_kind) if self.event_kind else ""

    @property
    def is_customer_anchored(self) -> bool:
        """Started by an event about a customer (core.event_kinds): its emails have no order."""
        return self.trigger == Trigger.EVENT and is_customer_anchored(self.event_kind)


class FlowStep(TenantModel):
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="steps")
    key = models.SlugField(max_length=40, blank=True)
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("active"), default=True)
    delay_days = models.PositiveSmallIntegerField(_("days after"), default=0)
    delay_hours = models.PositiveSmallIntegerField(_("hours after"), default=0)
    window_start = models.TimeField(_("send from"), null=True, blank=True)
    window_end = models.TimeField(_("send until"), null=True, blank=True)
    window_time_zone = models.CharField(
        _("window time zone"), max_length=10, choices=WindowTimeZone.choices, default=WindowTimeZone.CUSTOMER
    )
    # {"customer": "first"|"repeat", "product_types": [...], "tags": [...], "total_min": "10.00",
    #  "total_max": "", "languages": ["fr"], "countries": ["FR"]}; flows/rules.py evaluates it.
    conditions = models.JSONField(default=dict, blank=True)
    # Keys of registered stop rules (flows/rules.py), checked again right before sending.
    stop_rules = models.JSONField(default=list, blank=True)
    plain_text_only = models.BooleanField(_("plain text only"), default=False)
    from_name = models.CharField(_("sender name"), max_length=120, blank=True, help_text=_("Empty: the shop's."))
    reply_to = models.EmailField(_("reply-to"), blank=True, help_text=_("Empty: the shop's support address."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["flow", "position", "id"]

    def __str__(self):
        return self.name

    @property
    def shown_name(self) -> str:
        return name_shown("step", self.key, self.name)

    @property
    def delay_label(self):
        label = f"J+{self.delay_days}"
        return f"{label} {self.delay_hours}h" if self.delay_hours else label

    @property
    def has_window(self):
        return self.window_start is not None and self.window_end is not None


class StepTemplate(TenantModel):
    """The content of a step in one language. Validated when saved (flows/rendering.py)."""

    step = models.ForeignKey(FlowStep, on_delete=models.CASCADE, related_name="templates")
    language = models.CharField(max_length=8, choices=LANGUAGE_CHOICES)
    subject = models.CharField(_("subject"), max_length=300)
    preheader = models.CharField(_("preheader"), max_length=300, blank=True)
    html_body = models.TextField(_("HTML body"), blank=True)
    text_body = models.TextField(_("text body"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["step", "language"], name="steptemplate_unique_language")]

    def __str__(self):
        return f"{self.step} [{self.language}]"


class FlowSettings(TenantModel):
    """Per-merchant email policy. Created with the default flows."""

    require_marketing_consent = models.BooleanField(
        _("marketing only to customers who opted in"),
        default=False,
        help_text=_("Off: existing customers get marketing emails (soft opt-in) until they unsubscribe."),
    )
    marketing_daily_cap = models.PositiveSmallIntegerField(_("marketing emails per customer per day"), default=1)
    late_tolerance_hours = models.PositiveSmallIntegerField(_("skip steps overdue by more than (hours)"), default=24)
    allowed_link_domains = models.JSONField(default=list, blank=True)
    # {"candle": {"url": "https://…", "en": "Trim the wick…", "fr": "Coupez la mèche…"}}
    product_guides = models.JSONField(default=dict, blank=True)
    signature_name = models.CharField(_("person who signs the check-in"), max_length=120, blank=True)
    defaults_installed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="flowsettings_one_per_merchant")]


class MessageStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", pgettext_lazy("email status", "Cancelled")


def customer_deleted(collector, field, sub_objs, using):
    """A deleted customer takes its customer-anchored messages with it; order-anchored ones stay
    with their order and only forget the customer (a row must keep one of its two anchors)."""
    anchored = [row for row in sub_objs if row.order_id is None]
    by_order = [row for row in sub_objs if row.order_id is not None]
    if anchored:
        CASCADE(collector, field, anchored, using)
    if by_order:
        SET_NULL(collector, field, by_order, using)


class ScheduledMessage(TenantModel):
    # No single-column index on merchant or step: the composite indexes below start with them
    # ((merchant, order), (merchant, step, status), (step, order)), and a row is written three
    # times on its way out (claimed, sending, sent), each write paying for every index.
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, db_index=False)
    step = models.ForeignKey(FlowStep, on_delete=models.CASCADE, related_name="scheduled", db_index=False)
    # The anchor: an order (and, for a return's email, the key of the return), or (order empty) the
    # customer and the key of what the message is about.
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.CASCADE, related_name="scheduled_messages"
    )
    customer = models.ForeignKey(
        "orders.Customer", null=True, blank=True, on_delete=customer_deleted, related_name="scheduled_messages"
    )
    anchor_key = models.CharField(max_length=120, blank=True)
    trigger_event = models.ForeignKey("orders.OrderEvent", null=True, blank=True, on_delete=models.SET_NULL)
    anchor_at = models.DateTimeField()
    first_due_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.SCHEDULED)
    skip_reason = models.CharField(max_length=40, blank=True)
    # A dispatcher owns a row while claimed_at is recent and claim_token is its own.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            # NULL orders are distinct in PostgreSQL: this binds order-anchored rows only.
            # anchor_key is "" for an email about the order itself, "return:42" for one about a
            # thing of the order that may come several times (core.event_kinds order_key).
            models.UniqueConstraint(fields=["step", "order", "anchor_key"], name="scheduledmessage_once_per_order"),
            models.UniqueConstraint(
                fields=["step", "customer", "anchor_key"],
                condition=models.Q(order__isnull=True),
                name="scheduledmessage_once_per_customer_anchor",
            ),
            models.CheckConstraint(
                condition=models.Q(order__isnull=False) | (models.Q(customer__isnull=False) & ~models.Q(anchor_key="")),
                name="scheduledmessage_has_anchor",
            ),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=models.Q(status="scheduled"), name="scheduledmessage_due"),
            models.Index(fields=["claimed_at"], condition=models.Q(status="sending"), name="scheduledmessage_inflight"),
            models.Index(fields=["merchant", "order"]),
            models.Index(fields=["merchant", "step", "status"]),
        ]

    def __str__(self):
        anchor = self.order_id if self.order_id else f"customer {self.customer_id} {self.anchor_key}"
        return f"{self.step} for {anchor} @ {self.due_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def is_customer_anchored(self) -> bool:
        return self.order_id is None


class Message(TenantModel):
    """One email handed to the email backend."""

    # Indexed by (merchant, recipient, kind, sent_at) and (merchant, step), which start with it.
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, db_index=False)
    scheduled = models.OneToOneField(ScheduledMessage, on_delete=models.CASCADE, related_name="message")
    step = models.ForeignKey(FlowStep, on_delete=models.CASCADE, related_name="messages")
    # Empty for a customer-anchored message: its customer and key are on `scheduled`.
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=16, choices=FlowKind.choices)
    recipient = models.EmailField()
    subject = models.CharField(max_length=255)
    language = models.CharField(max_length=8)
    provider_message_id = models.CharField(max_length=255, blank=True)  # indexed below, for equality only
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["merchant", "recipient", "kind", "sent_at"]),
            models.Index(fields=["merchant", "step"]),
            # The emails sent in a period (analytics' email KPIs).
            models.Index(fields=["merchant", "sent_at"], name="message_sent"),
            # Not db_index=True: that adds a LIKE index (varchar_pattern_ops) nothing uses.
            models.Index(fields=["provider_message_id"], name="message_provider_id"),
        ]

    def __str__(self):
        return f"{self.subject} → {self.recipient}"


class EventKind(models.TextChoices):
    DELIVERED = "delivered", _("Delivered")
    OPENED = "opened", _("Opened")
    CLICKED = "clicked", _("Clicked")
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Complained")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")


class MessageEvent(TenantModel):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    source = models.CharField(max_length=40)  # the ESP's name, "redirect" (our click tracking), "unsubscribe"
    # Unique per source when the ESP gives one: a redelivered webhook records nothing twice.
    event_id = models.CharField(max_length=255, blank=True)
    occurred_at = models.DateTimeField()
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "event_id"], condition=~models.Q(event_id=""), name="messageevent_unique_event_id"
            )
        ]
        # The clicks of a period, for the last click before each order (analytics' email KPIs).
        indexes = [
            models.Index(
                fields=["merchant", "occurred_at"], condition=models.Q(kind="clicked"), name="messageevent_clicks"
            )
        ]


class SuppressionScope(models.TextChoices):
    MARKETING = "marketing", _("Marketing emails")
    ALL = "all", _("All emails")


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    BOUNCED = "bounced", _("Hard bounce")
    COMPLAINED = "complained", _("Spam complaint")


class Suppression(TenantModel):
    address = models.EmailField()  # stored lower-case
    scope = models.CharField(max_length=10, choices=SuppressionScope.choices)
    reason = models.CharField(max_length=16, choices=SuppressionReason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "address", "reason"], name="suppression_unique_reason")
        ]
        indexes = [models.Index(fields=["merchant", "address"])]

    def __str__(self):
        return f"{self.address} ({self.reason}, {self.scope})"


class MarketingPreference(TenantModel):
    """What the customer chose on the preference page (overrides the shop's consent flag)."""

    address = models.EmailField()  # stored lower-case
    subscribed = models.BooleanField()
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "address"], name="marketingpreference_unique")]
