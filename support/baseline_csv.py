"""Reading the baseline CSV: one line per week before going live (week, WISMO tickets, orders shipped).

Every line is checked before anything is written; each bad line is named with what is wrong.
"""

import csv
import io
import re
from datetime import date

from django.utils.translation import gettext as _

from .services import WeekInput

MAX_BYTES = 200_000
MAX_WEEKS = 520  # ten years
COLUMNS = ("week", "wismo_tickets", "orders_shipped")
_ISO_WEEK = re.compile(r"(\d{4})-?W(\d{2})")


class BaselineCsvError(ValueError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(" ".join(errors))


def _week(value: str) -> date:
    value = value.strip()
    try:
        iso_week = _ISO_WEEK.fullmatch(value.upper())
        if iso_week:
            return date.fromisocalendar(int(iso_week[1]), int(iso_week[2]), 1)
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(
            _("week “%(value)s” is not a date like 2026-02-02 or a week like 2026-W05") % {"value": value}
        ) from None
    if day.isoweekday() != 1:
        raise ValueError(_("%(day)s is not a Monday: give the Monday the week starts on, or 2026-W05") % {"day": value})
    return day


def _count(value: str, name: str) -> int:
    value = value.strip()
    if not value.isdigit():
        raise ValueError(
            _("%(column)s must be a whole number of 0 or more, not “%(value)s”") % {"column": name, "value": value}
        )
    return int(value)


def _line(row: list[str]) -> WeekInput:
    if len(row) != len(COLUMNS):
        raise ValueError(
            _("expected 3 columns (week, wismo_tickets, orders_shipped), found %(count)s") % {"count": len(row)}
        )
    week = _week(row[0])
    wismo, shipped = _count(row[1], "wismo_tickets"), _count(row[2], "orders_shipped")
    if wismo > shipped * 100 + 1000:
        raise ValueError(_("wismo_tickets is far above orders_shipped: are the columns swapped?"))
    return WeekInput(week, wismo, shipped)


def baseline_csv_parse(content: bytes) -> list[WeekInput]:
    """The weeks of the file, or BaselineCsvError listing every bad line."""
    if len(content) > MAX_BYTES:
        raise BaselineCsvError([_("The file is larger than %(size)s kB.") % {"size": MAX_BYTES // 1000}])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BaselineCsvError([_("The file is not UTF-8 text: export it as CSV UTF-8.")]) from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise BaselineCsvError([_("The file is empty: the first line must be week,wismo_tickets,orders_shipped.")])
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))
    header = tuple(cell.strip().lower() for cell in rows[0])
    if header != COLUMNS:
        found = ",".join(header)
        raise BaselineCsvError(
            [_("Line 1: the columns must be week,wismo_tickets,orders_shipped, found %(found)s.") % {"found": found}]
        )
    weeks, errors, seen = [], [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            week = _line(row)
        except ValueError as exc:
            errors.append(_("Line %(number)s: %(error)s.") % {"number": number, "error": exc})
            continue
        if week.week in seen:
            errors.append(
                _("Line %(number)s: the week of %(week)s is already on line %(first)s.")
                % {"number": number, "week": week.week.isoformat(), "first": seen[week.week]}
            )
            continue
        seen[week.week] = number
        weeks.append(week)
    if not weeks and not errors:
        errors.append(_("The file has no weeks below its header line."))
    if len(weeks) > MAX_WEEKS:
        errors.append(_("At most %(count)s weeks in one file.") % {"count": MAX_WEEKS})
    if errors:
        raise BaselineCsvError(errors)
    return weeks
