"""What staff read of an action: its platform by name, and what it is worth when its payload says so."""

from decimal import Decimal, InvalidOperation

from django import template

from core.l10n import format_money
from core.money import is_currency_code
from shop_actions.adapters import platform_name as name_of

register = template.Library()


@register.filter
def platform_name(platform: str) -> str:
    return name_of(platform)


@register.filter
def payload_amount(payload) -> str:
    """The payload's "amount" in its "currency", as the page's language writes it ("12,50 €" in French).

    A payload is the caller's plain data: without an amount and a currency we can read, nothing is shown.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("amount"), str | int):
        return ""
    if not is_currency_code(payload.get("currency")):
        return ""
    try:
        amount = Decimal(str(payload["amount"]))
        return format_money(amount, payload["currency"]) if amount.is_finite() else ""
    except InvalidOperation:
        return ""
