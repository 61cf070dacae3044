"""Which language and time zone a customer reads in: one rule for every email and customer page.

An email and the page its link opens must agree, so both ask here:

1. the language the visitor picked with the switcher (`?lang=`), if we speak it;
2. the language the customer bought in: the order's, then the customer's;
3. only for a visitor we cannot name (a bare look-up page): the browser's `Accept-Language`;
4. the shop's default language, then the site's.

The time zone is the customer's when known and valid, else the shop's.
"""

import zoneinfo
from datetime import tzinfo

from django.conf import settings


def supported_language(value: str | None) -> str | None:
    """ "fr", "fr-CA" or "FR_fr" → "fr" when we speak it; None otherwise."""
    code = (value or "").strip().replace("_", "-").split("-")[0].lower()
    return code if code in _supported() else None


def _supported() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def customer_language(*, merchant, order=None, customer=None, asked: str = "", accept_language: str = "") -> str:
    """The language a customer reads an email or a customer page in (rule in the module docstring)."""
    customer = customer if customer is not None else _customer_of(order)
    candidates = [asked, getattr(order, "language", ""), getattr(customer, "language", "")]
    if order is None and customer is None:
        candidates.append(preferred_language(accept_language))
    candidates.append(getattr(merchant, "default_language", ""))
    for candidate in candidates:
        if code := supported_language(candidate):
            return code
    return settings.LANGUAGE_CODE


def _customer_of(order):
    if order is None or not getattr(order, "customer_id", None):
        return None
    return order.customer


def preferred_language(header: str) -> str | None:
    """The supported language an Accept-Language header ranks highest, if any."""
    ranked = []
    for position, item in enumerate((header or "").split(",")):
        tag, _sep, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        code = supported_language(tag)
        if code and quality > 0:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else None


def customer_time_zone(*, merchant, customer=None) -> tzinfo:
    """The customer's time zone when known and valid, else the shop's."""
    name = getattr(customer, "time_zone", "") or ""
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return merchant.tzinfo
