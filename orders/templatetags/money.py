"""`{{ order.total|money:order.currency }}`: "€12.50" / "12,50 €", with the currency's decimals, in the page's language;
`{{ reward.value|percent }}`: 15 -> "15%" / "15 %" (a non-breaking space in French); `{{ rate|share }}`: 0.15 -> "15%"."""

from decimal import Decimal

from django import template

from core.l10n import format_money, format_percent_number, format_share

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """12.5 EUR -> "€12.50" ("12,50 €" in French), 12.345 KWD -> "KWD 12.345", 1000 JPY -> "¥1,000"."""
    return format_money(amount, currency)


@register.filter
def percent(value) -> str:
    """A number of percent (15, 12.5) written as the page's language writes percentages; "" if not a number."""
    return format_percent_number(value)


@register.filter
def share(value) -> str:
    """A fraction (0.375) as a percentage in the page's language ("37.5%", "37,5 %"); "" if not a number."""
    return format_share(value) if isinstance(value, int | float | Decimal) else ""
