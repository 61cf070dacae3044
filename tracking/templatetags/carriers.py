"""Carriers by the name people know them by, never by our code for them."""

from django import template

from tracking.carriers import carrier_name as name_of

register = template.Library()


@register.filter
def carrier_name(code: str) -> str:
    return name_of(code)


@register.filter
def carrier_names(codes) -> str:
    """A list of carrier codes as names, comma-separated."""
    return ", ".join(name_of(code) for code in codes or [])
