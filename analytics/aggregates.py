"""The daily aggregate table: marking days dirty, recomputing them, rebuilding a shop in full.

Everything is one SQL statement per step; no order is ever loaded into Python.
"""

from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from core.scoping import unscoped
from merchants.models import Merchant
from orders.models import COUNTED_SQL as COUNTED

from .models import AggregateState, DirtyDay

# One row per (day, currency) of the shop's counted orders, `refunded` = every refund recorded so far.
# %(days_filter)s narrows it to some days; the day is the order's date in the shop's time zone.
_AGGREGATE_SELECT = f"""
SELECT %(merchant)s, (o.placed_at AT TIME ZONE %(tz)s)::date AS day, o.currency, count(*),
       sum(o.total), coalesce(sum(r.refunded), 0)
FROM orders_order o
LEFT JOIN (SELECT order_id, sum(amount) AS refunded FROM orders_refund WHERE merchant_id = %(merchant)s
           GROUP BY order_id) r ON r.order_id = o.id
WHERE o.merchant_id = %(merchant)s AND {COUNTED} {{days_filter}}
GROUP BY 2, 3
"""  # noqa: S608 - only module constants are interpolated; values are parameters
_INSERT = "INSERT INTO analytics_dailyorderaggregate (merchant_id, day, currency, orders, gross, refunded) "


def order_day(merchant: Merchant, placed_at: datetime) -> date:
    return timezone.localtime(placed_at, merchant.tzinfo).date()


def days_mark_dirty(marks: list[tuple[int, date]]) -> None:
    """Mark (merchant id, day) pairs dirty in one statement (a publishing batch's marks together)."""
    marks = sorted(set(marks))
    if not marks:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO analytics_dirtyday (merchant_id, day, marked_at)"
            " SELECT merchant_id, day, %s FROM unnest(%s::bigint[], %s::date[]) AS mark(merchant_id, day)"
            " ON CONFLICT (merchant_id, day) DO NOTHING",
            [timezone.now(), [merchant_id for merchant_id, _day in marks], [day for _id, day in marks]],
        )


def dirty_days_recompute(*, merchant: Merchant) -> int:
    """Recompute the shop's dirty days; returns how many. Claimed and rewritten in one transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM analytics_dirtyday WHERE merchant_id = %s RETURNING day",
            [merchant.pk],
        )
        days = [row[0] for row in cursor.fetchall()]
        if not days:
            return 0
        cursor.execute(
            "DELETE FROM analytics_dailyorderaggregate WHERE merchant_id = %s AND day = ANY(%s)",
            [merchant.pk, days],
        )
        params = {"merchant": merchant.pk, "tz": merchant.time_zone, "days": days}
        # The placed_at range lets PostgreSQL use the (merchant, placed_at) index; the date check is exact.
        days_filter = (
            "AND o.placed_at >= (%(first)s::date::timestamp AT TIME ZONE %(tz)s)"
            " AND o.placed_at < ((%(last)s::date + 1)::timestamp AT TIME ZONE %(tz)s)"
            " AND (o.placed_at AT TIME ZONE %(tz)s)::date = ANY(%(days)s)"
        )
        params |= {"first": min(days), "last": max(days)}
        cursor.execute(_INSERT + _AGGREGATE_SELECT.format(days_filter=days_filter), params)
    return len(days)


def aggregates_rebuild(*, merchant: Merchant) -> None:
    """Every day of the shop from its orders, and the shop marked as built."""
    with transaction.atomic(), connection.cursor() as cursor:
        now = timezone.now()
        cursor.execute("DELETE FROM analytics_dirtyday WHERE merchant_id = %s", [merchant.pk])
        cursor.execute("DELETE FROM analytics_dailyorderaggregate WHERE merchant_id = %s", [merchant.pk])
        params = {"merchant": merchant.pk, "tz": merchant.time_zone}
        cursor.execute(_INSERT + _AGGREGATE_SELECT.format(days_filter=""), params)
        cursor.execute(
            "INSERT INTO analytics_aggregatestate (merchant_id, built_at) VALUES (%s, %s)"
            " ON CONFLICT (merchant_id) DO UPDATE SET built_at = EXCLUDED.built_at",
            [merchant.pk, now],
        )


def shops_to_refresh() -> tuple[list[int], list[int]]:
    """(shops never built, built shops with dirty days), as merchant ids."""
    with unscoped():
        built = set(AggregateState.objects.values_list("merchant_id", flat=True))
        never = list(Merchant.objects.exclude(pk__in=built).values_list("pk", flat=True))
        dirty = set(DirtyDay.objects.values_list("merchant_id", flat=True).distinct())
    return never, sorted(dirty & built)


def shop_is_built(merchant: Merchant) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM analytics_aggregatestate WHERE merchant_id = %s", [merchant.pk])
        return cursor.fetchone() is not None
