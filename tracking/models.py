"""Shipments and their tracking events."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.scoping import TenantManager, TenantModel
from orders.models import Order

from .carriers import detect


class ShipmentStatus(models.TextChoices):
    """The one normalized vocabulary every source is mapped to (docs/tracking.md)."""

    # "Shipped" for pending: the shop has said the parcel left, the carrier has not spoken yet. Every
    # surface words a status with these labels (tracking/status.py: status_label, progress_labels).
    PENDING = "pending", pgettext_lazy("shipment status", "Shipped")
    INFO_RECEIVED = "info_received", pgettext_lazy("shipment status", "Label created")
    IN_TRANSIT = "in_transit", pgettext_lazy("shipment status", "In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", pgettext_lazy("shipment status", "Out for delivery")
    AVAILABLE_FOR_PICKUP = "available_for_pickup", pgettext_lazy("shipment status", "Ready for pickup")
    DELIVERED = "delivered", pgettext_lazy("shipment status", "Delivered")
    ATTEMPT_FAILED = "attempt_failed", pgettext_lazy("shipment status", "Delivery attempt failed")
    EXCEPTION = "exception", pgettext_lazy("shipment status", "Problem")
    RETURNING_TO_SENDER = "returning_to_sender", pgettext_lazy("shipment status", "Returning to sender")
    EXPIRED = "expired", pgettext_lazy("shipment status", "Tracking expired")


class ShipmentDirection(models.TextChoices):
    OUTBOUND = "outbound", pgettext_lazy("parcel direction", "To the customer")
    RETURN = "return", pgettext_lazy("parcel direction", "Back to the shop")


class _OutboundShipments(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(direction=ShipmentDirection.OUTBOUND)


class Shipment(TenantModel):
    """A parcel on its way to the customer, or (direction "return") a returned parcel on its way back.

    `Shipment.objects`, and so `order.shipments` and every prefetch of them, holds the parcels sent to
    the customer only: fulfillment status, delivery-window history, emails, the tracking page, the
    order's JSON and the dashboard figures are about those. The return parcels are reached through
    `Shipment.all_directions` (tracking's own event and delay paths) or from their return (docs/returns.md).
    """

    objects = TenantManager(_OutboundShipments)
    all_directions = TenantManager()

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    direction = models.CharField(max_length=8, choices=ShipmentDirection.choices, default=ShipmentDirection.OUTBOUND)
    external_id = models.CharField(max_length=64, blank=True, help_text="The shop's fulfillment id.")
    carrier = models.CharField(max_length=40, default="unknown")
    carrier_candidates = models.JSONField(default=list, blank=True)
    service = models.CharField(max_length=120, blank=True)
    tracking_number = models.CharField(max_length=64, blank=True)
    tracking_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=24, choices=ShipmentStatus.choices, default=ShipmentStatus.PENDING)
    substatus = models.CharField(max_length=64, blank=True)
    estimated_delivery_from = models.DateField(null=True, blank=True)
    estimated_delivery_to = models.DateField(null=True, blank=True)
    estimate_source = models.CharField(max_length=16, blank=True)  # carrier, history, default
    delivered_within_window = models.BooleanField(null=True, blank=True)
    # The window the customer was shown when the parcel shipped, kept as it was: the estimate above moves
    # when the carrier speaks, the promise does not (delivery promise KPIs, docs/kpis.md). Empty for
    # parcels shipped before it was recorded and for return parcels.
    promised_delivery_from = models.DateField(null=True, blank=True)
    promised_delivery_to = models.DateField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    is_delayed = models.BooleanField(default=False)
    delay_reason = models.CharField(max_length=40, blank=True)
    delayed_at = models.DateTimeField(null=True, blank=True)
    # The shop cancelled the fulfillment: no longer polled, checked for delays or shown to the customer.
    cancelled_at = models.DateTimeField(null=True, blank=True)
    line_items = models.ManyToManyField("orders.LineItem", blank=True, related_name="shipments")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "order", "external_id"],
                condition=~models.Q(external_id=""),
                name="shipment_unique_external_id",
            ),
            models.UniqueConstraint(
                fields=["merchant", "order", "tracking_number"],
                condition=models.Q(direction="return"),
                name="shipment_unique_return_number",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "tracking_number"]),
            models.Index(fields=["merchant", "status"]),
            models.Index(fields=["merchant", "carrier"]),
            models.Index(fields=["merchant", "is_delayed"]),
            # Delivery promises (analytics): the parcels delivered in a period.
            models.Index(fields=["merchant", "delivered_at"], name="shipment_delivered_at"),
        ]

    def __str__(self):
        return f"{self.carrier} {self.tracking_number}".strip()

    @property
    def carrier_problem(self) -> str:
        """Why the number's carrier could not be checked (the tracking-numbers package failed), or ""."""
        return detect(self.tracking_number).problem if self.tracking_number else ""


class TrackingEvent(TenantModel):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=24, choices=ShipmentStatus.choices)
    substatus = models.CharField(max_length=64, blank=True)
    description = models.CharField(max_length=500, blank=True)
    city = models.CharField(max_length=120, blank=True)
    country = models.CharField(max_length=2, blank=True)
    occurred_at = models.DateTimeField()
    source = models.CharField(max_length=20)  # shopify, woocommerce, aftership, easypost, api, staff, poll
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "status", "occurred_at", "description"], name="trackingevent_unique"
            )
        ]

    def __str__(self):
        return f"{self.status} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class UnmatchedTrackingEvent(TenantModel):
    """A provider event whose tracking number matches none of the merchant's shipments.

    Kept for staff rather than dropped: the shipment may arrive later, or the number was mistyped.
    """

    source = models.CharField(max_length=20)
    tracking_number = models.CharField(max_length=64)
    carrier = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=24, choices=ShipmentStatus.choices, blank=True)
    description = models.CharField(max_length=500, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    delivery = models.ForeignKey(
        "integrations.WebhookDelivery", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "tracking_number"])]

    def __str__(self):
        return f"unmatched {self.source} {self.tracking_number}"


