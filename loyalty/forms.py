import math
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from .expiry import REMINDER_BEFORE
from .services import MAX_ADJUSTMENT, NOTE_LENGTH


class AdjustmentForm(forms.Form):
    """Staff add or take away points; the balance is the service's check."""

    points = forms.IntegerField(
        label=_("Points"),
        help_text=_("Negative to take points away, e.g. -50."),
        min_value=-MAX_ADJUSTMENT,
        max_value=MAX_ADJUSTMENT,
    )
    reason = forms.CharField(label=_("Reason"), max_length=NOTE_LENGTH, help_text=_("Kept with the entry."))
    # One key per form shown: a double click or a resent form makes one entry.
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4().hex)


MAX_REVIEW_POINTS = 10_000
# Points stay usable at least the reminder's 30 days after they become available.
EXPIRY_NOTICE_DAYS = REMINDER_BEFORE.days
SHORTEST_MONTH_DAYS = 28


class LoyaltySettingsForm(forms.Form):
    enabled = forms.BooleanField(label=_("Loyalty program on"), required=False)
    points_per_unit = forms.IntegerField(
        label=_("Points per currency unit spent"),
        min_value=1,
        max_value=1000,
        help_text=_("Whole points, rounded down: 1 point per euro makes 42 points for €42.90."),
    )
    deduct_discounts = forms.BooleanField(label=_("No points on discounts"), required=False)
    include_shipping = forms.BooleanField(label=_("Points on shipping"), required=False)
    include_tax = forms.BooleanField(label=_("Points on tax"), required=False)
    pending_days = forms.IntegerField(
        label=_("Days points stay pending"),
        min_value=0,
        max_value=365,
        help_text=_(
            "Counted from the order's date, so that returned items earn nothing; 0 makes points available "
            "at once (they are taken back on a refund)."
        ),
    )
    reward_code_days = forms.IntegerField(
        label=_("Days a reward code stays valid"),
        required=False,
        min_value=1,
        max_value=730,
        help_text=_(
            "A discount code not used in an order within these days expires and its points are given back. "
            "Leave empty for codes that never expire."
        ),
    )
    expiry_months = forms.IntegerField(
        label=_("Points expire after this many months without activity"),
        required=False,
        min_value=0,
        max_value=120,
        help_text=_(
            "Empty or 0: points never expire. Activity is any points earned or spent. Customers get a "
            "reminder email 30 days before; points never expire sooner than 30 days after it."
        ),
    )
    review_points = forms.IntegerField(
        label=_("Points for a review"),
        required=False,
        min_value=0,
        max_value=MAX_REVIEW_POINTS,
        help_text=_(
            "Empty or 0: none. Once per product per customer, for a review written on your own shop or "
            "through your review app, whatever its rating. Never for Google or Trustpilot reviews: "
            "their rules forbid any reward for a review. Customers see on their loyalty page that "
            "reviews earn points."
        ),
    )

    def clean_expiry_months(self):
        months = self.cleaned_data.get("expiry_months") or 0
        pending_days = self.cleaned_data.get("pending_days") or 0
        shortest = math.ceil((pending_days + EXPIRY_NOTICE_DAYS) / SHORTEST_MONTH_DAYS)
        if months and months < shortest:
            raise forms.ValidationError(
                _(
                    "Points would expire too soon after they become available: with points pending for "
                    "%(days)s days, choose at least %(months)s months, or 0 for never."
                )
                % {"days": pending_days, "months": shortest}
            )
        return months

    def clean_review_points(self):
        return self.cleaned_data.get("review_points") or 0


class BackfillForm(forms.Form):
    """Award points for past orders: all of them, or those placed from a day on."""

    since = forms.DateField(
        label=_("Orders placed from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for every past order."),
    )
