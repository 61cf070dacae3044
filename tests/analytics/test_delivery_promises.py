"""Delivery promises (docs/kpis.md): on-time rate against the window shown when the parcel shipped, transit
in business days; the API key, the page's table and its CSV, worked out by hand on a Paris March.

March 2026: Friday 6, Saturday 7, Monday 9 … Friday 13. Colissimo's default is 1 to 3 business days, so a
parcel shipped on Friday 6 is promised Monday 9 to Wednesday 11.
  P1 colissimo: shipped Fri 6, promised Mon 9–Wed 11, delivered Tue 10: on time, 2 business days (Mon, Tue).
  P2 colissimo: shipped Fri 6, promised Mon 9–Wed 11, delivered Thu 12: late, 4 business days.
  P3 colissimo: shipped Mon 9, promised Tue 10–Thu 12; the carrier then says Mon 16; delivered Fri 13: late
      against the promise shown (the later estimate does not change it), 4 business days.
  P4 colissimo: shipped Sat 7 (leaves Monday), promised Tue 10–Thu 12, delivered Mon 9: early, on time, 1 day.
  P5 dhl: shipped Mon 9 before promises were recorded (none), delivered Wed 11: not in the rate, 2 days.
Left out: a parcel delivered on April 1 at 00:30 in Paris (after the period), a test order's parcel, a
return parcel, a cancelled parcel, the other shop's parcel.

Colissimo: 4 delivered, 4 with a window, 2 on time = 0.5; transit 1, 2, 4, 4: median 3.0 (between 2 and 4),
90th percentile 4.0. DHL Express: 1 delivered, none with a window: rate null; transit 2, 2.
All carriers: 5 delivered, 4 with a window, 2 on time = 0.5; transit 1, 2, 2, 4, 4: median 2.0, p90 4.0.
"""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from analytics.delivery_promises import _PROMISES as PROMISES_SQL
from analytics.engine import delivery_promises
from core.ranges import Period
from core.scoping import merchant_scope
from tracking.models import Shipment, ShipmentDirection
from tracking.services import shipment_upsert, tracking_event_add

from .history import POSTGRESQL_ONLY, order, paris

pytestmark = [pytest.mark.django_db, POSTGRESQL_ONLY, pytest.mark.usefixtures("engine")]

MARCH = Period(paris(2026, 3, 1), paris(2026, 4, 1))
KPIS = "/api/v1/analytics/kpis"


def _parcel(merchant, key, carrier, shipped, delivered=None, *, test=False, carrier_says=None):
    placed = order(merchant, key, f"{key}@example.org", paris(2026, 3, 1, 9), "10.00", test=test)
    parcel = shipment_upsert(
        merchant=merchant, order=placed, external_id=key, carrier_hint=carrier, tracking_number="", shipped_at=shipped
    )
    if carrier_says:
        tracking_event_add(
            merchant=merchant,
            shipment=parcel,
            status="in_transit",
            occurred_at=shipped,
            source="test",
            estimated_delivery=carrier_says,
        )
    if delivered:
        tracking_event_add(merchant=merchant, shipment=parcel, status="delivered", occurred_at=delivered, source="test")
    parcel.refresh_from_db()
    return parcel


def _march(merchant) -> dict:
    parcels = {
        "p1": _parcel(merchant, "p1", "colissimo", paris(2026, 3, 6, 10), paris(2026, 3, 10, 11)),
        "p2": _parcel(merchant, "p2", "colissimo", paris(2026, 3, 6, 10), paris(2026, 3, 12, 11)),
        "p3": _parcel(
            merchant, "p3", "colissimo", paris(2026, 3, 9, 10), paris(2026, 3, 13, 11), carrier_says=date(2026, 3, 16)
        ),
        "p4": _parcel(merchant, "p4", "colissimo", paris(2026, 3, 7, 10), paris(2026, 3, 9, 16)),
        "p5": _parcel(merchant, "p5", "dhl", paris(2026, 3, 9, 10), paris(2026, 3, 11, 11)),
        "april": _parcel(merchant, "april", "colissimo", paris(2026, 3, 27, 10), paris(2026, 4, 1, 0, 30)),
        "test": _parcel(merchant, "test", "colissimo", paris(2026, 3, 6, 10), paris(2026, 3, 20, 11), test=True),
        "cancelled": _parcel(merchant, "cancelled", "colissimo", paris(2026, 3, 6, 10), paris(2026, 3, 20, 11)),
    }
    with merchant_scope(merchant):
        # Shipped before the window shown was recorded: the migration left it without one.
        Shipment.objects.filter(pk=parcels["p5"].pk).update(promised_delivery_from=None, promised_delivery_to=None)
        Shipment.objects.filter(pk=parcels["cancelled"].pk).update(cancelled_at=paris(2026, 3, 21))
        Shipment.all_directions.create(
            merchant=merchant,
            order=parcels["p1"].order,
            direction=ShipmentDirection.RETURN,
            carrier="colissimo",
            tracking_number="8R00000000001",
            status="delivered",
            shipped_at=paris(2026, 3, 14, 10),
            delivered_at=paris(2026, 3, 20, 10),
        )
    return parcels


