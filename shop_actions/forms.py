"""Dashboard forms of shop actions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ShopActionStatus


class ShopActionFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *ShopActionStatus.choices]


class ShopActionConfirmForm(forms.Form):
    """Staff did the action in the shop themselves and say what the shop shows for it."""

    reference = forms.CharField(
        label=_("Reference in the shop"),
        max_length=120,
        help_text=_("The refund, gift card, discount code or order number the shop shows for it."),
        error_messages={"required": _("Enter the reference the shop shows, so the action can be traced.")},
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def result(self) -> dict:
        result = {"reference": self.cleaned_data["reference"].strip(), "confirmed_by_staff": True}
        if self.cleaned_data["note"].strip():
            result["note"] = self.cleaned_data["note"].strip()
        return result
