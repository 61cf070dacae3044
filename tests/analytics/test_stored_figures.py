"""The Analytics page's preset ranges stored per shop and day (analytics/stored_figures.py): exactly the
figures computed live, a preset page in a few queries, refreshed after the shop's orders change and when
old, each shop's own."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from analytics.aggregates import aggregates_rebuild
from analytics.models import StoredFigures
from analytics.page_figures import page_figures
from analytics.stored_figures import (
    STALE_AFTER,
    figures_decode,
    figures_encode,
    figures_store,
    figures_stored,
    preset_viewed,
    stored_figures_refresh,
)
from analytics.tasks import refresh_daily_aggregates
from core.ranges import Chosen, chosen_range
from core.scoping import merchant_scope, unscoped
from orders.events import events_publish_pending
from tests.conftest import login_as
from tests.factories import MembershipFactory
from tests.flows.test_holdouts import marketing_flow
from tests.returns.test_figures import march_history

from .email_history import seed_email_history
from .history import POSTGRESQL_ONLY, order, paris, seed_history
from .test_delivery_promises import _march as march_parcels

pytestmark = [pytest.mark.django_db, POSTGRESQL_ONLY]

URL = "/app/analytics/"
YEAR_2026 = Chosen("year", date(2026, 1, 1), date(2026, 12, 31))
AS_OF = paris(2026, 12, 31, 18)


def _orders_holdouts(merchant):
    seed_history(merchant)
    marketing_flow(merchant, percent=10)


@pytest.mark.parametrize("seed", [_orders_holdouts, seed_email_history, march_history, march_parcels])
def test_the_stored_figures_are_the_live_ones(merchant, seed):
    """Every part of the page (KPIs, bars, cohorts, CLV, returns, emails, parcels, holdouts, service tiles)
    comes back from the table equal to what was computed, Decimals to the last digit."""
    seed(merchant)
    aggregates_rebuild(merchant=merchant)
    with merchant_scope(merchant):
        live = page_figures(merchant, YEAR_2026, AS_OF)
        figures_store(merchant, YEAR_2026, live)
        stored = figures_stored(merchant, YEAR_2026)
    assert stored == live
    assert [str(value) for value in stored["current"].values()] == [str(value) for value in live["current"].values()]
    assert stored["current"]["orders"] or stored["returns"].items_shipped or stored["promises"].total.delivered


def test_an_unknown_kind_of_figure_is_refused_not_stored_half():
    with pytest.raises(TypeError, match="cannot keep"):
        figures_encode({"when": timedelta(days=1)})
    assert figures_decode(figures_encode({1: [date(2026, 3, 1), None, 0.5]})) == {1: [date(2026, 3, 1), None, 0.5]}


def _page(client, query):
    response = client.get(URL, query)
    assert response.status_code == 200
    return response.content.decode()


def test_a_preset_page_reads_one_row(staff_client, merchant, django_assert_num_queries):
    """The dashboard's own (2) and when the stored row was computed (1): its figures rendered in the reader's
    language are kept in the cache while the row is current. The first view of the day finds no row (1),
    computes the figures as a custom range does (37: test_page.py) and stores them (1)."""
    order(merchant, "today", "t@example.org", timezone.now() - timedelta(minutes=5), "42.00")
    aggregates_rebuild(merchant=merchant)
    with django_assert_num_queries(2 + 1 + 1 + 37 + 1):
        first = _page(staff_client, {"range": "30"})
    with django_assert_num_queries(2 + 1):
        again = _page(staff_client, {"range": "30"})
    figures = again.index('<section class="kpis"')  # the same figures; the form's CSRF token differs
    assert again[figures:] == first[first.index('<section class="kpis"') :]
    assert "€42.00" in again and "Figures as of " in again
    with merchant_scope(merchant):
        assert list(StoredFigures.objects.values_list("preset", flat=True)) == ["30"]


def test_figures_kept_by_an_earlier_version_are_computed_again(staff_client, merchant):
    """A row whose figures no longer decode (a kind of figure since removed, a field since renamed) is
    recomputed and replaced instead of failing the page."""
    order(merchant, "today", "t@example.org", timezone.now() - timedelta(minutes=5), "42.00")
    _page(staff_client, {"range": "30"})
    with merchant_scope(merchant):
        row = StoredFigures.objects.get()
        row.figures = {"$": "dict", "v": [["holdouts", {"$": "Missing", "v": {}}]]}
        row.save()
    cache.clear()  # the rendered section of the row, kept while it is current

    assert "€42.00" in _page(staff_client, {"range": "30"})
    with merchant_scope(merchant):
        assert figures_decode(StoredFigures.objects.get().figures)["current"]["orders"] == 1


def test_a_custom_range_is_computed_on_every_request(staff_client, merchant, django_assert_num_queries):
    aggregates_rebuild(merchant=merchant)
    custom = {"range": "custom", "from": "2026-03-01", "to": "2026-03-31"}
    for _request in range(2):
        with django_assert_num_queries(2 + 37):
            _page(staff_client, custom)
    with merchant_scope(merchant):
        assert not StoredFigures.objects.exists()


def test_the_minute_task_refreshes_them_after_the_orders_change(
    staff_client, merchant, django_capture_on_commit_callbacks
):
    order(merchant, "one", "a@example.org", timezone.now() - timedelta(hours=1), "10.00")
    aggregates_rebuild(merchant=merchant)
    assert '<span class="stat-value">1</span>' in _page(staff_client, {"range": "30"})
    order(merchant, "two", "b@example.org", timezone.now() - timedelta(minutes=1), "20.00")
    events_publish_pending()  # the order's event marks today dirty
    assert '<span class="stat-value">1</span>' in _page(staff_client, {"range": "30"})  # as of the first view
    with django_capture_on_commit_callbacks(execute=True):
        assert refresh_daily_aggregates() == 1
    page = _page(staff_client, {"range": "30"})
    assert '<span class="stat-value">2</span>' in page and "€15.00" in page  # two orders, their average


def test_old_figures_are_refreshed_and_earlier_days_dropped(merchant, django_capture_on_commit_callbacks):
    """Figures no order marks (emails, parcels, contacts) follow within STALE_AFTER; fresh rows of a shop
    whose orders did not change are left as they are."""
    now = timezone.now()
    today = timezone.localtime(now, merchant.tzinfo).date()
    aggregates_rebuild(merchant=merchant)
    with merchant_scope(merchant):
        for preset in ("30", "year"):
            chosen = chosen_range({"range": preset}, today)
            figures_store(merchant, chosen, page_figures(merchant, chosen, now - STALE_AFTER / 2))
    with django_capture_on_commit_callbacks(execute=True):
        refresh_daily_aggregates()
    with merchant_scope(merchant):
        fresh = dict(StoredFigures.objects.values_list("preset", "as_of"))
        assert fresh.keys() == {"30", "year"} and fresh["30"] == fresh["year"] < now  # not refreshed
        yesterday = chosen_range({"range": "90"}, today - timedelta(days=1))
        figures_store(merchant, yesterday, page_figures(merchant, yesterday, now - timedelta(days=1)))
    with django_capture_on_commit_callbacks(execute=True):
        refresh_daily_aggregates()
    with merchant_scope(merchant):
        rows = {row.preset: row for row in StoredFigures.objects.all()}
    assert rows.keys() == {"30", "year"} and all(row.as_of > now and row.day == today for row in rows.values())


def test_a_preset_viewed_lately_is_ready_on_the_new_days_first_view(merchant, staff_client):
    """Yesterday's "90" was looked at, its "year" was not: the refresh after midnight computes today's "90"
    (its first view reads stored figures) and drops both of yesterday's rows."""
    now = timezone.now()
    today = timezone.localtime(now, merchant.tzinfo).date()
    with merchant_scope(merchant):
        for preset in ("90", "year"):
            yesterday = chosen_range({"range": preset}, today - timedelta(days=1))
            figures_store(merchant, yesterday, page_figures(merchant, yesterday, now - timedelta(days=1)))
        preset_viewed(merchant, "90")
        assert stored_figures_refresh(merchant=merchant, now=now) == 1
        assert list(StoredFigures.objects.values_list("preset", "day")) == [("90", today)]


