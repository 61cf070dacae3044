"""AfterShip and EasyPost webhooks: verified, stored first, deduplicated, processed by the task."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from core.scoping import merchant_scope
from integrations.easypost import parser as easypost
from integrations.models import WebhookDelivery
from merchants.services import integration_secret_rotate, integration_secret_set
from tracking.models import Shipment, TrackingEvent, UnmatchedTrackingEvent
from tracking.services import shipment_upsert

from .conftest import PLACED

SECRET = "test-secret"
NUMBER = "RB123456785GB"


def aftership_signature(body: bytes, secret=SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def easypost_signature(body: bytes, secret=SECRET) -> str:
    return "hmac-sha256-hex=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_reference_vectors_from_wire_formats():
    body = b'{"id":1001,"name":"#1001"}'
    assert easypost.expected_signature("test-secret", body) == (
        "hmac-sha256-hex=0c617f790322fe10248b506dd167664384a9579a53da87f18f2e71694972938e"
    )
    assert aftership_signature(body) == "DGF/eQMi/hAki1Bt0WdmQ4SpV5pT2ofxjy5xaUlyk44="


def test_easypost_secret_is_nfkd_normalised():
    body = b"{}"
    composed = "caf\u00e9-\ufb01"  # é and the "fi" ligature
    decomposed_key = "cafe\u0301-fi".encode()
    expected = "hmac-sha256-hex=" + hmac.new(decomposed_key, body, hashlib.sha256).hexdigest()
    assert easypost.expected_signature(composed, body) == expected


@pytest.fixture
def secrets(merchant, other_merchant):
    for provider in ("aftership", "easypost"):
        integration_secret_set(merchant=merchant, provider=provider, secret=SECRET)
        integration_secret_set(merchant=other_merchant, provider=provider, secret="other-shop-secret")


@pytest.fixture
def shipment(merchant, order):
    return shipment_upsert(
        merchant=merchant, order=order, tracking_number=NUMBER, shipped_at=PLACED + timedelta(hours=2)
    )


def aftership_body(event_id="6a1c6a0e-0000-4000-8000-000000000001", number=NUMBER, checkpoints=None, **msg):
    checkpoints = (
        checkpoints
        if checkpoints is not None
        else [
            {"checkpoint_time": "2025-03-03T18:00:00+01:00", "tag": "InfoReceived", "message": "Label created"},
            {
                "checkpoint_time": "2025-03-04T08:30:00+01:00",
                "tag": "InTransit",
                "subtag": "InTransit_007",
                "message": "Departed facility",
                "city": "Warrington",
                "country_region": "GBR",
            },
        ]
    )
    payload = {
        "event": "tracking_update",
        "event_id": event_id,
        "ts": 1741073400,
        "is_tracking_first_tag": True,
        "msg": {"tracking_number": number, "slug": "royal-mail", "tag": "InTransit", "checkpoints": checkpoints, **msg},
    }
    return json.dumps(payload).encode()


def easypost_body(event_id="evt_0001", number=NUMBER, details=None, description="tracker.updated", status="in_transit"):
    details = (
        details
        if details is not None
        else [
            {
                "object": "TrackingDetail",
                "message": "Pre-shipment info sent",
                "status": "pre_transit",
                "datetime": "2025-03-03T17:00:00Z",
                "tracking_location": {"object": "TrackingLocation", "city": None, "country": None},
            },
            {
                "object": "TrackingDetail",
                "message": "Arrived at facility",
                "status": "in_transit",
                "status_detail": "arrived_at_facility",
                "datetime": "2025-03-04T09:00:00Z",
                "tracking_location": {"object": "TrackingLocation", "city": "LYON", "country": "FR"},
            },
        ]
    )
    payload = {
        "id": event_id,
        "object": "Event",
        "mode": "test",
        "description": description,
        "previous_attributes": {"status": "unknown"},
        "result": {
            "id": "trk_1",
            "object": "Tracker",
            "tracking_code": number,
            "status": status,
            "carrier": "RoyalMail",
            "est_delivery_date": "2025-03-06T00:00:00Z",
            "tracking_details": details,
        },
    }
    return json.dumps(payload).encode()


def post_aftership(client, body, slug="maison-lumiere", signature=None, capture=None):
    headers = {"HTTP_AFTERSHIP_HMAC_SHA256": signature if signature is not None else aftership_signature(body)}
    return client.post(f"/webhooks/aftership/{slug}/", data=body, content_type="application/json", **headers)


def post_easypost(client, body, slug="maison-lumiere", signature=None):
    headers = {"HTTP_X_HMAC_SIGNATURE": signature if signature is not None else easypost_signature(body)}
    return client.post(f"/webhooks/easypost/{slug}/", data=body, content_type="application/json", **headers)


def deliveries(merchant):
    with merchant_scope(merchant):
        return list(WebhookDelivery.objects.order_by("id"))


def events_of(merchant, shipment):
    with merchant_scope(merchant):
        return list(TrackingEvent.objects.filter(shipment=shipment).order_by("occurred_at"))


def test_aftership_update_is_stored_then_applied(
    client, merchant, secrets, shipment, django_capture_on_commit_callbacks
):
    body = aftership_body(courier_estimated_delivery_date={"estimated_delivery_date": "2025-03-07"})
    with django_capture_on_commit_callbacks(execute=True):
        response = post_aftership(client, body)
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "accepted"}
    [delivery] = deliveries(merchant)
    assert (delivery.source, delivery.status, delivery.topic) == ("aftership", "processed", "tracking_update")
    events = events_of(merchant, shipment)
    assert [(e.status, e.city, e.country, e.source) for e in events] == [
        ("info_received", "", "", "aftership"),
        ("in_transit", "Warrington", "GB", "aftership"),
    ]
    assert events[1].occurred_at == datetime(2025, 3, 4, 7, 30, tzinfo=UTC)
    with merchant_scope(merchant):
        fresh = Shipment.objects.get(pk=shipment.pk)
    assert fresh.status == "in_transit"
    assert str(fresh.estimated_delivery_to) == "2025-03-07" and fresh.estimate_source == "carrier"


def test_redelivery_changes_nothing(client, merchant, secrets, shipment, django_capture_on_commit_callbacks):
    body = aftership_body()
    with django_capture_on_commit_callbacks(execute=True):
        post_aftership(client, body)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_aftership(client, body)
    assert response.json() == {"status": "duplicate"}
    assert callbacks == []
    assert len(deliveries(merchant)) == 1
    assert len(events_of(merchant, shipment)) == 2


def test_same_checkpoints_in_a_new_event_add_no_duplicates(
    client, merchant, secrets, shipment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_aftership(client, aftership_body(event_id="e-1"))
        post_aftership(client, aftership_body(event_id="e-2"))
    assert len(deliveries(merchant)) == 2
    assert len(events_of(merchant, shipment)) == 2


def test_exception_returned_to_sender_subtag(client, merchant, secrets, shipment, django_capture_on_commit_callbacks):
    checkpoints = [
        {
            "checkpoint_time": "2025-03-05T10:00:00Z",
            "tag": "Exception",
            "subtag": "Exception_011",
            "message": "Returned",
        }
    ]
    with django_capture_on_commit_callbacks(execute=True):
        post_aftership(client, aftership_body(checkpoints=checkpoints))
    assert [e.status for e in events_of(merchant, shipment)] == ["returning_to_sender"]


def test_naive_checkpoint_time_is_read_in_the_merchants_time_zone(
    client, merchant, secrets, shipment, django_capture_on_commit_callbacks
):
    checkpoints = [{"checkpoint_time": "2025-03-04T10:00:00", "tag": "InTransit", "message": "Scan"}]
    with django_capture_on_commit_callbacks(execute=True):
        post_aftership(client, aftership_body(checkpoints=checkpoints))
    [event] = events_of(merchant, shipment)
    assert event.occurred_at == datetime(2025, 3, 4, 9, 0, tzinfo=UTC)  # Europe/Paris is UTC+1 in March


def test_easypost_update_is_applied(client, merchant, secrets, shipment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_easypost(client, easypost_body())
    assert response.status_code == 200, response.content
    events = events_of(merchant, shipment)
    assert [(e.status, e.city, e.country, e.substatus) for e in events] == [
        ("info_received", "", "", ""),
        ("in_transit", "LYON", "FR", "arrived_at_facility"),
    ]
    [delivery] = deliveries(merchant)
    assert delivery.delivery_id == "evt_0001" and delivery.status == "processed"


def test_easypost_other_events_are_stored_and_ignored(client, merchant, secrets, shipment):
    response = post_easypost(client, easypost_body(description="batch.updated"))
    assert response.json() == {"status": "ignored"}
    [delivery] = deliveries(merchant)
    assert delivery.status == "ignored"
    assert events_of(merchant, shipment) == []


def test_rotated_secrets_both_verify(client, merchant, secrets, shipment, django_capture_on_commit_callbacks):
    integration_secret_rotate(merchant=merchant, provider="easypost", secret="new-secret")
    assert post_easypost(client, easypost_body(event_id="evt_old")).status_code == 200
    body = easypost_body(event_id="evt_new")
    assert post_easypost(client, body, signature=easypost_signature(body, "new-secret")).status_code == 200


@pytest.mark.parametrize("post", [post_aftership, post_easypost])
def test_bad_or_missing_signature_is_refused_and_not_stored(client, merchant, secrets, post):
    body = aftership_body() if post is post_aftership else easypost_body()
    assert post(client, body, signature="").status_code == 401
    assert post(client, body, signature="bm90IGl0").status_code == 401
    assert deliveries(merchant) == []


def test_another_merchants_secret_does_not_verify(client, merchant, other_merchant, secrets):
    body = easypost_body()
    response = post_easypost(client, body, signature=easypost_signature(body, "other-shop-secret"))
    assert response.status_code == 401


def test_unknown_merchant_slug_is_404(client, secrets):
    assert post_aftership(client, aftership_body(), slug="nobody").status_code == 404


def test_merchant_without_secret_is_refused(client, merchant):
    response = post_aftership(client, aftership_body())
    assert response.status_code == 401
    assert "no aftership webhook secret" in response.json()["error"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        ('{"event": "tracking_update"}'.encode("utf-16"), "not UTF-8"),
        (b'{"event": "tracking_update", "event_id": "\\ud800"}', "not valid Unicode"),
    ],
)
def test_a_body_that_is_not_utf8_json_is_refused_and_stored(client, merchant, secrets, body, message):
    response = post_aftership(client, body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    [delivery] = deliveries(merchant)
    assert delivery.status == "failed" and message in delivery.last_error


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[]", "JSON object"),
        (json.dumps({"event": "tracking_update", "msg": {}}).encode(), "event_id is missing"),
        (json.dumps({"event": "tracking_update", "event_id": "x", "msg": "no"}).encode(), "msg must be"),
        (
            json.dumps({"event": "tracking_update", "event_id": "x", "msg": {"checkpoints": []}}).encode(),
            "tracking_number",
        ),
        (aftership_body(checkpoints=[{"checkpoint_time": "yesterday", "tag": "InTransit"}]), "checkpoint_time"),
        (
            aftership_body(checkpoints=[{"checkpoint_time": "2025-03-04T10:00:00Z", "tag": "Teleported"}]),
            "not an AfterShip delivery status",
        ),
        (aftership_body(checkpoints="none"), "must be a list"),
    ],
)
def test_malformed_aftership_payloads_are_accepted_and_stored_as_failed_with_the_error(
    client, merchant, secrets, shipment, body, message
):
    response = post_aftership(client, body)
    assert response.status_code == 200  # AfterShip cannot fix it by sending it again
    assert response.json()["status"] == "failed" and message in response.json()["error"]
    [delivery] = deliveries(merchant)
    assert delivery.status == "failed" and message in delivery.last_error
    assert events_of(merchant, shipment) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (json.dumps({"object": "Event", "description": "tracker.updated"}).encode(), "id is missing"),
        (json.dumps({"id": "evt_1", "description": "tracker.updated", "result": []}).encode(), "Tracker object"),
        (
            easypost_body(details=[{"status": "lost_in_space", "datetime": "2025-03-04T10:00:00Z"}]),
            "not an EasyPost tracker status",
        ),
        (easypost_body(details=[{"status": "in_transit", "datetime": None}]), "datetime"),
        (easypost_body(details=[{"status": "in_transit", "datetime": "2025-03-04T10:00:00+16:00"}]), "UTC offset"),
        (easypost_body(details=[{"status": "in_transit", "datetime": "2025-02-30T10:00:00Z"}]), "not an ISO 8601"),
    ],
)
def test_malformed_easypost_payloads_are_accepted_and_stored_as_failed(client, merchant, secrets, body, message):
    response = post_easypost(client, body)
    assert response.status_code == 200 and message in response.json()["error"]
    [delivery] = deliveries(merchant)
    assert delivery.status == "failed"


def test_unknown_tracking_number_is_kept_as_unmatched(
    client, merchant, secrets, shipment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_aftership(client, aftership_body(number="LA123456785FR"))
    with merchant_scope(merchant):
        unmatched = list(UnmatchedTrackingEvent.objects.order_by("occurred_at"))
    assert [(u.tracking_number, u.status, u.source) for u in unmatched] == [
        ("LA123456785FR", "info_received", "aftership"),
        ("LA123456785FR", "in_transit", "aftership"),
    ]
    assert unmatched[0].delivery is not None
    assert deliveries(merchant)[0].status == "processed"


def test_events_of_another_merchant_never_match(
    client, merchant, other_merchant, secrets, other_order, django_capture_on_commit_callbacks
):
    theirs = shipment_upsert(merchant=other_merchant, order=other_order, tracking_number=NUMBER)
    with django_capture_on_commit_callbacks(execute=True):
        post_aftership(client, aftership_body())
    assert events_of(other_merchant, theirs) == []
    with merchant_scope(merchant):
        assert UnmatchedTrackingEvent.objects.count() == 2


def test_future_and_pre_order_events_are_refused_with_a_note(
    client, merchant, secrets, shipment, django_capture_on_commit_callbacks
):
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    checkpoints = [
        {"checkpoint_time": "2025-03-04T08:30:00Z", "tag": "InTransit", "message": "ok"},
        {"checkpoint_time": future, "tag": "Delivered", "message": "from the future"},
        {"checkpoint_time": "2024-01-01T00:00:00Z", "tag": "InfoReceived", "message": "before the order"},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        post_aftership(client, aftership_body(checkpoints=checkpoints))
    assert [e.description for e in events_of(merchant, shipment)] == ["ok"]
    [delivery] = deliveries(merchant)
    assert delivery.status == "processed"
    assert "in the future" in delivery.last_error and "before the order" in delivery.last_error
