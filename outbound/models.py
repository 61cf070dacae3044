"""Outbound webhooks: the shop's endpoints, one message per event and endpoint, one attempt per try.

Event types, delivery and signing live in outbound/services.py; docs/webhooks.md documents what
receivers get.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import TenantModel


class WebhookEndpoint(TenantModel):
    """A URL of the shop's where we POST our events, signed per Standard Webhooks."""

    class DisabledReason(models.TextChoices):
        MANUAL = "manual", _("Disabled by staff")
        FAILING = "failing", _("Disabled after failing for days")

    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Subscriptions: exact types ("order.created"), families ("shipment.*") or "*" for all.
    event_types = models.JSONField(_("event types"), default=list)
    # `whsec_<base64>`. Kept in clear: signing needs the secret itself. Protect the database accordingly.
    secret = models.CharField(max_length=100)
    # After a rotation the old secret also signs for a while, so receivers can switch over.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=16, choices=DisabledReason.choices, blank=True)
    disable_notified_at = models.DateTimeField(null=True, blank=True)  # owners emailed about this disabling
    # Start of the current run of failed attempts; cleared by any success.
    failing_since = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("merchants.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["merchant", "is_active"])]

    def __str__(self):
        return self.url


class OutboundMessage(TenantModel):
    """One event for one endpoint: the exact body we sign and send, and its retry schedule.

    Unique per (endpoint, event), so publishing an event twice never sends it twice.
    `message_id` is the `webhook-id` header, the same on every attempt.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="messages")
    event = models.ForeignKey("orders.OrderEvent", on_delete=models.CASCADE, related_name="+")
    message_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=64)
    body = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Attempts in the current round of automatic retries (a resend starts a new round).
    attempt_count = models.PositiveSmallIntegerField(default=0)
    # When the dispatcher may next pick it up; while claimed, the end of the claim's lease.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    resend_requested = models.BooleanField(default=False)  # the next attempt was asked for by staff
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="outboundmessage_unique_endpoint_event")
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="outboundmessage_due"),
            models.Index(fields=["merchant", "endpoint", "-created_at"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self):
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"


class OutboundAttempt(TenantModel):
    """One HTTP try of a message, kept for the delivery log."""

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="attempts")
    attempted_at = models.DateTimeField(default=timezone.now)
    url = models.URLField(max_length=500)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.TextField(blank=True)  # at most 1 KB of the answer
    error = models.CharField(max_length=500, blank=True)
    succeeded = models.BooleanField(default=False)
    manual = models.BooleanField(default=False, help_text="Started by a staff resend.")

    class Meta:
        ordering = ["attempted_at", "id"]
        indexes = [models.Index(fields=["attempted_at"])]

    def __str__(self):
        return f"{self.status_code or self.error} @ {self.attempted_at:%Y-%m-%d %H:%M}"
