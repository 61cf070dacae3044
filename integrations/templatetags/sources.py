"""Where data came from, by the name of the service (Shopify, AfterShip…), not our code for it."""

from django import template

from merchants.models import IntegrationSecret

register = template.Library()
PROVIDERS = IntegrationSecret.Provider


@register.filter
def source_name(code: str) -> str:
    """A source we know by its name; another (staff, api) as recorded."""
    return PROVIDERS(code).label if code in PROVIDERS.values else code
