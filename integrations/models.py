"""The inbound webhooks we received, stored before we answer and processed later (integrations/inbound.py)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import TenantModel


class WebhookDelivery(TenantModel):
    """One inbound webhook as received: stored before any processing, unique per source.

    Shared by shop (Shopify, WooCommerce) and tracking-provider (AfterShip, EasyPost)
    integrations. A redelivery with the same delivery id is recognised and changes nothing.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        FAILED = "failed", _("Failed")

    # Written at the shops' pace, so no index nobody reads: the unique constraint and the dashboard's
    # index both lead with the merchant. The body is compressed with lz4 and kept in the row
    # (migration 0007), not the pglz-and-TOAST default.
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.CASCADE, db_index=False)
    source = models.CharField(max_length=20)  # shopify, woocommerce, aftership, easypost
    delivery_id = models.CharField(max_length=128)
    topic = models.CharField(max_length=64, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField()
    body_sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "source", "delivery_id"], name="webhookdelivery_unique")
        ]
        indexes = [
            models.Index(fields=["merchant", "status", "-received_at"]),
            # The drains' claim: the oldest received delivery, among the few still waiting.
            models.Index(fields=["id"], condition=models.Q(status="received"), name="webhookdelivery_waiting"),
        ]

    def __str__(self):
        return f"{self.source} {self.topic} {self.delivery_id}"
