"""The shop's review destinations, as staff edit them (Feedback → Reviews)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models_reviews import Destination, ReviewApp

URL_FIELDS = {
    Destination.GOOGLE: "google_url",
    Destination.TRUSTPILOT: "trustpilot_url",
    Destination.APP: "app_url",
}


class ReviewSettingsForm(forms.Form):
    google_url = forms.URLField(
        label=_("Google review link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "Best: the link Google gives you (Business Profile → Ask for reviews). Otherwise "
            "https://search.google.com/local/writereview?placeid= followed by your Place ID."
        ),
    )
    trustpilot_url = forms.URLField(
        label=_("Trustpilot review link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("The review link of your Trustpilot business page."),
    )
    app = forms.ChoiceField(label=_("Review app"), required=False, choices=[("", _("None")), *ReviewApp.choices])
    app_url = forms.URLField(
        label=_("Review app link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("The shareable review link your review app gives you (Judge.me, Yotpo…)."),
    )
    shown = forms.MultipleChoiceField(
        label=_("Links the invitation shows"),
        required=False,
        choices=Destination.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The product page link uses the page of the order's first product that has one "
            "(Catalogue); an invitation without an order or such a page leaves it out."
        ),
    )

    def clean(self):
        data = super().clean()
        for destination in data.get("shown") or []:
            name = URL_FIELDS.get(destination)
            if name and not data.get(name) and name not in self.errors:
                self.add_error(name, _("Give this link, or untick it in the links the invitation shows."))
        for name in URL_FIELDS.values():
            if data.get(name) and not data[name].startswith("https://"):
                self.add_error(name, _("Use an https:// link."))
        if data.get("app_url") and not data.get("app"):
            self.add_error("app", _("Say which review app this link is from."))
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        order = Destination.values
        return {
            "google_url": data["google_url"],
            "trustpilot_url": data["trustpilot_url"],
            "app": data["app"],
            "app_url": data["app_url"],
            "shown": sorted(data["shown"], key=order.index),
        }
