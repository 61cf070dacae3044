"""Customers, orders and the order timeline."""

from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import TenantModel
from merchants.models import LANGUAGE_CHOICES

# 12 integer digits and 3 decimals: the most any currency's minor unit has (KWD, TND...).
# Each amount's decimals are checked against its own currency when it comes in.
MONEY = {"max_digits": 15, "decimal_places": 3, "default": Decimal(0)}


class Customer(TenantModel):
    external_id = models.CharField(max_length=64, blank=True)
    email = models.EmailField(blank=True)
    first_name = models.CharField(max_length=120, blank=True)
    last_name = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=8, choices=LANGUAGE_CHOICES, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    accepts_marketing = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    redacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "external_id"],
                condition=~models.Q(external_id=""),
                name="customer_unique_external_id",
            )
        ]
        indexes = [models.Index(fields=["merchant", "email"])]

    def __str__(self):
        return self.email or f"customer {self.pk}"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()


class FinancialStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    AUTHORIZED = "authorized", _("Authorized")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")
    VOIDED = "voided", _("Voided")
    EXPIRED = "expired", _("Expired")


class FulfillmentStatus(models.TextChoices):
    UNFULFILLED = "unfulfilled", _("Unfulfilled")
    PARTIAL = "partial", _("Partially fulfilled")
    FULFILLED = "fulfilled", _("Fulfilled")
    RESTOCKED = "restocked", _("Restocked")


class Order(TenantModel):
    external_id = models.CharField(max_length=64)
    number = models.CharField(max_length=64, help_text="As the customer sees it, e.g. #1001.")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    email = models.EmailField(blank=True, help_text="Contact email on the order (guest orders have no customer).")
    language = models.CharField(max_length=8, blank=True)
    placed_at = models.DateTimeField()
    # The shop's own update time: an older version never overwrites a newer one.
    source_updated_at = models.DateTimeField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(**MONEY)
    shipping = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)
    discount = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    refunded_amount = models.DecimalField(**MONEY)
    financial_status = models.CharField(max_length=24, choices=FinancialStatus.choices, default=FinancialStatus.PENDING)
    fulfillment_status = models.CharField(
        max_length=24, choices=FulfillmentStatus.choices, default=FulfillmentStatus.UNFULFILLED
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=64, blank=True)
    shipping_name = models.CharField(max_length=200, blank=True)
    shipping_address1 = models.CharField(max_length=255, blank=True)
    shipping_address2 = models.CharField(max_length=255, blank=True)
    shipping_city = models.CharField(max_length=120, blank=True)
    shipping_postal_code = models.CharField(max_length=32, blank=True)
    shipping_country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    source_platform = models.CharField(max_length=20, default="api")  # api, shopify, woocommerce, demo
    landing_site = models.CharField(max_length=500, blank=True)
    referring_site = models.CharField(max_length=500, blank=True)
    # How it was paid, as the shop says: [{"code": "SPRING10", "amount": "5.00", "type": "percentage"}] (type
    # is Shopify's; WooCommerce coupons have none) and the payment gateways' names (Shopify's "gift_card" is a
    # gift card payment). Read them with selectors.order_payment_facts.
    discount_codes = models.JSONField(default=list, blank=True)
    payment_gateways = models.JSONField(default=list, blank=True)
    # The return this order replaces items for ("RMA-1042"): an exchange made in the shop for a return, not a
    # new purchase. It gets no order confirmation nor journey emails (flows) and counts as no repeat purchase.
    exchange_for_rma = models.CharField(max_length=64, blank=True)
    test = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "external_id"], name="order_unique_external_id")]
        indexes = [
            models.Index(fields=["merchant", "-placed_at"]),
            models.Index(fields=["merchant", "number"]),
            models.Index(fields=["merchant", "email"]),
            models.Index(fields=["merchant", "financial_status"]),
            models.Index(fields=["merchant", "fulfillment_status"]),
            models.Index(
                fields=["merchant", "exchange_for_rma"],
                condition=~models.Q(exchange_for_rma=""),
                name="order_exchange_for_rma",
            ),
        ]
        ordering = ["-placed_at"]

    def __str__(self):
        return self.number


