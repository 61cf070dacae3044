"""The shop's products we may suggest, and the merchant's rule for choosing them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.scoping import TenantModel


class Source(models.TextChoices):
    """Where a product's data comes from; the latest delivery of any source wins."""

    SHOPIFY = "shopify", "Shopify"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    API = "api", _("API")
    ORDERS = "orders", _("Past orders")


MONEY = {"max_digits": 15, "decimal_places": 3}


class Product(TenantModel):
    """A product of the shop: the one catalogue, kept in sync by the shop's webhooks and the API.

    Products first seen in past line items (source "orders") carry no variants until the shop sends
    them. Only products with a page on the shop (url), sold by the shop (for_sale) and allowed by
    staff (active) are ever suggested, so a click always lands somewhere real.
    """

    product_id = models.CharField(max_length=64, help_text="The shop's product id.")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.ORDERS)
    title = models.CharField(max_length=255)
    handle = models.CharField(max_length=255, blank=True)
    product_type = models.CharField(max_length=120, blank=True)
    tags = models.JSONField(default=list, blank=True)
    image_url = models.URLField(max_length=500, blank=True)
    url = models.URLField(_("product page"), max_length=500, blank=True)
    active = models.BooleanField(default=True, help_text="Staff allow suggesting it.")
    for_sale = models.BooleanField(default=True, help_text="The shop sells it: published and not deleted.")
    deleted_at = models.DateTimeField(null=True, blank=True)
    source_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="The shop's updated_at of the version stored: older ones change nothing."
    )
    synced_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "product_id"], name="product_unique_product_id")]
        indexes = [
            models.Index(fields=["merchant", "product_type"]),
            models.Index(fields=["merchant", "source"]),
        ]

    def __str__(self):
        return self.title


class Variant(TenantModel):
    """One sellable version of a product (a size, a colour), with its price and stock."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    variant_id = models.CharField(max_length=64, help_text="The shop's variant id.")
    sku = models.CharField(max_length=120, blank=True)
    title = models.CharField(max_length=255, blank=True)
    options = models.JSONField(default=list, blank=True, help_text='Ordered [{"name": "Size", "value": "M"}].')
    position = models.PositiveIntegerField(default=0)
    price = models.DecimalField(**MONEY)
    compare_at_price = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3)
    image_url = models.URLField(max_length=500, blank=True)
    available = models.IntegerField(null=True, blank=True, help_text="Units in stock; null when not tracked.")
    # Per location, from Shopify's inventory_levels/update: {location id: {"available", "updated_at"}}.
    stock_levels = models.JSONField(default=dict, blank=True)
    inventory_item_id = models.CharField(max_length=64, blank=True)
    active = models.BooleanField(default=True)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["product", "variant_id"], name="variant_unique_per_product")]
        indexes = [models.Index(fields=["merchant", "inventory_item_id"])]

    def __str__(self):
        return self.title or self.sku or self.variant_id

    @property
    def in_stock(self) -> bool:
        return self.available is None or self.available > 0


class RecommendationRule(TenantModel):
    """How the tracking page and the emails pick the products they suggest (one rule per merchant)."""

    class Mode(models.TextChoices):
        OFF = "off", _("No suggestions")
        BOUGHT_TOGETHER = "bought_together", _("Often bought with what the order contains")
        PRODUCT_TYPE = "product_type", _("Same product type as the order")
        TAGS = "tags", _("Sharing a tag with the order")
        PICKED = "picked", _("Products I pick")

    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.OFF)
    picked = models.ManyToManyField(Product, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="recommendationrule_one_per_merchant")]


class ReservationStatus(models.TextChoices):
    ACTIVE = "active", _("Reserved")
    USED = "used", _("Ordered")  # the shop's order for it exists: its own stock count takes over
    RELEASED = "released", _("Released")


class Reservation(TenantModel):
    """Units of a variant promised to someone (an exchange) before the shop's stock shows it.

    What may still be promised is the variant's `available` minus its active reservations
    (catalogue/reservations.py); a reservation ends when the shop's order for it exists (used) or
    when the promise is withdrawn (released). `key` names what it is for, once per merchant.
    """

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="reservations")
    quantity = models.PositiveIntegerField()
    key = models.CharField(max_length=120)
    status = models.CharField(max_length=8, choices=ReservationStatus.choices, default=ReservationStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "key"], name="reservation_unique_key")]
        indexes = [
            models.Index(fields=["variant"], condition=models.Q(status="active"), name="reservation_active"),
        ]
