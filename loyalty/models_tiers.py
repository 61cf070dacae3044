"""Tiers, per-customer membership facts (portal opened, birthday) and the rules of bonuses.

Kept apart from models.py (imported at its end) so the ledger's models stay as they are: tiers and
perks only write to the ledger through services.points_grant.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.scoping import TenantModel


class TierBasis(models.TextChoices):
    POINTS = "points", _("Points earned")
    AMOUNT = "amount", _("Amount spent")


class TierPeriod(models.TextChoices):
    CALENDAR_YEAR = "calendar_year", _("Calendar year")
    ROLLING_12_MONTHS = "rolling_12_months", _("Last 12 months")
    LIFETIME = "lifetime", _("Lifetime")


class MembershipSettings(TenantModel):
    """How tiers are reached, and the program's perks; one per shop (defaults while never saved)."""

    tier_basis = models.CharField(
        _("tiers are reached on"), max_length=12, choices=TierBasis.choices, default=TierBasis.POINTS
    )
    tier_period = models.CharField(
        _("counted over"), max_length=20, choices=TierPeriod.choices, default=TierPeriod.CALENDAR_YEAR
    )
    # The Nth order placed earns `bonus_points` once; 0 switches the bonus off.
    bonus_order_number = models.PositiveSmallIntegerField(_("bonus on order number"), default=0)
    bonus_points = models.PositiveIntegerField(_("bonus points"), default=0)
    birthday_points = models.PositiveIntegerField(_("birthday points"), default=0)  # 0: none
    members_only = models.BooleanField(_("members only after they open their loyalty page"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="membershipsettings_one_per_merchant")]


class Tier(TenantModel):
    name_en = models.CharField(_("name in English"), max_length=60)
    name_fr = models.CharField(_("name in French"), max_length=60)
    # Points, or whole currency units when the shop counts the amount spent.
    threshold = models.PositiveIntegerField(_("threshold"))
    multiplier = models.DecimalField(
        _("purchase points multiplier"),
        max_digits=4,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(1)), MaxValueValidator(Decimal(10))],
    )
    entry_points = models.PositiveIntegerField(_("points on reaching the tier"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["threshold"]
        constraints = [
            # Deferred: the editor may swap two tiers' thresholds in one save.
            models.UniqueConstraint(
                fields=["merchant", "threshold"],
                name="tier_unique_threshold",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.CheckConstraint(
                condition=models.Q(multiplier__gte=1, multiplier__lte=10), name="tier_multiplier_1_to_10"
            ),
        ]

    def name(self, language: str) -> str:
        return self.name_fr if language == "fr" else self.name_en

    def __str__(self):
        return f"{self.name_en} ({self.threshold})"


class TierTerm(TenantModel):
    """A customer holding a tier: from `reached_at` to the end of `term_ends_on` (None: for life).

    Append-only history: a term is closed (`ended_at`) when a higher tier replaces it or, after its
    last day, when the customer no longer qualifies; one term at most is open per account.
    """

    account = models.ForeignKey("loyalty.Account", on_delete=models.PROTECT, related_name="tier_terms")
    tier = models.ForeignKey(Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="terms")
    # The names when reached: the history reads the same after the shop renames or removes the tier.
    name_en = models.CharField(max_length=60)
    name_fr = models.CharField(max_length=60)
    threshold = models.PositiveIntegerField(default=0)  # its rank once the tier is removed
    reached_at = models.DateTimeField()
    term_ends_on = models.DateField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-reached_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=models.Q(ended_at__isnull=True), name="tierterm_one_open_per_account"
            )
        ]
        indexes = [models.Index(fields=["merchant", "tier"], name="tierterm_by_tier")]

    def name(self, language: str) -> str:
        return self.name_fr if language == "fr" else self.name_en


class MemberProfile(TenantModel):
    """What a customer told or did on their loyalty page: kept even before they earn anything."""

    customer = models.ForeignKey("orders.Customer", on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(null=True, blank=True)  # first visit of the loyalty page
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    birthday_changed_at = models.DateTimeField(null=True, blank=True)  # the last change after the first date given
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "customer"], name="memberprofile_one_per_customer")]
