"""The daily table kept up to date by dirty days equals one rebuilt from all the orders."""

import pytest

from analytics.aggregates import aggregates_rebuild, shops_to_refresh
from analytics.models import DailyOrderAggregate, DirtyDay
from analytics.tasks import refresh_daily_aggregates
from core.scoping import merchant_scope, unscoped
from orders.events import events_publish_pending
from orders.services import order_cancel

from .history import POSTGRESQL_ONLY, order, paris, refund, seed_history

pytestmark = [pytest.mark.django_db, POSTGRESQL_ONLY]


def table(merchant) -> list[tuple]:
    with merchant_scope(merchant):
        rows = DailyOrderAggregate.objects.order_by("day", "currency")
        return list(rows.values_list("day", "currency", "orders", "gross", "refunded"))


def dirty_days(merchant) -> list:
    with merchant_scope(merchant):
        return sorted(DirtyDay.objects.values_list("day", flat=True))


def test_dirty_days_recompute_equals_a_full_rebuild(merchant, other_merchant):
    orders = seed_history(merchant)
    events_publish_pending()
    refresh_daily_aggregates()  # never built: built in full, the marks of its history dropped
    assert dirty_days(merchant) == []
    # Later: a new order, a refund on a March order, a cancel, and an order updated in place.
    order(merchant, "g1", "g@example.org", paris(2026, 6, 2, 8), "70.00")
    refund(merchant, orders["b2"], "rb2", "5.00", paris(2026, 6, 3, 9))
    order_cancel(merchant=merchant, order=orders["e2"], reason="customer")
    order(merchant, "c2", "c@example.org", paris(2026, 5, 15, 12), "65.00", "USD")
    events_publish_pending()
    assert [str(day) for day in dirty_days(merchant)] == ["2026-03-25", "2026-04-01", "2026-05-15", "2026-06-02"]
    incremental_before = table(merchant)

    assert refresh_daily_aggregates() == 1
    incremental = table(merchant)
    assert incremental != incremental_before and dirty_days(merchant) == []
    aggregates_rebuild(merchant=merchant)
    assert incremental == table(merchant)
    assert table(other_merchant) == []


def test_a_retried_run_changes_nothing(merchant):
    seed_history(merchant)
    refresh_daily_aggregates()
    built = table(merchant)
    assert refresh_daily_aggregates() == 0  # nothing dirty, nothing never built
    assert table(merchant) == built


def test_an_order_moved_to_another_day_rebuilds_the_shop(merchant):
    seed_history(merchant)
    refresh_daily_aggregates()
    order(merchant, "a1", "a@example.org", paris(2026, 2, 10, 12), "100.00")  # the shop corrected its date
    events_publish_pending()
    with unscoped():
        assert merchant.pk in shops_to_refresh()[0]
    refresh_daily_aggregates()
    assert ("2026-02-10", "EUR", 1) in [(str(day), cur, n) for day, cur, n, *_ in table(merchant)]
    assert "2026-01-10" not in [str(row[0]) for row in table(merchant)]
