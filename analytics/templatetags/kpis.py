"""Figures of the Analytics page in the page's language (core.l10n)."""

from datetime import date

from django import template

from core.l10n import format_money, format_month, format_number, format_share

register = template.Library()


@register.filter
def number(value) -> str:
    return format_number(value)


@register.filter
def share(value) -> str:
    return "—" if value is None else format_share(value)


@register.filter
def money_per_currency(amounts: dict | None) -> str:
    return " · ".join(format_money(amount, currency) for currency, amount in (amounts or {}).items()) or "—"


@register.filter
def month_name(value: date) -> str:
    """ "mars 2026" / "Mar 2026"."""
    return format_month(value)