@pytest.fixture
def march(merchant):
    return _march(merchant)


def test_the_promise_is_the_window_shown_when_the_parcel_shipped(merchant, march):
    p1, p3, p4 = march["p1"], march["p3"], march["p4"]
    assert (p1.promised_delivery_from, p1.promised_delivery_to) == (date(2026, 3, 9), date(2026, 3, 11))
    assert (p4.promised_delivery_from, p4.promised_delivery_to) == (date(2026, 3, 10), date(2026, 3, 12))
    # The carrier moved the estimate shown now; the promise made when it shipped stays.
    assert (p3.estimated_delivery_from, p3.estimated_delivery_to) == (date(2026, 3, 16), date(2026, 3, 16))
    assert (p3.promised_delivery_from, p3.promised_delivery_to) == (date(2026, 3, 10), date(2026, 3, 12))
    # A later update of the shipment (a new ship date) does not rewrite the promise either.
    moved = shipment_upsert(
        merchant=merchant, order=p1.order, external_id="p1", tracking_number="", shipped_at=paris(2026, 3, 12, 10)
    )
    assert moved.promised_delivery_to == date(2026, 3, 11)


def test_on_time_rate_and_business_days_per_carrier(merchant, march, django_assert_num_queries):
    with django_assert_num_queries(1):
        figures = delivery_promises(merchant, MARCH)
    colissimo, dhl = figures.carriers
    assert (colissimo.carrier, colissimo.name, dhl.name) == ("colissimo", "La Poste Colissimo", "DHL Express")
    assert (colissimo.delivered, colissimo.with_promise, colissimo.on_time) == (4, 4, 2)
    assert colissimo.on_time_rate == Decimal("0.5000")
    assert (colissimo.transit_median, colissimo.transit_p90) == (Decimal("3.0"), Decimal("4.0"))
    assert (dhl.delivered, dhl.with_promise, dhl.without_promise, dhl.on_time_rate) == (1, 0, 1, None)
    assert (dhl.transit_median, dhl.transit_p90) == (Decimal("2.0"), Decimal("2.0"))
    total = figures.total
    assert (total.delivered, total.with_promise, total.without_promise, total.on_time) == (5, 4, 1, 2)
    assert total.on_time_rate == Decimal("0.5000")
    assert (total.transit_median, total.transit_p90) == (Decimal("2.0"), Decimal("4.0"))


def test_business_days_over_a_weekend_match_the_tracking_windows(merchant):
    """Shipped Friday 6 at 23:30 in Paris (22:30 UTC: still Friday there), delivered Monday 9: 1 business day."""
    _parcel(merchant, "fri", "gls", paris(2026, 3, 6, 23, 30), paris(2026, 3, 9, 9))
    _parcel(merchant, "sat", "gls", paris(2026, 3, 7, 9), paris(2026, 3, 7, 15))  # a Saturday delivery: 0
    figures = delivery_promises(merchant, MARCH)
    assert (figures.total.transit_median, figures.total.transit_p90) == (Decimal("0.5"), Decimal("0.9"))


def test_an_empty_shop_has_nulls(merchant):
    figures = delivery_promises(merchant, MARCH)
    assert figures.carriers == []
    total = figures.total
    assert (total.delivered, total.on_time_rate, total.transit_median, total.transit_p90) == (0, None, None, None)


def test_the_api_gives_the_figures_and_the_previous_period(api, merchant, march, other_merchant):
    _march(other_merchant)  # the same parcels in another shop change nothing here
    response = api.get(KPIS, {"from": "2026-03-01", "to": "2026-04-01", "as_of": "2026-07-01"})
    assert response.status_code == 200
    body = response.json()
    assert body["delivery_promises"] == {
        "carriers": [
            {
                "carrier": "colissimo",
                "carrier_name": "La Poste Colissimo",
                "delivered": 4,
                "with_promise": 4,
                "without_promise": 0,
                "on_time": 2,
                "on_time_rate": 0.5,
                "transit_median_business_days": 3.0,
                "transit_p90_business_days": 4.0,
            },
            {
                "carrier": "dhl",
                "carrier_name": "DHL Express",
                "delivered": 1,
                "with_promise": 0,
                "without_promise": 1,
                "on_time": 0,
                "on_time_rate": None,
                "transit_median_business_days": 2.0,
                "transit_p90_business_days": 2.0,
            },
        ],
        "all_carriers": {
            "delivered": 5,
            "with_promise": 4,
            "without_promise": 1,
            "on_time": 2,
            "on_time_rate": 0.5,
            "transit_median_business_days": 2.0,
            "transit_p90_business_days": 4.0,
        },
    }
    assert body["previous"]["delivery_promises"]["all_carriers"]["delivered"] == 0
    assert body["previous"]["delivery_promises"]["all_carriers"]["on_time_rate"] is None