def test_a_refresh_twice_changes_nothing_the_second_time(merchant):
    order(merchant, "one", "a@example.org", timezone.now() - timedelta(hours=1), "10.00")
    aggregates_rebuild(merchant=merchant)
    now = timezone.now()
    chosen = chosen_range({"range": "30"}, timezone.localtime(now, merchant.tzinfo).date())
    with merchant_scope(merchant):
        figures_store(merchant, chosen, page_figures(merchant, chosen, now))
        assert stored_figures_refresh(merchant=merchant, now=now) == 1
        first = list(StoredFigures.objects.values_list("pk", "figures"))
        assert stored_figures_refresh(merchant=merchant, now=now) == 1
        assert list(StoredFigures.objects.values_list("pk", "figures")) == first


def test_each_shop_reads_and_refreshes_only_its_own(client, merchant, other_merchant, staff_client):
    order(merchant, "mine", "a@example.org", timezone.now() - timedelta(hours=1), "77.00")
    aggregates_rebuild(merchant=merchant)
    aggregates_rebuild(merchant=other_merchant)
    assert "€77.00" in _page(staff_client, {"range": "30"})
    staff = MembershipFactory(merchant=other_merchant).user
    login_as(client, staff, other_merchant)
    theirs = _page(client, {"range": "30"})
    assert "€77.00" not in theirs and '<span class="stat-value">0</span>' in theirs
    with unscoped():
        assert sorted(StoredFigures.objects.values_list("merchant_id", flat=True)) == sorted(
            [merchant.pk, other_merchant.pk]
        )
        others = list(StoredFigures.objects.filter(merchant=other_merchant).values_list("as_of", "figures"))
    with merchant_scope(merchant):
        stored_figures_refresh(merchant=merchant)
    with unscoped():
        assert list(StoredFigures.objects.filter(merchant=other_merchant).values_list("as_of", "figures")) == others


def test_each_language_gets_the_figures_written_its_way(client, merchant, owner, staff_client):
    """The rendered figures are kept per language: a French reader after an English one reads French."""
    order(merchant, "today", "t@example.org", timezone.now() - timedelta(minutes=5), "42.00")
    aggregates_rebuild(merchant=merchant)
    assert "€42.00" in _page(staff_client, {"range": "30"})
    owner.language = "fr"
    owner.save()
    login_as(client, owner, merchant)
    french = client.get(URL, {"range": "30"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "42,00\xa0€" in french and "Chiffres arrêtés à " in french and "€42.00" not in french
