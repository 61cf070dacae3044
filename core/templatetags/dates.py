"""Dates in the page's language and time zone, one way everywhere (core/l10n.py).

{{ order.placed_at|local_datetime }}                  "Thu, Dec 3, 11:51 PM" / "jeu. 3 déc. 23:51"
{{ invitation.expires_at|local_day }}                 "Thu, Dec 3" / "jeu. 3 déc."
{{ shipment.estimated_delivery_from|local_day_range:shipment.estimated_delivery_to }}
{{ month.first_day|local_month }}                     "Mar 2026" / "mars 2026"
"""

from django import template

from core.l10n import format_datetime, format_day, format_day_range, format_month, format_time_of_day

register = template.Library()


@register.filter
def local_day(value) -> str:
    return format_day(value)


@register.filter
def local_datetime(value) -> str:
    return format_datetime(value)


@register.filter
def local_day_range(start, end) -> str:
    return format_day_range(start, end)


@register.filter
def time_of_day(value) -> str:
    return format_time_of_day(value)


@register.filter
def local_month(value) -> str:
    return format_month(value)
