"""Reading `from`, `to` and `as_of`: an ISO 8601 date (midnight in the shop's time zone) or a datetime
with its offset. One reader for every figure of the API and the dashboard (analytics' KPIs, returns'
figures), so all refuse the same input the same way.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive

    def previous(self) -> "Period":
        return Period(self.start - (self.end - self.start), self.start)


MAX_YEARS = 5
DEFAULT_DAYS = 30


class RangeError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def moment_parse(value: str, merchant) -> datetime | None:
    """The moment `value` names, in the shop's time zone; None when it names none."""
    try:
        day = parse_date(value)
        if day is not None:
            return datetime.combine(day, time(), merchant.tzinfo)
        moment = parse_datetime(value)
    except ValueError:  # well formed but impossible: 2026-02-30
        return None
    if moment is None or timezone.is_naive(moment):
        return None
    return moment.astimezone(merchant.tzinfo)


def years_later(moment, years: int):
    """The same moment or day `years` later (February 29 becomes February 28)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # February 29
        return moment.replace(year=moment.year + years, day=28)


def today_start(merchant, now: datetime) -> datetime:
    return datetime.combine(now.astimezone(merchant.tzinfo).date(), time(), merchant.tzinfo)


def range_parse(
    params, merchant, *, now: datetime | None = None, default_days: int = DEFAULT_DAYS, with_as_of: bool = True
) -> tuple[Period, datetime]:
    """(period, as_of) from the query's `from`, `to`, `as_of`; RangeError names each bad one.

    Defaults: `to` the end of today, `from` `default_days` before `to`, `as_of` now. Without
    `with_as_of` the figures are as they stand now: `as_of` is not read and is now.
    """
    now = now or timezone.now()
    errors: dict[str, str] = {}
    given = {}
    for name in ("from", "to", "as_of") if with_as_of else ("from", "to"):
        raw = params.get(name)
        if raw in (None, ""):
            continue
        moment = moment_parse(raw.strip(), merchant)
        if moment is None:
            errors[name] = (
                "Not a date or datetime: give an ISO 8601 date (2026-03-01, midnight in the shop's time zone) "
                "or a datetime with its offset (2026-03-01T00:00:00+01:00)."
            )
        given[name] = moment
    if errors:
        raise RangeError(errors)
    end = given.get("to") or today_start(merchant, now) + timedelta(days=1)
    start = given.get("from") or end - timedelta(days=default_days)
    as_of = given.get("as_of") or now
    if start >= end:
        errors["to"] = "`to` must come after `from` (the period is [from, to))."
    elif years_later(start, MAX_YEARS) < end:
        errors["to"] = f"The period may last at most {MAX_YEARS} years."
    if with_as_of and as_of < start:
        errors["as_of"] = "`as_of` cannot come before `from`: nothing of the period is known then."
    if errors:
        raise RangeError(errors)
    return Period(start, end), as_of
