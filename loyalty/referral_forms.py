from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ValueType


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        error_messages={
            "required": _("Enter your email address: your welcome code is sent there."),
            "invalid": _("Enter a whole email address, such as camille@example.org."),
        },
    )


class ReferralSettingsForm(forms.Form):
    enabled = forms.BooleanField(label=_("Referrals on"), required=False)
    referrer_points = forms.IntegerField(
        label=_("Points for the referrer"),
        min_value=1,
        max_value=100_000,
        help_text=_("Earned when the friend's first order can no longer be returned (the program's pending days)."),
    )
    friend_value_type = forms.ChoiceField(label=_("Friend's welcome offer"), choices=ValueType.choices)
    friend_value = forms.DecimalField(
        label=_("Offer value"),
        min_value=Decimal(0),
        max_digits=8,
        decimal_places=2,
        help_text=_("An amount in the shop's currency, or a percentage from 1 to 100; ignored for free shipping."),
    )
    minimum_subtotal = forms.DecimalField(
        label=_("Minimum order subtotal"), required=False, min_value=Decimal(0), max_digits=10, decimal_places=2
    )
    monthly_cap = forms.IntegerField(
        label=_("Rewarded referrals per referrer per month"),
        min_value=1,
        max_value=1000,
        help_text=_("Friends past this number in a calendar month are blocked, and listed with the reason."),
    )

    def clean(self):
        data = super().clean()
        kind, value = data.get("friend_value_type"), data.get("friend_value")
        if kind == ValueType.PERCENTAGE and value is not None and not Decimal(1) <= value <= Decimal(100):
            self.add_error("friend_value", _("A percentage from 1 to 100."))
        if kind == ValueType.FIXED_AMOUNT and value is not None and value <= 0:
            self.add_error("friend_value", _("An amount above zero."))
        return data
