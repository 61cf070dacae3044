"""Order events mark the order's day dirty for the next aggregate run (docs/kpis.md, Computation)."""

from django.db import connection

from orders.events import batch_defer

from .aggregates import days_mark_dirty, order_day


def on_order_event(event) -> None:
    """Any change to an order or its refunds (a refund recorded later changes its day's net revenue).

    Idempotent: marking a day twice is one mark. An order moved to another day leaves its old day
    unknown, so the shop is rebuilt in full by the next run.
    """
    order = event.order
    if order is None:
        return
    if "placed_at" in (event.payload or {}).get("changed", ()):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM analytics_aggregatestate WHERE merchant_id = %s", [order.merchant_id])
        return
    # Inside a publishing batch, one INSERT for all its orders' days.
    batch_defer(
        ("analytics-dirty-days",), [(order.merchant_id, order_day(event.merchant, order.placed_at))], days_mark_dirty
    )
