"""Dashboard forms of the orders section."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import order_status_choices


class OrderSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"placeholder": _("Order number or email"), "type": "search"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *order_status_choices()]


class OrderCancelForm(forms.Form):
    REASONS = [
        ("customer", _("The customer asked")),
        ("inventory", _("Out of stock")),
        ("fraud", _("Suspected fraud")),
        ("declined", _("Payment declined")),
        ("other", _("Other")),
    ]
    reason = forms.ChoiceField(label=_("Reason"), choices=REASONS)
