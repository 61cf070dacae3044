"""Where data came from, by the name of the service (Shopify, AfterShip…), never our code for it."""

from django import template
from django.utils.translation import gettext_lazy as _

from merchants.models import IntegrationSecret

register = template.Library()
PROVIDERS = IntegrationSecret.Provider
# Sources that are not an integration: recorded by our own API, staff, the carrier poller or the demo.
OUR_SOURCES = {
    "api": _("REST API"),
    "staff": _("Staff, in the dashboard"),
    "poll": _("Carrier polling"),
    "demo": _("Demo data"),
}


@register.filter
def source_name(code: str) -> str:
    """A source by its name; one we do not know, as recorded."""
    if code in PROVIDERS.values:
        return PROVIDERS(code).label
    return str(OUR_SOURCES.get(code, code))
