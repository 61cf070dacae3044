"""/api/v1/shipments: list with filters, detail with events, POST events."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.scoping import merchant_scope
from merchants.models import Role
from tests.conftest import api_client_for
from tests.factories import OrderFactory
from tracking.models import TrackingEvent
from tracking.services import shipment_upsert, tracking_event_add

from .conftest import PLACED

T1 = PLACED + timedelta(hours=6)


@pytest.fixture
def shipment(merchant, order):
    return shipment_upsert(merchant=merchant, order=order, tracking_number="3318810025", shipped_at=T1)


def test_list_and_filters(api, merchant, order, shipment):
    other = shipment_upsert(merchant=merchant, order=order, external_id="2", tracking_number="RB123456785GB")
    tracking_event_add(merchant=merchant, shipment=other, status="exception", occurred_at=T1, source="api")
    body = api.get("/api/v1/shipments").json()
    assert body["count"] == 2
    assert {row["carrier"] for row in body["results"]} == {"dhl", "royal_mail"}
    assert [r["id"] for r in api.get("/api/v1/shipments?carrier=dhl").json()["results"]] == [shipment.pk]
    assert [r["id"] for r in api.get("/api/v1/shipments?status=exception").json()["results"]] == [other.pk]
    assert [r["id"] for r in api.get("/api/v1/shipments?delayed=true").json()["results"]] == [other.pk]
    assert [r["id"] for r in api.get("/api/v1/shipments?delayed=false").json()["results"]] == [shipment.pk]
    bad = api.get("/api/v1/shipments?status=teleported")
    assert bad.status_code == 400 and "status" in bad.json()


@pytest.mark.parametrize(
    ("query", "field"),
    [("delayed=null", "delayed"), ("delayed=", "delayed"), ("status=", "status"), ("carier=dhl", "carier")],
)
def test_filters_refuse_what_they_would_have_ignored(api, shipment, query, field):
    response = api.get(f"/api/v1/shipments?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_list_query_count_does_not_grow_with_shipments(api, merchant):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/shipments").status_code == 200
        return len(queries)

    with merchant_scope(merchant):
        first = OrderFactory(merchant=merchant, placed_at=PLACED)
    shipment_upsert(merchant=merchant, order=first, tracking_number="3318810025")
    count()  # the first request also notes when the key was last used
    baseline = count()
    for index in range(5):
        with merchant_scope(merchant):
            another = OrderFactory(merchant=merchant, placed_at=PLACED)
        shipment_upsert(merchant=merchant, order=another, tracking_number=f"X{index}")
    assert count() == baseline
    assert baseline == 3  # the API key, the count, the page with its orders


def test_detail_has_events(api, merchant, shipment):
    tracking_event_add(
        merchant=merchant, shipment=shipment, status="in_transit", occurred_at=T1, source="api", city="Paris"
    )
    body = api.get(f"/api/v1/shipments/{shipment.pk}").json()
    assert body["order_number"] == "#1001"
    assert [(e["status"], e["city"]) for e in body["events"]] == [("in_transit", "Paris")]


def test_post_event_creates_then_repeats(api, merchant, shipment):
    payload = {"status": "in_transit", "occurred_at": "2025-03-03T18:00:00Z", "description": "Hub", "country": "FR"}
    first = api.post(f"/api/v1/shipments/{shipment.pk}/events", payload, format="json")
    assert first.status_code == 201, first.content
    again = api.post(f"/api/v1/shipments/{shipment.pk}/events", payload, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert api.get(f"/api/v1/shipments/{shipment.pk}").json()["status"] == "in_transit"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "teleported", "occurred_at": "2025-03-03T18:00:00Z"}, "status"),
        ({"status": "in_transit"}, "occurred_at"),
        ({"status": "in_transit", "occurred_at": "yesterday"}, "occurred_at"),
        ({"status": "in_transit", "occurred_at": "2025-03-03T18:00:00"}, "occurred_at"),  # no time zone
        ({"status": "in_transit", "occurred_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()}, "occurred_at"),
        ({"status": "in_transit", "occurred_at": "2024-01-01T00:00:00Z"}, "occurred_at"),  # before the order
        ({"status": "in_transit", "occurred_at": "2025-03-03T18:00:00Z", "country": "France"}, "country"),
        ({"status": "in_transit", "occurred_at": "2025-03-03T18:00:00Z", "description": "x" * 501}, "description"),
    ],
)
def test_post_bad_events_are_400_and_change_nothing(api, merchant, shipment, payload, field):
    response = api.post(f"/api/v1/shipments/{shipment.pk}/events", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    with merchant_scope(merchant):
        assert TrackingEvent.objects.count() == 0


def test_viewer_key_cannot_post(merchant, shipment):
    viewer = api_client_for(merchant, role=Role.VIEWER)
    response = viewer.post(
        f"/api/v1/shipments/{shipment.pk}/events",
        {"status": "in_transit", "occurred_at": "2025-03-03T18:00:00Z"},
        format="json",
    )
    assert response.status_code == 403


def test_other_merchant_cannot_see_or_touch(other_api, shipment):
    assert other_api.get("/api/v1/shipments").json()["count"] == 0
    assert other_api.get(f"/api/v1/shipments/{shipment.pk}").status_code == 404
    response = other_api.post(
        f"/api/v1/shipments/{shipment.pk}/events",
        {"status": "delivered", "occurred_at": "2025-03-03T18:00:00Z"},
        format="json",
    )
    assert response.status_code == 404


def test_schema_documents_the_shipment_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/v1/shipments", "/api/v1/shipments/{id}", "/api/v1/shipments/{id}/events"):
        assert path in schema


def test_options_describes_the_shipment_input_of_an_order(api, order):
    response = api.options(f"/api/v1/orders/{order.pk}/shipments")
    assert response.status_code == 200
    assert "tracking_number" in response.json()["actions"]["POST"]