class CarrierSetting(TenantModel):
    """A merchant's settings for one carrier: when to call a shipment late, and how to poll it."""

    carrier = models.CharField(max_length=40)
    delay_threshold_days = models.PositiveSmallIntegerField(_("days without news before a shipment is late"), default=3)
    polling_adapter = models.CharField(_("polling adapter"), max_length=40, blank=True)
    # Transit time in business days used until 20 deliveries give us this merchant's own figures.
    default_transit_min_days = models.PositiveSmallIntegerField(null=True, blank=True)
    default_transit_max_days = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["carrier"]
        constraints = [models.UniqueConstraint(fields=["merchant", "carrier"], name="carriersetting_unique")]

    def __str__(self):
        return f"{self.carrier} settings"


class WismoContact(TenantModel):
    """A customer asked "where is my order?" from the tracking page."""

    class Reason(models.TextChoices):
        NO_NEWS = "no_news", _("No news about my parcel")
        LATE = "late", _("My parcel is late")
        MARKED_DELIVERED = "marked_delivered", _("Marked as delivered but I don't have it")
        DAMAGED = "damaged", _("My parcel arrived damaged")
        OTHER = "other", _("Something else")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="wismo_contacts")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    message = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "created_at"])]


class TrackingPageView(TenantModel):
    """One view of an order's tracking page (WISMO deflection is measured from these)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="tracking_page_views")
    viewed_at = models.DateTimeField(default=timezone.now)
    language = models.CharField(max_length=8, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["merchant", "order", "viewed_at"]),
            models.Index(fields=["merchant", "viewed_at"]),
        ]


class RecommendationClick(TenantModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("catalogue.Product", on_delete=models.CASCADE, related_name="clicks")
    clicked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["merchant", "clicked_at"])]
