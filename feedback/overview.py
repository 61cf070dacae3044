"""What the Feedback overview shows: each figure beside the previous period's, the change said in
words, the weekly charts and the breakdown tables, formatted here once in the reader's language."""

from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_decimal
from django.utils.translation import get_language, gettext_lazy, ngettext, to_locale
from django.utils.translation import gettext as _

from core.l10n import format_day, format_number, format_share
from tracking.carriers import carrier_name

from .charts import LineChart, line_chart
from .dashboard import GroupScores, WeekScores
from .selectors import CsatFigures, NpsFigures, RateFigures

NONE = "—"
SCORE, PERCENT, MEAN, COUNT = "score", "percent", "mean", "count"


def shown(value, kind: str) -> str:
    if value is None:
        return NONE
    if kind == SCORE:
        return f"+{value}" if value > 0 else f"{value}".replace("-", "−")
    if kind == PERCENT:
        return format_share(Decimal(value) / 100)
    if kind == MEAN:  # two decimals always: 3.50 beside 3.25 reads as a column
        return format_decimal(value, format="#,##0.00", locale=to_locale(get_language() or "en"))
    return format_number(value)


def change_words(value, previous, kind: str) -> tuple[str, int]:
    """("Up 5 points", 1): how the figure moved since the previous period, and which way."""
    if value is None and previous is None:
        return _("Nothing to compare"), 0
    if value is None:
        return _("None this period"), 0
    if previous is None:
        return _("None the period before"), 0
    difference = value - previous
    direction = (difference > 0) - (difference < 0)
    if not direction:
        return _("No change"), 0
    size = abs(difference)
    if kind in (SCORE, PERCENT):
        up = ngettext("Up %(count)s point", "Up %(count)s points", size)
        down = ngettext("Down %(count)s point", "Down %(count)s points", size)
        return (up if direction > 0 else down) % {"count": format_number(size)}, direction
    words = _("Up %(difference)s") if direction > 0 else _("Down %(difference)s")
    return words % {"difference": shown(size, kind)}, direction


@dataclass(frozen=True)
class FigureRow:
    label: str
    value: str
    previous: str
    change: str
    direction: int


def figure_row(label: str, value, previous, kind: str) -> FigureRow:
    change, direction = change_words(value, previous, kind)
    return FigureRow(label, shown(value, kind), shown(previous, kind), change, direction)


def nps_rows(now: NpsFigures, before: NpsFigures) -> list[FigureRow]:
    return [
        figure_row(_("NPS"), now.score, before.score, SCORE),
        figure_row(_("Promoters (9–10)"), now.promoters, before.promoters, COUNT),
        figure_row(_("Passives (7–8)"), now.passives, before.passives, COUNT),
        figure_row(_("Detractors (0–6)"), now.detractors, before.detractors, COUNT),
        figure_row(_("NPS answers"), now.count, before.count, COUNT),
    ]


def csat_rows(now: CsatFigures, before: CsatFigures) -> list[FigureRow]:
    return [
        figure_row(_("CSAT: share of 4–5"), now.share, before.share, PERCENT),
        figure_row(_("CSAT: mean (1–5)"), now.mean, before.mean, MEAN),
        figure_row(_("CSAT answers"), now.count, before.count, COUNT),
    ]


def rate_rows(survey: str, now: RateFigures, before: RateFigures) -> list[FigureRow]:
    names = {"csat": _("CSAT"), "nps": _("NPS")}
    return [
        figure_row(_("%(survey)s: response rate") % {"survey": names[survey]}, now.rate, before.rate, PERCENT),
        figure_row(
            _("%(survey)s: emails delivered") % {"survey": names[survey]}, now.delivered, before.delivered, COUNT
        ),
        figure_row(_("%(survey)s: answers") % {"survey": names[survey]}, now.answered, before.answered, COUNT),
        figure_row(_("%(survey)s: opened the page") % {"survey": names[survey]}, now.opened, before.opened, COUNT),
    ]


# --- Weekly charts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekRow:
    week: str
    csat: str
    csat_count: int
    nps: str
    nps_count: int


def week_rows(weeks: list[WeekScores]) -> list[WeekRow]:
    return [
        WeekRow(
            format_day(week.monday),
            shown(week.csat.share, PERCENT),
            week.csat.count,
            shown(week.nps.score, SCORE),
            week.nps.count,
        )
        for week in weeks
    ]


def csat_chart(weeks: list[WeekScores]) -> LineChart:
    titles = [
        ngettext(
            "Week of %(week)s: CSAT %(share)s (%(count)s answer)",
            "Week of %(week)s: CSAT %(share)s (%(count)s answers)",
            week.csat.count,
        )
        % {"week": format_day(week.monday), "share": shown(week.csat.share, PERCENT), "count": week.csat.count}
        for week in weeks
    ]
    ticks = {value: shown(value, PERCENT) for value in (0, 50, 100)}
    return line_chart([week.csat.share for week in weeks], titles, low=0, high=100, ticks=ticks, axis=_axis(weeks))


def nps_chart(weeks: list[WeekScores]) -> LineChart:
    titles = [
        ngettext(
            "Week of %(week)s: NPS %(score)s (%(count)s answer)",
            "Week of %(week)s: NPS %(score)s (%(count)s answers)",
            week.nps.count,
        )
        % {"week": format_day(week.monday), "score": shown(week.nps.score, SCORE), "count": week.nps.count}
        for week in weeks
    ]
    ticks = {value: shown(value, SCORE) for value in (-100, 0, 100)}
    return line_chart([week.nps.score for week in weeks], titles, low=-100, high=100, ticks=ticks, axis=_axis(weeks))


def _axis(weeks: list[WeekScores]) -> tuple[str, str]:
    return (format_day(weeks[0].monday), format_day(weeks[-1].monday)) if weeks else ("", "")


# --- Breakdowns -------------------------------------------------------------------------------------

PROMISE_LABELS = {
    "on_time": gettext_lazy("Delivered on time"),
    "late": gettext_lazy("Delivered late"),
    "": gettext_lazy("No delivery window to compare"),
}


def group_label(by: str, key: str) -> str:
    if by == "promise":
        return str(PROMISE_LABELS[key])
    if by == "carrier":
        return carrier_name(key) if key else _("No parcel")
    return key or _("No product type")


@dataclass(frozen=True)
class GroupRow:
    label: str
    answers: int
    share: str
    mean: str
    previous: str
    change: str
    direction: int


def group_rows(by: str, groups: list[GroupScores]) -> list[GroupRow]:
    rows = []
    for group in groups:
        now, before = group.current, group.previous
        change, direction = change_words(now.share, before.share, PERCENT)
        rows.append(
            GroupRow(
                group_label(by, group.key),
                now.count,
                shown(now.share, PERCENT),
                shown(now.mean, MEAN),
                shown(before.share, PERCENT),
                change,
                direction,
            )
        )
    return rows
