import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

NOTE_LENGTH = 500


class AdjustmentForm(forms.Form):
    """Staff add or take away credit. The amount's decimals and the balance are the service's checks."""

    amount = forms.DecimalField(
        label=_("Amount"), help_text=_("Negative to take credit away, e.g. -5.00."), max_digits=15, decimal_places=3
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)
    reason = forms.CharField(label=_("Reason"), max_length=NOTE_LENGTH, help_text=_("Kept with the entry."))
    # One key per form shown: a double click or a resent form makes one entry.
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("key", uuid.uuid4().hex)


class CreditSettingsForm(forms.Form):
    expiry_months = forms.IntegerField(
        label=_("Credit expires after (months)"),
        min_value=1,
        max_value=120,
        required=False,
        help_text=_("Empty: credit never expires. Customers are reminded 30 days before."),
    )
