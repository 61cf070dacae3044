"""Referrals: a member's invitation link, and each friend invited through it (loyalty/referrals.py).

A member shares `/invite/<shop>/<code>/`; a friend who leaves their email there gets a single-use
welcome code made in the shop (a `discount_code` shop action), emailed to them. The friend's order
that carries that code links the referral; the referrer earns points once that order can no longer
come back. Referrals that fail an abuse check are kept, blocked, with the reason, for staff.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.scoping import TenantModel

REFERRAL_CODE_LENGTH = 8  # the link's code: 31^8 ≈ 8.5e11 values, unguessable behind the rate limits
WELCOME_CODE_LENGTH = 32


class ValueType(models.TextChoices):
    FIXED_AMOUNT = "fixed_amount", _("Amount off")
    PERCENTAGE = "percentage", _("Percentage off")
    FREE_SHIPPING = "free_shipping", _("Free shipping")


class ReferralSettings(TenantModel):
    """A shop's referral program; it runs while the loyalty program is on and this is switched on."""

    enabled = models.BooleanField(_("referrals on"), default=False)
    referrer_points = models.PositiveIntegerField(_("points for the referrer"), default=500)
    friend_value_type = models.CharField(
        _("friend's welcome offer"), max_length=16, choices=ValueType.choices, default=ValueType.PERCENTAGE
    )
    friend_value = models.DecimalField(_("offer value"), max_digits=8, decimal_places=2, default=10)
    minimum_subtotal = models.DecimalField(
        _("minimum order subtotal"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    monthly_cap = models.PositiveSmallIntegerField(_("rewarded referrals per referrer per month"), default=10)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="referralsettings_one_per_merchant")]


class ReferralLink(TenantModel):
    """A member's own link: made once, on first use, and never changed (it is shared and printed)."""

    customer = models.ForeignKey("orders.Customer", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("referral code"), max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "customer"], name="referrallink_one_per_customer"),
            models.UniqueConstraint(fields=["merchant", "code"], name="referrallink_unique_code"),
        ]

    def __str__(self):
        return self.code


class ReferralStatus(models.TextChoices):
    CODE_REQUESTED = "code_requested", pgettext_lazy("referral", "Code requested")
    SENT = "sent", pgettext_lazy("referral", "Code sent")
    CODE_FAILED = "code_failed", pgettext_lazy("referral", "Code failed")
    ORDERED = "ordered", pgettext_lazy("referral", "Ordered, points pending")
    COMPLETED = "completed", pgettext_lazy("referral", "Rewarded")
    REVERSED = "reversed", pgettext_lazy("referral", "Order returned")
    BLOCKED = "blocked", pgettext_lazy("referral", "Blocked")


class BlockReason(models.TextChoices):
    SAME_EMAIL = "same_email", _("Same email as the referrer")
    SAME_CUSTOMER = "same_customer", _("The referrer themself")
    SAME_ADDRESS = "same_address", _("Same shipping address as the referrer")
    SAME_PHONE = "same_phone", _("Same phone as the referrer")
    ALREADY_ORDERED = "already_ordered", _("Friend already ordered")
    MONTHLY_CAP = "monthly_cap", _("Referrer's monthly limit reached")


class Referral(TenantModel):
    link = models.ForeignKey(ReferralLink, on_delete=models.PROTECT, related_name="referrals")
    referrer = models.ForeignKey("orders.Customer", on_delete=models.PROTECT, related_name="+")
    # The friend as a customer of the shop (found by email, or made for the welcome email).
    friend = models.ForeignKey("orders.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    friend_email = models.EmailField(_("friend's email"), blank=True)  # lower-cased; blank once erased
    status = models.CharField(_("status"), max_length=16, choices=ReferralStatus.choices)
    block_reason = models.CharField(_("reason"), max_length=16, choices=BlockReason.choices, blank=True)
    welcome_code = models.CharField(_("welcome code"), max_length=WELCOME_CODE_LENGTH, blank=True)
    order = models.ForeignKey("orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The referrer's points: pending until the friend's order can no longer come back.
    reward = models.ForeignKey(
        "loyalty.PointsEntry", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ordered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One welcome code per friend email per shop, whoever invites them.
            models.UniqueConstraint(
                fields=["merchant", "friend_email"],
                condition=~models.Q(status="blocked") & ~models.Q(friend_email=""),  # blank: erased
                name="referral_one_code_per_friend",
            ),
            models.UniqueConstraint(
                fields=["merchant", "welcome_code"], condition=~models.Q(welcome_code=""), name="referral_unique_code"
            ),
            models.CheckConstraint(
                condition=models.Q(status="blocked", block_reason__gt="") | ~models.Q(status="blocked"),
                name="referral_blocked_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "status", "-created_at"], name="referral_list_by_status"),
            models.Index(fields=["referrer", "ordered_at"], name="referral_rewarded_by_month"),
        ]

    def __str__(self):
        return f"{self.friend_email} ({self.status})"
