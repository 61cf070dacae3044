"""Dashboard forms of outbound webhooks. The services do the real validation (URL vetting,
event types); these forms only shape the input and show the services' errors."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import ALL_EVENTS, event_families, subscribable_event_types


def event_type_choices():
    families = sorted(event_families())
    return [
        (ALL_EVENTS, _("Every event, including types added later")),
        *[(f"{family}.*", _("Every %(family)s event") % {"family": f"{family}.*"}) for family in families],
        *[
            (event_type, f"{event_type} — {description}")
            for event_type, description in subscribable_event_types().items()
        ],
    ]


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("An http:// or https:// address on the public internet. We POST JSON to it."),
        widget=forms.URLInput(attrs={"placeholder": "https://shop.example.com/hooks/postpurchase"}),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=event_type_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event type.")},
    )

    def apply_service_errors(self, error) -> None:
        """Show a service's ValidationError on the matching fields."""
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)
