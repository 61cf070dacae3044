"""The Analytics page's customer service tiles: WISMO rate and reduction, tracking page views per order
shipped, NPS, each against the period before (docs/kpis.md "WISMO" and "Feedback"), worked by hand.

March 2026 (Paris) against the 31 days before it (January 29 to February 28):
  March: 4 orders first shipped, 1 tracking-page contact + 1 helpdesk ticket counted as WISMO: 50.00 per 100;
      6 tracking page views: 1.5 per order; baseline (30 + 50) × 100 / (40 + 60) = 80.00, so 1 − 50 / 80 =
      37.5 % fewer; NPS answers 10 9 9 8 7 6 5 10 3 9: 5 promoters, 3 detractors of 10: +20.
  February: 2 orders shipped, 2 contacts: 100.00 per 100; reduction 1 − 100 / 80 = −25 %; no page view: 0;
      NPS answers 10 and 6: 50 − 50 = 0.
Changes: WISMO rate −50 % (down, which is better: shown as good), reduction +62.5 points, views none (nothing
the period before to compare with), NPS +20 points.
"""

from datetime import date

import pytest

from feedback.models import Kind
from support.services import WeekInput, baseline_weeks_import
from tests.feedback.test_staff import answered
from tests.support.test_wismo_rate import shipped, ticket
from tracking.models import TrackingPageView, WismoContact

from .history import POSTGRESQL_ONLY, paris

pytestmark = [pytest.mark.django_db, POSTGRESQL_ONLY]

PAGE = "/app/analytics/"
MARCH = {"range": "custom", "from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def contacts(scoped):
    merchant = scoped
    first = shipped(merchant, paris(2026, 3, 2, 9))
    for day in (3, 5, 31):
        shipped(merchant, paris(2026, 3, day, 9))
    WismoContact.objects.create(merchant=merchant, order=first, reason="late", created_at=paris(2026, 3, 4, 9))
    ticket(merchant, "m1", paris(2026, 3, 5, 9), "Où est ma commande ?")
    ticket(merchant, "m2", paris(2026, 3, 6, 9), "Facture")  # not WISMO
    for _view in range(6):
        TrackingPageView.objects.create(merchant=merchant, order=first, viewed_at=paris(2026, 3, 5, 9))
    february = shipped(merchant, paris(2026, 2, 10, 9))
    shipped(merchant, paris(2026, 2, 27, 9))
    WismoContact.objects.create(merchant=merchant, order=february, reason="late", created_at=paris(2026, 2, 11, 9))
    ticket(merchant, "f1", paris(2026, 2, 12, 9), "Where is my order")
    baseline_weeks_import(
        merchant=merchant, weeks=[WeekInput(date(2026, 1, 5), 30, 40), WeekInput(date(2026, 1, 12), 50, 60)]
    )
    answered(merchant, Kind.NPS, [10, 9, 9, 8, 7, 6, 5, 10, 3, 9], at=paris(2026, 3, 20, 12))
    answered(merchant, Kind.NPS, [10, 6], at=paris(2026, 2, 20, 12))
    return merchant


def _tile(page: str, name: str) -> str:
    tile = page[page.index(f'id="kpi-{name}"') :]
    return " ".join(tile[: tile.index("</div>")].split())


@pytest.mark.usefixtures("engine")  # the same figures from the Python engine (SQLite's)
def test_the_tiles_with_the_period_before(staff_client, contacts):
    page = staff_client.get(PAGE, MARCH).content.decode()
    rate = _tile(page, "wismo_rate")
    assert '<span class="stat-value">50</span>' in rate and "Before: 100" in rate
    assert '<span class="kpi-change up">-50%</span>' in rate  # fewer contacts: shown as the good direction
    reduction = _tile(page, "wismo_reduction")
    assert "37.5%" in reduction and "Before: -25%" in reduction and "+62.5 pts" in reduction
    views = _tile(page, "tracking_page_views_per_shipped_order")
    assert '<span class="stat-value">1.5</span>' in views and "Before: 0" in views and "kpi-change" not in views
    nps = _tile(page, "nps")
    assert '<span class="stat-value">+20</span>' in nps and "Before: 0" in nps
    assert '<span class="kpi-change up">+20 pts</span>' in nps


@pytest.mark.usefixtures("engine")
def test_the_csv_has_them_too(staff_client, contacts):
    lines = b"".join(staff_client.get("/app/analytics/kpis.csv", MARCH).streaming_content).decode().splitlines()
    assert "wismo_rate,,50.00,100.00" in lines
    assert "wismo_reduction,,0.3750,'-0.2500" in lines  # a leading minus is neutralised for spreadsheets
    assert "tracking_page_views_per_shipped_order,,1.5000,0.0000" in lines
    assert "nps,,20,0" in lines


@pytest.mark.usefixtures("engine")
def test_an_empty_shop_shows_dashes(staff_client, scoped):
    page = staff_client.get(PAGE, MARCH).content.decode()
    for name in ("wismo_rate", "wismo_reduction", "tracking_page_views_per_shipped_order", "nps"):
        tile = _tile(page, name)
        assert '<span class="stat-value">—</span>' in tile and "Before: —" in tile and "kpi-change" not in tile


@pytest.mark.usefixtures("engine")
def test_another_shops_contacts_do_not_count(staff_client, contacts, other_merchant):
    from core.scoping import merchant_scope

    with merchant_scope(other_merchant):
        order = shipped(other_merchant, paris(2026, 3, 2, 9))
        for _contact in range(5):
            WismoContact.objects.create(
                merchant=other_merchant, order=order, reason="late", created_at=paris(2026, 3, 4, 9)
            )
    page = staff_client.get(PAGE, MARCH).content.decode()
    assert '<span class="stat-value">50</span>' in _tile(page, "wismo_rate")


def test_the_page_query_count_with_the_tiles(staff_client, contacts, django_assert_num_queries):
    # The dashboard's own (2), the order KPIs of a shop whose aggregates are not built yet (2 × 5: answered
    # from its orders), bars (2), cohorts (1), returns (5), predicted CLV (1), delivery promises (2), flows
    # with a holdout (1), the email KPIs (1), and the service tiles: 2 × (5 WISMO + 1 scores).
    with django_assert_num_queries(2 + 2 * 5 + 2 + 1 + 5 + 1 + 2 + 1 + 1 + 2 * 6):
        assert staff_client.get(PAGE, MARCH).status_code == 200


def test_the_tiles_in_french(staff_client, owner, contacts):
    owner.language = "fr"
    owner.save(update_fields=["language"])
    page = staff_client.get(PAGE, MARCH, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Demandes «\u00a0Où est ma commande\u00a0?\u00a0» en moins qu’avant" in page
    tile = page[page.index('id="kpi-wismo_reduction"') :]
    assert "37,5\u00a0%" in tile[: tile.index("</div>")] and "+62,5" in tile[: tile.index("</div>")]
