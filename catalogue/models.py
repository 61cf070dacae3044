"""The shop's products we may suggest, and the merchant's rule for choosing them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.scoping import TenantModel


class Product(TenantModel):
    """A product of the shop that the tracking page and the emails may suggest.

    Filled from the merchant's own past line items; only products with a page on the shop
    (url) are ever suggested, so a click always lands somewhere real.
    """

    product_id = models.CharField(max_length=64, help_text="The shop's product id.")
    title = models.CharField(max_length=255)
    product_type = models.CharField(max_length=120, blank=True)
    tags = models.JSONField(default=list, blank=True)
    image_url = models.URLField(max_length=500, blank=True)
    url = models.URLField(_("product page"), max_length=500, blank=True)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "product_id"], name="product_unique_product_id")]
        indexes = [models.Index(fields=["merchant", "product_type"])]

    def __str__(self):
        return self.title


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
