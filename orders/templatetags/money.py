"""`{{ order.total|money:order.currency }}`: an amount with its currency's decimals, in the page's language."""

from decimal import Decimal

from django import template
from django.utils import formats

from core.money import amount_places

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """12.5 EUR -> "12.50", 12.345 KWD -> "12.345" ("12,345" in French), 1000 JPY -> "1,000".

    Never rounds: a stored amount with more decimals than its currency has is shown whole.
    """
    if amount is None or amount == "":
        return ""
    amount = Decimal(amount)
    return formats.number_format(amount, amount_places(amount, currency), use_l10n=True, force_grouping=True)
