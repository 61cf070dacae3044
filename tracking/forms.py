from django import forms
from django.utils.translation import gettext_lazy as _

from core.moments import MomentField

from .carriers import CARRIERS, carrier_name
from .models import ShipmentStatus, WismoContact


class LookupForm(forms.Form):
    order_number = forms.CharField(label=_("Order number"), max_length=64)
    email = forms.EmailField(label=_("Email address used for the order"), max_length=254)


class WismoForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is the matter?"), choices=WismoContact.Reason.choices)
    message = forms.CharField(
        label=_("Anything to add? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ManualEventForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ShipmentStatus.choices)
    occurred_at = MomentField(
        label=_("When (your shop's time zone)"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    country = forms.CharField(label=_("Country (2 letters)"), max_length=2, required=False)


class ShipmentFilterForm(forms.Form):
    carrier = forms.CharField(required=False, max_length=40)
    status = forms.ChoiceField(required=False, choices=[("", _("Any status")), *ShipmentStatus.choices])
    delayed = forms.ChoiceField(required=False, choices=[("", _("All")), ("yes", _("Late")), ("no", _("On time"))])


def polling_adapter_choices():
    from .polling import registered_adapters

    return [("", _("None (webhooks only)"))] + [(name, name) for name in registered_adapters()]


class CarrierSettingForm(forms.Form):
    carrier = forms.ChoiceField(label=_("Carrier"))
    delay_threshold_days = forms.IntegerField(label=_("Days without news before it is late"), min_value=1, max_value=60)
    polling_adapter = forms.ChoiceField(label=_("Polling adapter"), required=False)
    default_transit_min_days = forms.IntegerField(
        label=_("Usual transit, fastest (business days)"), min_value=0, max_value=60, required=False
    )
    default_transit_max_days = forms.IntegerField(
        label=_("Usual transit, slowest (business days)"), min_value=0, max_value=60, required=False
    )

    def __init__(self, *args, carriers_used=(), **kwargs):
        super().__init__(*args, **kwargs)
        codes = dict.fromkeys([*carriers_used, *CARRIERS])
        self.fields["carrier"].choices = [(code, carrier_name(code)) for code in codes]
        self.fields["polling_adapter"].choices = polling_adapter_choices()

    def clean(self):
        data = super().clean()
        low, high = data.get("default_transit_min_days"), data.get("default_transit_max_days")
        if (low is None) != (high is None):
            raise forms.ValidationError(_("Give both transit figures, or neither."))
        if low is not None and high is not None and low > high:
            raise forms.ValidationError(_("The fastest transit cannot be longer than the slowest."))
        return data
