"""Loyalty points: a shop's program settings, one account per customer and its append-only ledger.

An entry moves points between three balances at once, by signed deltas: `pending` (earned, not yet
spendable), `available` and `debt` (points taken back that the customer no longer had). An account's
cached balances are the sums of its entries' deltas, written in the same transaction as each entry
under the account's row lock (services.py). Entries are never edited nor deleted.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.scoping import TenantModel


class LoyaltySettings(TenantModel):
    """A shop's program. Points are earned on the amount paid, in whole points, rounded down."""

    enabled = models.BooleanField(_("loyalty program on"), default=False)
    points_per_unit = models.PositiveIntegerField(_("points per currency unit spent"), default=1)
    deduct_discounts = models.BooleanField(_("no points on discounts"), default=True)
    include_shipping = models.BooleanField(_("points on shipping"), default=False)
    include_tax = models.BooleanField(_("points on tax"), default=False)
    # Points wait this many days after the order is placed before they can be spent, so that what
    # comes back earns nothing; 0: available at once (reversed on a refund).
    pending_days = models.PositiveSmallIntegerField(_("days points stay pending"), default=30)
    # A reward's discount code unused this many days after it was made expires, its points given
    # back; None: codes never expire.
    reward_code_days = models.PositiveSmallIntegerField(_("days a reward code stays valid"), null=True, blank=True)
    # Available points expire after this many months without earning or spending (0: never; expiry.py).
    expiry_months = models.PositiveSmallIntegerField(_("months without activity before points expire"), default=0)
    # Points for a review on the shop's own site or review app, whatever its rating (0: none; review_points.py).
    review_points = models.PositiveIntegerField(_("points for a review"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="loyaltysettings_one_per_merchant")]


class Account(TenantModel):
    customer = models.ForeignKey("orders.Customer", on_delete=models.PROTECT, related_name="+")
    available = models.IntegerField(_("available points"), default=0)
    pending = models.IntegerField(_("pending points"), default=0)
    debt = models.IntegerField(_("points owed"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "customer"], name="loyaltyaccount_one_per_customer"),
            models.CheckConstraint(condition=models.Q(available__gte=0), name="loyaltyaccount_available_not_negative"),
            models.CheckConstraint(condition=models.Q(pending__gte=0), name="loyaltyaccount_pending_not_negative"),
            models.CheckConstraint(condition=models.Q(debt__gte=0), name="loyaltyaccount_debt_not_negative"),
        ]
        indexes = [models.Index(fields=["merchant", "-available"], name="loyaltyaccount_by_balance")]

    def __str__(self):
        return f"{self.customer_id}: {self.available} (+{self.pending} pending)"


class EntryKind(models.TextChoices):
    EARNED = "earned", pgettext_lazy("loyalty", "Earned")
    AVAILABLE = "available", pgettext_lazy("loyalty", "Became available")
    REVERSED = "reversed", pgettext_lazy("loyalty", "Reversed")
    CANCELLED = "cancelled", pgettext_lazy("loyalty", "Order cancelled")
    ADJUSTED = "adjusted", pgettext_lazy("loyalty", "Adjusted by staff")
    REDEEMED = "redeemed", pgettext_lazy("loyalty", "Redeemed")
    GIVEN_BACK = "given_back", pgettext_lazy("loyalty", "Given back")  # a redemption the shop never honoured
    EXPIRED = "expired", pgettext_lazy("loyalty", "Expired")


class Source(models.TextChoices):
    ORDER = "order", pgettext_lazy("loyalty source", "Order")
    REFUND = "refund", pgettext_lazy("loyalty source", "Refund")
    RETURN = "return", pgettext_lazy("loyalty source", "Return")
    STAFF = "staff", pgettext_lazy("loyalty source", "Staff")
    API = "api", pgettext_lazy("loyalty source", "API")
    REVIEW = "review", pgettext_lazy("loyalty source", "Review")
    REFERRAL = "referral", pgettext_lazy("loyalty source", "Referral")
    BIRTHDAY = "birthday", pgettext_lazy("loyalty source", "Birthday")
    BONUS = "bonus", pgettext_lazy("loyalty source", "Order bonus")
    TIER = "tier", pgettext_lazy("loyalty source", "Tier reward")
    REWARD = "reward", pgettext_lazy("loyalty source", "Reward")
    EXPIRY = "expiry", pgettext_lazy("loyalty source", "Expiry")


class PointsEntry(TenantModel):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    # Signed moves between the balances (a reversal: pending −a, available −b, debt +c).
    pending = models.IntegerField(default=0)
    available = models.IntegerField(default=0)
    debt = models.IntegerField(default=0)
    pending_after = models.IntegerField()
    available_after = models.IntegerField()
    debt_after = models.IntegerField()
    order = models.ForeignKey("orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    order_number = models.CharField(_("order"), max_length=64, blank=True)  # kept when the order is erased
    # The earning an entry moves points of (its maturation, reversal, cancellation): what is left
    # pending of an earning is the sum of its own and these entries' `pending`.
    earning = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="moves")
    key = models.CharField(_("idempotency key"), max_length=200)
    available_on = models.DateTimeField(null=True, blank=True)  # an earning's pending points mature then
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["merchant", "key"], name="pointsentry_unique_key")]
        indexes = [
            models.Index(fields=["account", "-created_at", "-id"], name="pointsentry_history"),
            models.Index(
                fields=["available_on"],
                condition=models.Q(kind="earned", pending__gt=0),
                name="pointsentry_maturing",
            ),
        ]

    @property
    def points(self) -> int:
        """What the entry changed for the customer: spendable and pending points together."""
        return self.available + self.pending

    def __str__(self):
        return f"{self.kind} {self.points} ({self.key})"


class ExpiryReminder(TenantModel):
    """The reminder, 30 days ahead, that an inactive account's points expire: one per inactivity period.

    The period is named by the account's last activity (its latest earning or spending); a new
    activity starts a new period, and a new reminder when that one ends in turn. Points never expire
    before `expires_at`, at least 30 days after the reminder, however late it was sent.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="expiry_reminders")
    last_activity_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    points = models.IntegerField()  # available when reminded
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "last_activity_at"], name="expiryreminder_once_per_period")
        ]

    def __str__(self):
        return f"{self.account_id}: {self.points} on {self.expires_at:%Y-%m-%d}"


from loyalty.models_referrals import (  # noqa: E402,F401
    BlockReason,
    Referral,
    ReferralLink,
    ReferralSettings,
    ReferralStatus,
    ValueType,
)

# Rewards and redemptions live in their own module; Django finds models through this one.
from .models_rewards import Redemption, RedemptionStatus, Reward, RewardKind  # noqa: E402, F401
from .models_tiers import MemberProfile, MembershipSettings, Tier, TierBasis, TierPeriod, TierTerm  # noqa: E402, F401
