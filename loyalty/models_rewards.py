"""Rewards a shop offers for points, and the customers' redemptions of them.

A reward is never deleted: a deleted one is marked so (`deleted_at`), leaves the lists and can no
longer be redeemed, while the redemptions made of it keep pointing at it. A redemption spends the
points (a `redeemed` entry) and, for a discount, asks the shop for a single-use code through the
shop-actions outbox; the points come back (a `given_back` entry) only if the shop never makes it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.scoping import TenantModel


class RewardKind(models.TextChoices):
    AMOUNT_OFF = "amount_off", pgettext_lazy("loyalty reward", "Amount off")
    PERCENTAGE_OFF = "percentage_off", pgettext_lazy("loyalty reward", "Percentage off")
    FREE_SHIPPING = "free_shipping", pgettext_lazy("loyalty reward", "Free shipping")
    STORE_CREDIT = "store_credit", pgettext_lazy("loyalty reward", "Store credit")


class Reward(TenantModel):
    kind = models.CharField(_("kind"), max_length=16, choices=RewardKind.choices)
    points = models.PositiveIntegerField(_("points"))
    # The amount off or credited (in the shop's currency), the percent off; 0 for free shipping.
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2, default=0)
    name_en = models.CharField(_("name in English"), max_length=80)
    name_fr = models.CharField(_("name in French"), max_length=80)
    active = models.BooleanField(_("offered to customers"), default=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["points", "id"]
        indexes = [models.Index(fields=["merchant", "points"], name="reward_by_points")]
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gt=0), name="reward_points_positive"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="reward_value_not_negative"),
        ]

    def name(self, language: str) -> str:
        return self.name_fr if language == "fr" and self.name_fr else self.name_en

    def __str__(self):
        return f"{self.name_en} ({self.points})"


class RedemptionStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("loyalty redemption", "Waiting for the shop")
    ISSUED = "issued", pgettext_lazy("loyalty redemption", "Issued")
    GIVEN_BACK = "given_back", pgettext_lazy("loyalty redemption", "Points given back")
    USED = "used", pgettext_lazy("loyalty redemption", "Used in an order")
    EXPIRED = "expired", pgettext_lazy("loyalty redemption", "Expired unused, points given back")


class Redemption(TenantModel):
    customer = models.ForeignKey("orders.Customer", on_delete=models.PROTECT, related_name="+")
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    # What the reward was when redeemed: the merchant may change it later.
    kind = models.CharField(_("kind"), max_length=16, choices=RewardKind.choices)
    points = models.PositiveIntegerField(_("points"))
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        _("status"), max_length=12, choices=RedemptionStatus.choices, default=RedemptionStatus.PENDING
    )
    # The request's key (a form shown once, an API Idempotency-Key's hash): a double submit redeems once.
    key = models.CharField(_("idempotency key"), max_length=200)
    code = models.CharField(_("code"), max_length=40, blank=True)  # ours, given to the shop
    shop_reference = models.CharField(max_length=255, blank=True)
    spent = models.OneToOneField("loyalty.PointsEntry", on_delete=models.PROTECT, related_name="redemption")
    expires_at = models.DateTimeField(null=True, blank=True)  # the code's end, when the shop set a validity
    issued_at = models.DateTimeField(null=True, blank=True)
    given_back_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "key"], name="redemption_unique_key")]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="redemption_by_customer"),
            models.Index(fields=["expires_at"], condition=models.Q(status="issued"), name="redemption_expiring"),
        ]

    def __str__(self):
        return f"{self.kind} {self.points} ({self.status})"
