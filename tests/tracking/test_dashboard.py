"""Dashboard pages of shipments: list, detail, manual events, needs attention, settings."""

from datetime import timedelta

import pytest
from django.test import Client

from core.scoping import merchant_scope
from merchants.models import Role
from tests.conftest import login_as
from tests.factories import MembershipFactory, UserFactory
from tracking.models import CarrierSetting, Shipment, TrackingEvent
from tracking.services import shipment_upsert, tracking_event_add

from .conftest import PLACED

T1 = PLACED + timedelta(hours=6)


@pytest.fixture
def shipment(merchant, order):
    return shipment_upsert(merchant=merchant, order=order, tracking_number="3318810025", shipped_at=T1)


def client_with_role(client, merchant, role):
    user = UserFactory(email=f"{role}@maison-lumiere.example.com")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=role)
    return login_as(client, user, merchant)


def test_list_filters_and_pagination(staff_client, merchant, order, shipment):
    other = shipment_upsert(merchant=merchant, order=order, external_id="b", tracking_number="RB123456785GB")
    tracking_event_add(merchant=merchant, shipment=other, status="exception", occurred_at=T1, source="api")
    html = staff_client.get("/app/shipments/").content.decode()
    assert "3318810025" in html and "RB123456785GB" in html
    html = staff_client.get("/app/shipments/?carrier=dhl").content.decode()
    assert "3318810025" in html and "RB123456785GB" not in html
    html = staff_client.get("/app/shipments/?delayed=yes").content.decode()
    assert "RB123456785GB" in html and "3318810025" not in html
    html = staff_client.get("/app/shipments/?status=exception&page=99").content.decode()
    assert "RB123456785GB" in html
    assert staff_client.get("/app/shipments/?status=bogus").status_code == 200  # ignored, not a crash


def test_needs_attention_lists_problems(staff_client, merchant, shipment):
    tracking_event_add(merchant=merchant, shipment=shipment, status="attempt_failed", occurred_at=T1, source="api")
    assert "3318810025" in staff_client.get("/app/shipments/attention/").content.decode()


def test_detail_and_manual_event(staff_client, merchant, shipment):
    response = staff_client.get(f"/app/shipments/{shipment.pk}/")
    assert response.status_code == 200 and "Add an event by hand" in response.content.decode()
    response = staff_client.post(
        f"/app/shipments/{shipment.pk}/events/",
        {
            "status": "out_for_delivery",
            "occurred_at": "2025-03-04T08:00",
            "description": "Called the depot",
            "country": "FR",
        },
    )
    assert response.status_code == 302
    with merchant_scope(merchant):
        event = TrackingEvent.objects.get()
        assert Shipment.objects.get(pk=shipment.pk).status == "out_for_delivery"
    assert (event.source, event.occurred_at.hour) == ("staff", 7)  # 08:00 Paris is 07:00 UTC


@pytest.mark.parametrize(
    "data",
    [
        {"status": "teleported", "occurred_at": "2025-03-04T08:00"},
        {"status": "in_transit", "occurred_at": "not a date"},
        {"status": "in_transit", "occurred_at": "2099-01-01T08:00"},
        {"status": "in_transit", "occurred_at": "2020-01-01T08:00"},
        {"status": "in_transit", "occurred_at": "2025-03-04T08:00:00+16:00"},  # PostgreSQL refuses the offset
        {"status": "in_transit", "occurred_at": "0001-01-01T00:00:00+01:00"},  # before year 1 in UTC
    ],
)
def test_bad_manual_events_are_400(staff_client, merchant, shipment, data):
    response = staff_client.post(f"/app/shipments/{shipment.pk}/events/", data)
    assert response.status_code == 400
    with merchant_scope(merchant):
        assert TrackingEvent.objects.count() == 0


def test_viewer_cannot_add_events_or_change_settings(client, merchant, shipment):
    viewer = client_with_role(client, merchant, Role.VIEWER)
    assert "Add an event by hand" not in viewer.get(f"/app/shipments/{shipment.pk}/").content.decode()
    assert (
        viewer.post(
            f"/app/shipments/{shipment.pk}/events/", {"status": "delivered", "occurred_at": "2025-03-04T08:00"}
        ).status_code
        == 403
    )
    assert viewer.get("/app/shipments/carriers/").status_code == 403


def test_agent_can_add_but_not_configure(client, merchant, shipment):
    agent = client_with_role(client, merchant, Role.AGENT)
    response = agent.post(
        f"/app/shipments/{shipment.pk}/events/", {"status": "in_transit", "occurred_at": "2025-03-04T08:00"}
    )
    assert response.status_code == 302
    assert agent.post("/app/shipments/carriers/", {"carrier": "dhl", "delay_threshold_days": 2}).status_code == 403


def test_admin_saves_carrier_settings(staff_client, merchant):
    response = staff_client.post("/app/shipments/carriers/", {"carrier": "dhl", "delay_threshold_days": 5})
    assert response.status_code == 302
    with merchant_scope(merchant):
        assert CarrierSetting.objects.get(carrier="dhl").delay_threshold_days == 5
    bad = staff_client.post("/app/shipments/carriers/", {"carrier": "dhl", "delay_threshold_days": 0})
    assert bad.status_code == 400
    bad = staff_client.post(
        "/app/shipments/carriers/",
        {"carrier": "dhl", "delay_threshold_days": 3, "default_transit_min_days": 5, "default_transit_max_days": 2},
    )
    assert bad.status_code == 400


def test_other_merchant_staff_get_404(client, other_merchant, shipment):
    user = UserFactory(email="owner@other.example.com")
    with merchant_scope(other_merchant):
        MembershipFactory(merchant=other_merchant, user=user, role=Role.OWNER)
    other = login_as(client, user, other_merchant)
    assert other.get(f"/app/shipments/{shipment.pk}/").status_code == 404
    assert (
        other.post(
            f"/app/shipments/{shipment.pk}/events/", {"status": "delivered", "occurred_at": "2025-03-04T08:00"}
        ).status_code
        == 404
    )
    assert "3318810025" not in other.get("/app/shipments/").content.decode()


def test_suggestion_settings_page(staff_client, merchant, order):
    assert staff_client.post("/app/shipments/suggestions/", {"action": "sync"}).status_code == 302
    response = staff_client.post("/app/shipments/suggestions/", {"mode": "product_type"})
    assert response.status_code == 302
    assert staff_client.post("/app/shipments/suggestions/", {"mode": "nonsense"}).status_code == 400


def test_a_stored_tracking_url_that_is_not_http_is_never_a_link(staff_client, client, merchant, order):
    """Stored before inbound URLs were checked: every page that links to it shows no link instead."""
    from tracking.tokens import tracking_page_path

    shipment = shipment_upsert(
        merchant=merchant, order=order, tracking_number="3318810025", tracking_url="javascript:alert(1)"
    )
    pages = [
        staff_client.get(f"/app/shipments/{shipment.pk}/"),
        staff_client.get(f"/app/orders/{order.pk}/"),
        Client().get(tracking_page_path(order) + "?lang=en"),
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    for page in pages:
        assert b"javascript:" not in page.content
    assert b"3318810025" in pages[1].content  # the number is still shown, as text
