"""Reviews: where the shop asks customers to review it, the clicks on those links, and the reviews
the shop or its review app reports back (docs/reviews.md)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.scoping import TenantModel


class Destination(models.TextChoices):
    """Where an invitation may send a customer to write a review."""

    GOOGLE = "google", "Google"
    TRUSTPILOT = "trustpilot", "Trustpilot"
    PRODUCT = "product", _("The product's page on your shop")
    APP = "app", _("Your review app")


class ReviewApp(models.TextChoices):
    JUDGEME = "judgeme", "Judge.me"
    YOTPO = "yotpo", "Yotpo"
    OTHER = "other", _("Other")


class ReviewSettings(TenantModel):
    """One row per shop: its review destinations and which of them invitations show."""

    google_url = models.URLField(_("Google review link"), max_length=500, blank=True)
    trustpilot_url = models.URLField(_("Trustpilot review link"), max_length=500, blank=True)
    app = models.CharField(_("review app"), max_length=16, choices=ReviewApp.choices, blank=True)
    app_url = models.URLField(_("review app link"), max_length=500, blank=True)
    shown = models.JSONField(default=list, blank=True)  # Destination values, in the order shown
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="reviewsettings_one_per_merchant")]


class ReviewClick(TenantModel):
    """The clicks on one invitation's link to one destination: counted each time, first one dated.

    `key` names the invitation: "response:12" (a survey answer's thank-you page), "order:34" (an
    email about an order), "customer:56" (an email about a customer). A click is a visit of the
    link, maybe by a mail scanner, never a review.
    """

    key = models.CharField(max_length=64)
    destination = models.CharField(max_length=16, choices=Destination.choices)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("orders.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    clicks = models.PositiveIntegerField(default=1)
    first_clicked_at = models.DateTimeField()
    last_clicked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "key", "destination"], name="reviewclick_once_per_link")
        ]
        indexes = [models.Index(fields=["merchant", "first_clicked_at"])]


class Platform(models.TextChoices):
    SHOP = "shop", _("The shop")
    JUDGEME = "judgeme", "Judge.me"
    GOOGLE = "google", "Google"
    TRUSTPILOT = "trustpilot", "Trustpilot"
    OTHER = "other", _("Other")


class Review(TenantModel):
    """A review a customer wrote somewhere, as the shop or its review app reported it to us."""

    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("orders.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    product_id = models.CharField(max_length=64, blank=True)  # the shop's product id
    rating = models.PositiveSmallIntegerField()
    platform = models.CharField(max_length=16, choices=Platform.choices)
    external_id = models.CharField(max_length=128)  # the review's id on its platform
    url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField()  # when the customer wrote it
    reported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "platform", "external_id"], name="review_unique_external_id"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"),
            models.CheckConstraint(
                condition=Q(order__isnull=False) | Q(customer__isnull=False), name="review_names_order_or_customer"
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "created_at"]),
            models.Index(fields=["merchant", "order"]),
            models.Index(fields=["merchant", "customer"]),
        ]
