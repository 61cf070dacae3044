"""The label settings form. It validates; returns.labels.services writes."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import LabelSettings, Provider

CARRIER = re.compile(r"^[A-Za-z0-9_ .-]{2,40}$")
MAX_CARRIERS = 60  # EasyPost rates at most 60 carrier accounts per request
# "coat = 60 x 40 x 15, 1500": a product type, its box in cm and the weight of one item packed, in grams.
SIZE_LINE = re.compile(
    r"^(?P<type>[^=]{1,120}?)\s*=\s*(?P<l>[\d.,]+)\s*[x×]\s*(?P<w>[\d.,]+)\s*[x×]\s*(?P<h>[\d.,]+)\s*(?:cm)?\s*[,;]\s*(?P<g>\d+)\s*(?:g)?$",
    re.IGNORECASE,
)
MAX_SIZES = 200


class LabelSettingsForm(forms.ModelForm):
    easypost_api_key = forms.CharField(
        label=_("EasyPost API key"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to keep the saved key."),
    )
    carriers_text = forms.CharField(
        label=_("Carriers to buy from"),
        required=False,
        max_length=2000,
        help_text=_("As EasyPost names them, separated by commas (USPS, UPS, FedEx...). Empty: any carrier."),
    )
    sizes_text = forms.CharField(
        label=_("Other parcel sizes by product type"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "coat = 60 x 40 x 15, 1500"}),
        help_text=_("One line per product type: type = length x width x height in cm, weight of one item in grams."),
    )
    # Longer than the 2 letters stored, so "France" gets the clear message of clean_address_country.
    address_country = forms.CharField(label=_("Country (2 letters)"), required=False, max_length=60)
    received_on_delivery = forms.BooleanField(
        label=_("Mark returns received when the carrier delivers them"),
        required=False,
        help_text=_("Otherwise staff mark each parcel received after opening it."),
    )

    class Meta:
        model = LabelSettings
        # Radio buttons: each provider is a sentence a phone-width select could not show whole.
        widgets = {"provider": forms.RadioSelect}
        fields = [
            "provider",
            "address_name",
            "address_street1",
            "address_street2",
            "address_city",
            "address_state",
            "address_zip",
            "address_country",
            "address_phone",
            "parcel_length_cm",
            "parcel_width_cm",
            "parcel_height_cm",
            "parcel_weight_g",
        ]

    def __init__(self, *args, key_saved: bool, has_policy: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.key_saved = key_saved
        if not has_policy:
            del self.fields["received_on_delivery"]

    def clean_carriers_text(self) -> list[str]:
        names = [name.strip() for name in self.cleaned_data["carriers_text"].split(",") if name.strip()]
        wrong = [name for name in names if not CARRIER.match(name)]
        if wrong:
            raise ValidationError(_("“%(name)s” is not a carrier name.") % {"name": wrong[0][:40]})
        if len(names) > MAX_CARRIERS:
            raise ValidationError(_("At most %(max)s carriers.") % {"max": MAX_CARRIERS})
        return list(dict.fromkeys(names))

    def clean_address_country(self) -> str:
        country = self.cleaned_data["address_country"].strip().upper()
        if country and not re.fullmatch(r"[A-Z]{2}", country):
            raise ValidationError(_("Two letters, like FR or US."))
        return country

    def clean_sizes_text(self) -> list[dict]:
        sizes, seen = [], set()
        lines = [line.strip() for line in self.cleaned_data["sizes_text"].splitlines() if line.strip()]
        if len(lines) > MAX_SIZES:
            raise ValidationError(_("At most %(max)s product types.") % {"max": MAX_SIZES})
        for number, line in enumerate(lines, start=1):
            size = _size_from(line)
            if size is None:
                raise ValidationError(
                    _("Line %(number)s: write it as “coat = 60 x 40 x 15, 1500” (cm, then grams).") % {"number": number}
                )
            if size["product_type"].casefold() in seen:
                raise ValidationError(
                    _("Line %(number)s: “%(type)s” is already listed.")
                    % {"number": number, "type": size["product_type"]}
                )
            seen.add(size["product_type"].casefold())
            sizes.append(size)
        return sizes

    def clean(self):
        data = super().clean()
        if data.get("provider") == Provider.EASYPOST:
            if not (self.key_saved or data.get("easypost_api_key", "").strip()):
                self.add_error("easypost_api_key", _("EasyPost needs the shop's API key."))
            for field in ("address_street1", "address_city", "address_zip", "address_country"):
                if field in data and not data[field]:
                    self.add_error(field, _("The label needs the shop's full address."))
        return data


def _size_from(line: str) -> dict | None:
    match = SIZE_LINE.match(line)
    if match is None:
        return None
    try:
        length, width, height = (Decimal(match[key].replace(",", ".")).quantize(Decimal("0.1")) for key in "lwh")
    except InvalidOperation:
        return None
    weight = int(match["g"])
    if not all(Decimal("0.1") <= side <= 300 for side in (length, width, height)) or not 1 <= weight <= 70000:
        return None
    return {
        "product_type": match["type"].strip(),
        "length_cm": length,
        "width_cm": width,
        "height_cm": height,
        "weight_g": weight,
    }


def sizes_as_text(sizes) -> str:
    return "\n".join(
        f"{size.product_type} = {size.length_cm} x {size.width_cm} x {size.height_cm}, {size.weight_g}"
        for size in sizes
    )
