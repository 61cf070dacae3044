"""Money and dates written the way the reader's language writes them (CLDR data, through Babel).

One place for every page and email: staff read their shop's time zone in their own language,
customers their own time zone and language. Without a language or time zone given, the active
ones are used (the dashboard middleware, the tracking page and the email composer set them).

    format_money(Decimal("32145"), "EUR", "fr")  -> "32 145,00 €"      ("€32,145.00" in English)
    format_day(date(2026, 12, 3), "fr")           -> "jeu. 3 déc."      ("Thu, Dec 3")
    format_datetime(moment, "en", tz)             -> "Thu, Dec 3, 11:51 PM"  ("jeu. 3 déc. 23:51")
    format_day_range(start, end, "fr")            -> "jeu. 3 – sam. 5 déc."  ("Thu, Dec 3 – Sat, Dec 5")

A date outside the current year carries its year ("mar. 3 déc. 2024").
"""

import functools
import re
from copy import copy
from datetime import date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.dates import format_interval, format_skeleton, format_time
from babel.numbers import format_decimal, format_percent
from django.utils import timezone, translation

from .money import exact_amount

DAY = "MMMEd"
DAY_WITH_YEAR = "yMMMEd"
# CLDR's currency spacing, which Babel leaves out: a symbol made of letters stands apart from the digits.
_LETTER_THEN_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)")


@functools.lru_cache(maxsize=8)
def _locale(language: str) -> Locale:
    try:
        return Locale.parse((language or "en").replace("-", "_"))
    except (ValueError, LookupError):  # a code CLDR does not know
        return Locale.parse("en")


def _language(language: str | None) -> str:
    return language or translation.get_language() or "en"


def format_money(amount, currency: str, language: str | None = None) -> str:
    """The amount with its currency's decimals (2 for EUR, 3 for KWD, 0 for JPY) and symbol, in `language`.

    A stored amount with more decimals than its currency has is shown with them, up to the three
    the money columns hold: anything finer can only be a float's noise.
    """
    if amount is None or amount == "":
        return ""
    return _money_text(exact_amount(amount, currency), currency.upper(), _language(language))


def format_stored_money(amount, currency, language: str | None = None) -> str:
    """An amount kept as text beside its currency (an event's payload, "12.50" "EUR"), written as
    `format_money` writes it; text that is not an amount of a known currency is shown as it is."""
    try:
        return format_money(Decimal(str(amount)), str(currency), language)
    except (InvalidOperation, ValueError, KeyError, AttributeError):
        return f"{amount} {currency}".strip()


def format_percent_number(value, language: str | None = None) -> str:
    """A number of percent (15, "12.5") as the reader writes percentages: "15%", "15 %" (no-break space)."""
    try:
        return format_share(Decimal(str(value)) / 100, language)
    except (InvalidOperation, ValueError):
        return ""


def format_number(value, language: str | None = None) -> str:
    """A count or a ratio as the reader writes it: "1 234,5" in French, "1,234.5" in English."""
    if value is None:
        return ""
    return format_decimal(value, locale=_locale(_language(language)))


def format_share(value, language: str | None = None) -> str:
    """A fraction between 0 and 1 as a percentage, its decimals kept: "39,06 %" in French, "39.06%" in English."""
    if value is None:
        return ""
    return format_percent(Decimal(value).normalize(), locale=_locale(_language(language)), decimal_quantization=False)


@functools.lru_cache(maxsize=4096)
def _money_text(amount: Decimal, currency: str, language: str) -> str:
    locale = _locale(language)
    pattern = copy(locale.currency_formats["standard"])
    places = max(-amount.as_tuple().exponent, 0)
    pattern.frac_prec = (places, places)
    text = pattern.apply(amount, locale, currency=currency, currency_digits=False)
    return _LETTER_THEN_DIGIT.sub("\u00a0", text, count=1)


def _local(moment: datetime, tz: tzinfo | None) -> datetime:
    return moment.astimezone(tz or timezone.get_current_timezone())


def _skeleton(day: date, tz: tzinfo | None) -> str:
    this_year = timezone.now().astimezone(tz or timezone.get_current_timezone()).year
    return DAY if day.year == this_year else DAY_WITH_YEAR


def format_day(value: date | datetime | None, language: str | None = None, tz: tzinfo | None = None) -> str:
    """ "jeu. 3 déc." / "Thu, Dec 3": a date, or the day of a moment in `tz` (default: the active time zone)."""
    if value is None:
        return ""
    day = _local(value, tz).date() if isinstance(value, datetime) else value
    return format_skeleton(_skeleton(day, tz), day, locale=_locale(_language(language)))


def format_month(value: date, language: str | None = None) -> str:
    """ "mars 2026" / "Mar 2026": a month, named by any of its days."""
    return format_skeleton("yMMM", value, locale=_locale(_language(language)))


def format_datetime(value: datetime | None, language: str | None = None, tz: tzinfo | None = None) -> str:
    """ "jeu. 3 déc. 23:51" / "Thu, Dec 3, 11:51 PM", in `tz` (default: the active time zone)."""
    if value is None:
        return ""
    moment = _local(value, tz)
    locale = _locale(_language(language))
    day = format_skeleton(_skeleton(moment.date(), tz), moment, locale=locale)
    clock = format_time(moment, "short", tzinfo=moment.tzinfo, locale=locale)
    return locale.datetime_formats["short"].format(clock, day)


def format_time_of_day(value: time | None, language: str | None = None) -> str:
    """ "6:00 PM" / "18:00": a wall-clock time, such as the hours of a send window."""
    if value is None:
        return ""
    return format_time(value, "short", locale=_locale(_language(language)))


def format_day_range(
    start: date | datetime | None, end: date | datetime | None, language: str | None = None, tz: tzinfo | None = None
) -> str:
    """ "jeu. 3 – sam. 5 déc." / "Thu, Dec 3 – Sat, Dec 5"; one day when both are the same."""
    if start is None or end is None:
        return ""
    first = _local(start, tz).date() if isinstance(start, datetime) else start
    last = _local(end, tz).date() if isinstance(end, datetime) else end
    locale = _locale(_language(language))
    if first == last:
        return format_day(first, language, tz)
    skeleton = DAY if _skeleton(first, tz) == _skeleton(last, tz) == DAY else DAY_WITH_YEAR
    return format_interval(first, last, skeleton, locale=locale)
