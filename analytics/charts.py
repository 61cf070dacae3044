"""Weekly orders as bars of a server-drawn SVG: coordinates computed here, drawn by the template."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection

from merchants.models import Merchant

from .aggregates import COUNTED, shop_is_built

WIDTH, HEIGHT, GAP = 600, 160, 4

_WEEKS_FROM_DAYS = """
SELECT date_trunc('week', day)::date, sum(orders) FROM analytics_dailyorderaggregate
WHERE merchant_id = %(merchant)s AND day >= %(first)s AND day < %(last)s GROUP BY 1
"""
_WEEKS_FROM_ORDERS = f"""
SELECT date_trunc('week', (o.placed_at AT TIME ZONE %(tz)s)::date)::date, count(*) FROM orders_order o
WHERE o.merchant_id = %(merchant)s AND {COUNTED}
  AND o.placed_at >= (%(first)s::timestamp AT TIME ZONE %(tz)s) AND o.placed_at < (%(last)s::timestamp AT TIME ZONE %(tz)s)
GROUP BY 1
"""  # noqa: S608 - only module constants are interpolated; values are parameters


@dataclass(frozen=True)
class Bar:
    week: date
    orders: int
    x: float
    y: float
    width: float
    height: float


def weekly_orders(merchant: Merchant, first: date, last: date) -> list[Bar]:
    """One bar per week (Monday first) of the days [first, last), empty weeks included."""
    sql = _WEEKS_FROM_DAYS if shop_is_built(merchant) else _WEEKS_FROM_ORDERS
    with connection.cursor() as cursor:
        cursor.execute(sql, {"merchant": merchant.pk, "tz": merchant.time_zone, "first": first, "last": last})
        counts = dict(cursor.fetchall())
    return week_bars(first, last, counts)


def week_bars(first: date, last: date, counts: dict[date, int]) -> list[Bar]:
    """The bars of the weeks of the days [first, last) from the orders of each week (by its Monday)."""
    weeks = []
    week = first - timedelta(days=first.weekday())
    while week < last:
        weeks.append(week)
        week += timedelta(days=7)
    return bars(weeks, [int(counts.get(week, 0)) for week in weeks])


def bars(weeks: list[date], values: list[int]) -> list[Bar]:
    if not weeks:
        return []
    top = max(values) or 1
    step = WIDTH / len(weeks)
    result = []
    for index, (week, value) in enumerate(zip(weeks, values, strict=True)):
        height = round(HEIGHT * value / top, 1)
        result.append(Bar(week, value, round(index * step + GAP / 2, 1), HEIGHT - height, round(step - GAP, 1), height))
    return result
