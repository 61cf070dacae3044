"""Delivery windows: business-day arithmetic, the 20th-80th percentile estimate, and display.

Business days are Monday to Friday; public holidays are not counted out (we hold no
holiday calendar per country), which makes estimates over holidays slightly optimistic.
"""

import math
from collections.abc import Sequence
from datetime import date, timedelta

from django.utils import formats, translation
from django.utils.translation import gettext as _

MIN_HISTORY = 20  # deliveries needed before this merchant's own figures replace the carrier default
LOW_PERCENTILE = 20
HIGH_PERCENTILE = 80


def business_days_between(start: date, end: date) -> int:
    """Business days after `start` up to and including `end` (0 when delivered the same day)."""
    if end <= start:
        return 0
    whole_weeks, extra = divmod((end - start).days, 7)
    days = whole_weeks * 5
    for offset in range(1, extra + 1):
        if (start + timedelta(days=whole_weeks * 7 + offset)).weekday() < 5:
            days += 1
    return days


def add_business_days(start: date, days: int) -> date:
    current = start
    while current.weekday() >= 5:  # a parcel handed over at the weekend leaves on Monday
        current += timedelta(days=1)
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
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


def window_for(shipped_on: date, days: tuple[int, int]) -> tuple[date, date]:
    return add_business_days(shipped_on, days[0]), add_business_days(shipped_on, days[1])


def format_window(start: date | None, end: date | None, *, language: str | None = None) -> str:
    """ "between Tue 24 and Thu 26" / "entre mar. 24 et jeu. 26", in the active or given language."""
    if start is None or end is None:
        return ""
    with translation.override(language or translation.get_language()):
        first = formats.date_format(start, "D j")
        last = formats.date_format(end, "D j")
        if start == end:
            return _("on %(day)s") % {"day": first}
        return _("between %(start)s and %(end)s") % {"start": first, "end": last}
