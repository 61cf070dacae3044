"""The Feedback overview's figures over time and by group, each one SQL aggregate (docs/kpis.md, "Feedback").

- the scores week by week (Monday first, in the shop's time zone), one query;
- the CSAT answers by product type, by carrier and by delivery promise, for the period and the one
  before it, one query each: an answer's groups come from its order (its line items, its parcels).
  That SQL is PostgreSQL's (time zones, FILTER); on any other database (SQLite: the demo)
  feedback/small_shop_breakdowns.py gives the same rows from two ORM reads each.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models.functions import TruncWeek

from core import engines

from . import small_shop_breakdowns
from .models import Response
from .selectors import CsatFigures, NpsFigures, period_bounds, score_aggregates, scores_from


@dataclass(frozen=True)
class WeekScores:
    monday: date
    nps: NpsFigures
    csat: CsatFigures


def mondays(start: date, end: date) -> list[date]:
    """The Monday of each week the days [start, end] touch."""
    monday = start - timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def weekly_scores(*, merchant, start: date, end: date) -> list[WeekScores]:
    """Every week of the period, those without answers too (their scores are null, never 0).

    The first and last weeks count only the period's days of them.
    """
    since, until = period_bounds(merchant, start, end)
    rows = (
        Response.objects.filter(merchant=merchant, first_answered_at__gte=since, first_answered_at__lt=until)
        .annotate(week=TruncWeek("first_answered_at", tzinfo=merchant.tzinfo))
        .values("week")
        .annotate(**score_aggregates())
        .order_by()
    )
    found = {row["week"].date(): scores_from(row) for row in rows}
    empty = (NpsFigures(0, 0, 0), CsatFigures(0, 0, None))
    return [WeekScores(monday, *found.get(monday, empty)) for monday in mondays(start, end)]


# --- Breakdowns of the CSAT answers ---------------------------------------------------------------

# The CSAT answers of the period and of the one before it, with which of the two each is in.
_ANSWERS = """
WITH answers AS (
  SELECT r.id, r.order_id, r.score, r.first_answered_at >= %(start)s AS current
  FROM feedback_response r
  WHERE r.merchant_id = %(merchant)s AND r.kind = 'csat'
    AND r.first_answered_at >= %(previous)s AND r.first_answered_at < %(end)s
)
"""
_COUNTS = """
SELECT {key}, a.current, count(*), count(*) FILTER (WHERE a.score >= 4), avg(a.score)
FROM answers a LEFT JOIN ({groups}) t ON t.order_id = a.order_id
GROUP BY 1, 2
"""
# An order of a candle and a mug counts under both; an order without a type under "".
_BY_PRODUCT_TYPE = _COUNTS.format(
    key="coalesce(t.key, '')",
    groups="""SELECT DISTINCT li.order_id, trim(li.product_type) AS key FROM orders_lineitem li
              WHERE li.merchant_id = %(merchant)s AND li.order_id IN (SELECT order_id FROM answers)""",
)
# Each carrier of the order's parcels to the customer (not the cancelled ones); no parcel: "".
_BY_CARRIER = _COUNTS.format(
    key="coalesce(t.key, '')",
    groups="""SELECT DISTINCT s.order_id, s.carrier AS key FROM tracking_shipment s
              WHERE s.merchant_id = %(merchant)s AND s.direction = 'outbound' AND s.cancelled_at IS NULL
                AND s.order_id IN (SELECT order_id FROM answers)""",
)
# One group per order: late when a parcel arrived after the last day of the window the customer was
# shown (a day in the shop's time zone, as tracking records `delivered_within_window`); on time when
# its delivered parcels with a window all arrived by that day; otherwise nothing to compare.
_BY_PROMISE = _COUNTS.format(
    key="CASE WHEN t.late THEN 'late' WHEN NOT t.late THEN 'on_time' ELSE '' END",
    groups="""SELECT s.order_id, bool_or((s.delivered_at AT TIME ZONE %(tz)s)::date > s.estimated_delivery_to) AS late
              FROM tracking_shipment s
              WHERE s.merchant_id = %(merchant)s AND s.direction = 'outbound' AND s.cancelled_at IS NULL
                AND s.delivered_at IS NOT NULL AND s.estimated_delivery_to IS NOT NULL
                AND s.order_id IN (SELECT order_id FROM answers)
              GROUP BY s.order_id""",
)
BREAKDOWNS = {"product_type": _BY_PRODUCT_TYPE, "carrier": _BY_CARRIER, "promise": _BY_PROMISE}
PROMISE_GROUPS = ("on_time", "late", "")


@dataclass(frozen=True)
class GroupScores:
    key: str  # a product type, a carrier code, on_time / late; "" for none
    current: CsatFigures
    previous: CsatFigures


def _csat(count: int, satisfied: int, mean) -> CsatFigures:
    return CsatFigures(satisfied, count, Decimal(mean).quantize(Decimal("0.01")) if mean is not None else None)


def _sql_rows(*, merchant, previous: datetime, start: datetime, end: datetime, by: str) -> list[tuple]:
    params = {"merchant": merchant.pk, "tz": merchant.time_zone, "previous": previous, "start": start, "end": end}
    with connection.cursor() as cursor:
        cursor.execute(_ANSWERS + BREAKDOWNS[by], params)
        return cursor.fetchall()


def csat_breakdown(*, merchant, start: date, end: date, by: str) -> list[GroupScores]:
    """The CSAT figures of each group in the period and the one before it (as long, just before).

    Groups with answers in either period, the most answered in the period first.
    """
    since, until = period_bounds(merchant, start, end)
    previous = period_bounds(merchant, *previous_period(start, end))[0]
    engine = _sql_rows if engines.on_postgresql() else small_shop_breakdowns.breakdown_rows
    rows = engine(merchant=merchant, previous=previous, start=since, end=until, by=by)
    empty = CsatFigures(0, 0, None)
    figures: dict[str, dict[bool, CsatFigures]] = {}
    for key, current, count, satisfied, mean in rows:
        figures.setdefault(key, {})[current] = _csat(count, satisfied, mean)
    groups = [GroupScores(key, found.get(True, empty), found.get(False, empty)) for key, found in figures.items()]
    if by == "promise":
        return sorted(groups, key=lambda group: PROMISE_GROUPS.index(group.key))
    return sorted(groups, key=lambda group: (-group.current.count, group.key == "", group.key))


def previous_period(start: date, end: date) -> tuple[date, date]:
    """As many days, ending the day before `start`."""
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)
