"""Delivery windows: business-day arithmetic, the 20th-80th percentile estimate, and display.

Business days are Monday to Friday except the national public holidays of the destination
country (the `holidays` package), since that is where the parcel waits when carriers do not
deliver. A country the calendar does not know counts weekends only.
"""

import functools
import math
from collections.abc import Sequence
from datetime import date, timedelta

import holidays

from core.l10n import format_day_range

MIN_HISTORY = 20  # deliveries needed before this merchant's own figures replace the carrier default
LOW_PERCENTILE = 20
HIGH_PERCENTILE = 80


@functools.lru_cache(maxsize=256)
def public_holidays(country: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays.country_holidays(country.upper(), years=year))
    except NotImplementedError:  # not in the calendar
        return frozenset()


def is_business_day(day: date, country: str = "") -> bool:
    return day.weekday() < 5 and (not country or day not in public_holidays(country, day.year))


def business_days_between(start: date, end: date, country: str = "") -> int:
    """Business days after `start` up to and including `end` (0 when delivered the same day)."""
    return sum(is_business_day(start + timedelta(days=n), country) for n in range(1, (end - start).days + 1))


def add_business_days(start: date, days: int, country: str = "") -> date:
    current = start
    while not is_business_day(current, country):  # handed over on a weekend or holiday: leaves the next day
        current += timedelta(days=1)
    added = 0
    while added < days:
        current += timedelta(days=1)
        if is_business_day(current, country):
            added += 1
    return current


def percentile(sorted_values: Sequence[int], pct: int) -> int:
    """Nearest-rank percentile of already sorted values."""
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def transit_range(transit_days: Sequence[int], default: tuple[int, int]) -> tuple[tuple[int, int], str]:
    """(min, max) business days and where they come from: "history" or "default"."""
    if len(transit_days) < MIN_HISTORY:
        return default, "default"
    ordered = sorted(transit_days)
    return (percentile(ordered, LOW_PERCENTILE), percentile(ordered, HIGH_PERCENTILE)), "history"


def window_for(shipped_on: date, days: tuple[int, int], country: str = "") -> tuple[date, date]:
    return add_business_days(shipped_on, days[0], country), add_business_days(shipped_on, days[1], country)


def format_window(start: date | None, end: date | None, *, language: str | None = None) -> str:
    """ "Tue, Jun 24 – Thu, Jun 26" / "mar. 24 – jeu. 26 juin", in the active or given language."""
    return format_day_range(start, end, language)