# Counted orders (docs/kpis.md), in SQL over orders_order as `o`: not cancelled, not test orders, not
# exchange orders. Every figure that counts orders or revenue (analytics, flows' email figures) uses it.
COUNTED_SQL = "o.cancelled_at IS NULL AND NOT o.test AND o.exchange_for_rma = ''"


class LineItem(TenantModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="line_items")
    external_id = models.CharField(max_length=64, blank=True)
    sku = models.CharField(max_length=120, blank=True)
    product_id = models.CharField(max_length=64, blank=True)
    variant_id = models.CharField(max_length=64, blank=True)
    title = models.CharField(max_length=255)
    variant_title = models.CharField(max_length=255, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**MONEY)
    product_type = models.CharField(max_length=120, blank=True)
    tags = models.JSONField(default=list, blank=True)
    image_url = models.URLField(max_length=500, blank=True)
    quantity_refunded = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        # By product id: the recommendation engine counts what is bought together on every tracking page view.
        indexes = [models.Index(fields=["merchant", "product_type"]), models.Index(fields=["merchant", "product_id"])]

    @property
    def line_total(self):
        return self.unit_price * self.quantity

    def __str__(self):
        return f"{self.quantity} × {self.title}"


class Refund(TenantModel):
    """Money given back on an order, once per refund id of the shop (a redelivery adds nothing)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    external_id = models.CharField(max_length=64)
    # The same refund's id on the other path, once it came: the shop's refund id when staff confirmed a
    # refund done by hand under their own reference first, or that reference when the shop's came first.
    other_external_id = models.CharField(max_length=64, blank=True)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    # [{"line_item_id": 12, "quantity": 1}, ...]: the items given back, if any.
    line_items = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=500, blank=True)
    source = models.CharField(max_length=20, default="api")
    refunded_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["refunded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "order", "external_id"], name="refund_unique_external_id")
        ]

    def __str__(self):
        return f"refund {self.external_id} {self.amount} {self.currency}"


class OrderEvent(TenantModel):
    """One step of an order's journey, and the outbox for its side effects.

    Written in the same transaction as the change it records. `published_at` is set
    once every subscriber has run; a periodic sweep republishes the rest.

    Some events concern a customer rather than an order (points earned, a survey due): they name
    the `customer` and an `anchor_key` saying what they are about ("nps:2026-Q4", "referral:123"),
    so the emails they start go out once per customer and key (docs/flows.md).
    """

    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    anchor_key = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=64, db_index=True)  # e.g. order.created, shipment.delivered
    payload = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["merchant", "order", "occurred_at"]),
            models.Index(
                fields=["created_at"], condition=models.Q(published_at__isnull=True), name="orderevent_unpublished"
            ),
            models.Index(fields=["customer"], condition=models.Q(customer__isnull=False), name="orderevent_customer"),
        ]
        constraints = [
            # An event about a customer (no order) says what it is about: its emails are unique per that key.
            models.CheckConstraint(
                condition=models.Q(customer__isnull=True) | models.Q(order__isnull=False) | ~models.Q(anchor_key=""),
                name="orderevent_customer_has_anchor_key",
            )
        ]

    def __str__(self):
        return f"{self.kind} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class DataExport(TenantModel):
    """The personal data we hold on one customer, gathered for a data request (e.g. customers/data_request).

    Staff with the admin role download it and pass it on; a later erasure deletes it too.
    """

    source = models.CharField(max_length=20)  # shopify, woocommerce, staff
    request_id = models.CharField(max_length=64, blank=True, help_text="The shop's data request id.")
    customer_external_id = models.CharField(max_length=64, blank=True)
    email = models.CharField(max_length=254, blank=True)
    data = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    delivery = models.ForeignKey(
        "integrations.WebhookDelivery", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "source", "request_id"],
                condition=~models.Q(request_id=""),
                name="dataexport_unique_request",
            )
        ]

    def __str__(self):
        return f"data export {self.request_id or self.pk}"