def test_as_of_ends_the_period_for_deliveries(api, march):
    """As of March 11 (midnight in Paris) only P4 (Mon 9) and P1 (Tue 10) were delivered: both on time."""
    response = api.get(KPIS, {"from": "2026-03-01", "to": "2026-04-01", "as_of": "2026-03-11"})
    total = response.json()["delivery_promises"]["all_carriers"]
    assert (total["delivered"], total["on_time"], total["on_time_rate"]) == (2, 2, 1.0)


PAGE = "/app/analytics/"
PAGE_MARCH = {"range": "custom", "from": "2026-03-01", "to": "2026-03-31"}


def test_the_page_shows_the_table_by_carrier_name(staff_client, march, other_merchant):
    _march(other_merchant)
    page = staff_client.get(PAGE, PAGE_MARCH).content.decode()
    table = page[page.index('id="delivery-promises"') :]
    table = table[: table.index("</section>")]
    assert "La Poste Colissimo" in table and "DHL Express" in table and "All carriers" in table
    assert ">colissimo<" not in table and ">dhl<" not in table  # names, never codes
    assert '<td class="num">4</td><td class="num">4</td><td class="num">2</td><td class="num">50%</td>' in table
    assert "1 delivered parcel has no delivery window recorded from when it shipped" in table


def test_the_page_in_french(staff_client, owner, march):
    owner.language = "fr"
    owner.save(update_fields=["language"])
    page = staff_client.get(PAGE, PAGE_MARCH, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Promesses de livraison" in page and "Tous les transporteurs" in page
    assert "50\u00a0%" in page


def test_an_empty_period_says_no_parcel(staff_client, merchant):
    page = staff_client.get(PAGE, PAGE_MARCH).content.decode()
    assert "No parcel was delivered in this period." in page


def test_the_csv_export(staff_client, march, other_merchant):
    _march(other_merchant)
    response = staff_client.get("/app/analytics/delivery-promises.csv", PAGE_MARCH)
    assert response["Content-Disposition"] == 'attachment; filename="delivery-promises-2026-03-01-2026-03-31.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        [
            "carrier",
            "delivered",
            "with_promise",
            "without_promise",
            "on_time",
            "on_time_rate",
            "previous_on_time_rate",
            "transit_median_business_days",
            "transit_p90_business_days",
        ],
        ["La Poste Colissimo", "4", "4", "0", "2", "0.5000", "", "3.0", "4.0"],
        ["DHL Express", "1", "0", "1", "0", "", "", "2.0", "2.0"],
        ["All carriers", "5", "4", "1", "2", "0.5000", "", "2.0", "4.0"],
    ]


def test_the_csv_export_refuses_a_bad_range(staff_client, march):
    bad = {"range": "custom", "from": "2026-03-31", "to": "2026-03-01"}
    assert staff_client.get("/app/analytics/delivery-promises.csv", bad).status_code == 400


def test_the_query_reads_the_parcels_delivered_in_the_period_by_their_index(merchant, march):
    """(merchant, delivered_at) narrows the shop's parcels to the period's (EXPLAIN on 100,000 parcels:
    docs/performance.md): with years of parcels delivered before March, the plan reads that index."""
    placed = order(merchant, "old", "old@example.org", paris(2020, 1, 1, 9), "10.00")
    with merchant_scope(merchant):
        Shipment.objects.bulk_create(
            Shipment(
                merchant=merchant,
                order=placed,
                external_id=f"old-{n}",
                carrier="colissimo" if n % 2 else "dhl",
                shipped_at=paris(2020, 1, 1) + timedelta(hours=n),
                delivered_at=paris(2020, 1, 2) + timedelta(hours=n),
            )
            for n in range(5000)
        )
    params = {
        "merchant": merchant.pk,
        "tz": str(merchant.tzinfo),
        "outbound": ShipmentDirection.OUTBOUND,
        "start": MARCH.start,
        "end": MARCH.end,
    }
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tracking_shipment")
        cursor.execute("EXPLAIN " + PROMISES_SQL, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "shipment_delivered_at" in plan, plan
