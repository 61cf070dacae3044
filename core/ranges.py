"""Reading `from`, `to` and `as_of`: an ISO 8601 date (midnight in the shop's time zone) or a datetime
with its offset. One reader for every figure of the API and the dashboard (analytics' KPIs, returns'
figures), so all refuse the same input the same way.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _


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


# --- The dashboard's period picker (Analytics, Feedback): a preset, or two days both included ---

PRESETS = {"30": _("Last 30 days"), "90": _("Last 90 days"), "year": _("This year"), "custom": _("Custom")}


class PresetError(ValueError):
    pass


@dataclass(frozen=True)
class Chosen:
    preset: str
    first: date  # first day shown
    last: date  # last day shown (included)

    def period(self, merchant) -> Period:
        tz = merchant.tzinfo
        return Period(
            datetime.combine(self.first, time(), tz), datetime.combine(self.last + timedelta(days=1), time(), tz)
        )


def presets_query(query):
    """The presets (?range=30|90|year|custom); days alone (?from=&to=) name a custom range."""
    if "range" in query or not ({"from", "to"} & set(query)):
        return query
    return {"range": "custom", "from": query.get("from", ""), "to": query.get("to", "")}


def chosen_range(query, today: date) -> Chosen:
    """The days the page shows: a preset, or `from` and `to` (both included) for a custom range."""
    preset = query.get("range") or "30"
    if preset == "30":
        return Chosen(preset, today - timedelta(days=29), today)
    if preset == "90":
        return Chosen(preset, today - timedelta(days=89), today)
    if preset == "year":
        return Chosen(preset, today.replace(month=1, day=1), today)
    if preset != "custom":
        raise PresetError(_("Unknown range: choose one of the presets."))
    try:
        first, last = parse_date(query.get("from") or ""), parse_date(query.get("to") or "")
    except ValueError:
        first = last = None
    if first is None or last is None:
        raise PresetError(_("Give both days of the custom range as dates."))
    if first > last:
        raise PresetError(_("The first day of the range comes after its last day."))
    if (last - first).days > MAX_YEARS * 366:
        raise PresetError(_("The range may last at most 5 years."))
    return Chosen(preset, first, last)
