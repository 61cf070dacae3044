"""/api/v1/webhook-endpoints and /api/v1/webhook-deliveries."""

import pytest
from standardwebhooks.webhooks import Webhook

from core.scoping import merchant_scope, unscoped
from merchants.models import Role
from outbound import services as webhooks
from outbound.models import OutboundMessage, WebhookEndpoint
from tests.conftest import api_client_for
from tests.factories import OrderFactory

from .outbound_support import Reply, endpoint_for, publish

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhook-endpoints"
GOOD = {"url": "https://hooks.example.com/in", "event_types": ["order.created", "shipment.*"], "description": "ERP"}


def count_endpoints():
    with unscoped():
        return WebhookEndpoint.objects.count()


def test_create_shows_the_secret_once(api, fake_dns):
    created = api.post(ENDPOINTS, GOOD, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secret"].startswith("whsec_")
    Webhook(body["secret"])  # a valid Standard Webhooks secret
    assert body["url"] == GOOD["url"]
    assert body["event_types"] == ["order.created", "shipment.*"]
    assert body["is_active"] is True
    fetched = api.get(f"{ENDPOINTS}/{body['id']}").json()
    assert "secret" not in fetched
    listed = api.get(ENDPOINTS).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert all("secret" not in row for row in listed["results"])


def test_create_with_idempotency_key_creates_once(api, fake_dns):
    first = api.post(ENDPOINTS, GOOD, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = api.post(ENDPOINTS, GOOD, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert count_endpoints() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "not a url", "event_types": ["order.created"]}, "url"),
        ({"url": "ftp://hooks.example.com/in", "event_types": ["order.created"]}, "url"),
        ({"url": "javascript:alert(1)", "event_types": ["order.created"]}, "url"),
        ({"url": "http://127.0.0.1:8000/in", "event_types": ["order.created"]}, "url"),
        ({"url": "http://10.1.2.3/in", "event_types": ["order.created"]}, "url"),
        ({"url": "http://169.254.169.254/latest", "event_types": ["order.created"]}, "url"),
        ({"url": "https://hooks.example.com/" + "a" * 600, "event_types": ["order.created"]}, "url"),
        ({"url": "https://hooks.example.com/in", "event_types": ["order.shipped"]}, "event_types"),
        ({"url": "https://hooks.example.com/in", "event_types": ["wishlist.*"]}, "event_types"),
        ({"url": "https://hooks.example.com/in", "event_types": []}, "event_types"),
        ({"url": "https://hooks.example.com/in", "event_types": "order.created"}, "event_types"),
        ({"url": "https://hooks.example.com/in"}, "event_types"),
        ({"event_types": ["order.created"]}, "url"),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(api, fake_dns, payload, field):
    response = api.post(ENDPOINTS, payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert count_endpoints() == 0


def test_unknown_event_type_message_lists_the_known_ones(api, fake_dns):
    response = api.post(ENDPOINTS, {**GOOD, "event_types": ["order.shipped"]}, format="json")
    message = response.json()["event_types"][0]
    assert "order.shipped" in message and "shipment.delivered" in message


def test_patch_changes_only_what_is_given(api, fake_dns, merchant):
    endpoint = endpoint_for(merchant, "https://hooks.example.com/in", ["order.created"]).endpoint
    response = api.patch(f"{ENDPOINTS}/{endpoint.pk}", {"event_types": ["*"]}, format="json")
    assert response.status_code == 200
    assert response.json()["event_types"] == ["*"]
    assert response.json()["url"] == "https://hooks.example.com/in"

    bad = api.patch(f"{ENDPOINTS}/{endpoint.pk}", {"url": "http://127.0.0.1/", "description": "x"}, format="json")
    assert bad.status_code == 400 and "url" in bad.json()
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.description) == ("https://hooks.example.com/in", "")  # nothing half-saved

    off = api.patch(f"{ENDPOINTS}/{endpoint.pk}", {"is_active": False}, format="json")
    assert off.json()["is_active"] is False and off.json()["disabled_reason"] == "manual"
    on = api.patch(f"{ENDPOINTS}/{endpoint.pk}", {"is_active": True}, format="json")
    assert on.json()["is_active"] is True and on.json()["disabled_reason"] == ""
    assert api.put(f"{ENDPOINTS}/{endpoint.pk}", GOOD, format="json").status_code == 405


def test_rotate_secret_and_delete(api, fake_dns, merchant):
    issued = endpoint_for(merchant, "https://hooks.example.com/in")
    rotated = api.post(f"{ENDPOINTS}/{issued.endpoint.pk}/rotate-secret")
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != issued.secret
    issued.endpoint.refresh_from_db()
    assert issued.endpoint.secret == new_secret and issued.endpoint.previous_secret == issued.secret
    assert api.delete(f"{ENDPOINTS}/{issued.endpoint.pk}").status_code == 204
    assert count_endpoints() == 0


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT])
def test_writes_need_an_admin_key(merchant, fake_dns, role):
    client = api_client_for(merchant, role=role)
    endpoint = endpoint_for(merchant, "https://hooks.example.com/in").endpoint
    assert client.get(ENDPOINTS).status_code == 200
    assert client.post(ENDPOINTS, GOOD, format="json").status_code == 403
    assert client.patch(f"{ENDPOINTS}/{endpoint.pk}", {"description": "x"}, format="json").status_code == 403
    assert client.post(f"{ENDPOINTS}/{endpoint.pk}/rotate-secret").status_code == 403
    assert client.delete(f"{ENDPOINTS}/{endpoint.pk}").status_code == 403
    assert count_endpoints() == 1


def test_no_key_no_access(client):
    assert client.get(ENDPOINTS).status_code in (401, 403)


@pytest.fixture
def delivered(merchant, receiver, allow_private, django_capture_on_commit_callbacks):
    """An endpoint with one failed delivery (HTTP 404: not retried)."""
    issued = endpoint_for(merchant, receiver.url())
    receiver.reply(Reply(status=404, body=b"no such hook"))
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant)
    publish(
        merchant,
        "order.created",
        order=order,
        payload={"order_id": order.pk},
        capture=django_capture_on_commit_callbacks,
    )
    with merchant_scope(merchant):
        return issued.endpoint, OutboundMessage.objects.get()


def test_deliveries_list_with_attempts(api, delivered):
    endpoint, message = delivered
    response = api.get(f"{ENDPOINTS}/{endpoint.pk}/deliveries")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == message.pk
    assert row["webhook_id"] == message.message_id
    assert row["status"] == "failed"
    assert row["payload"]["type"] == "order.created"
    [attempt] = row["attempts"]
    assert attempt["status_code"] == 404
    assert attempt["response_excerpt"] == "no such hook"
    assert api.get(f"{ENDPOINTS}/{endpoint.pk}/deliveries?status=succeeded").json()["results"] == []
    assert api.get(f"{ENDPOINTS}/{endpoint.pk}/deliveries?status=weird").status_code == 400
    assert api.get(f"{ENDPOINTS}/{endpoint.pk}/deliveries?status=").status_code == 400
    assert api.get(f"{ENDPOINTS}/{endpoint.pk}/deliveries?offset=null").status_code == 400


def test_resend(api, delivered, receiver, django_capture_on_commit_callbacks):
    _endpoint, message = delivered
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/webhook-deliveries/{message.pk}/resend")
    assert response.status_code == 202
    assert len(receiver.received) == 2
    fetched = api.get(f"/api/v1/webhook-deliveries/{message.pk}").json()
    assert fetched["status"] == "succeeded"
    assert [attempt["manual"] for attempt in fetched["attempts"]] == [False, True]


def test_resend_while_in_progress_is_a_conflict(api, delivered):
    _endpoint, message = delivered
    assert api.post(f"/api/v1/webhook-deliveries/{message.pk}/resend").status_code == 202  # queued, not run
    second = api.post(f"/api/v1/webhook-deliveries/{message.pk}/resend")
    assert second.status_code == 409
    assert "in progress" in second.json()["detail"]


def test_resend_on_a_disabled_endpoint_is_refused(api, delivered):
    endpoint, message = delivered
    webhooks.endpoint_disable(endpoint=endpoint, reason=WebhookEndpoint.DisabledReason.MANUAL)
    response = api.post(f"/api/v1/webhook-deliveries/{message.pk}/resend")
    assert response.status_code == 400
    assert "disabled" in str(response.json())


def test_another_merchants_key_sees_and_touches_nothing(other_api, delivered, receiver):
    endpoint, message = delivered
    assert other_api.get(ENDPOINTS).json()["results"] == []
    for method, path in [
        ("get", f"{ENDPOINTS}/{endpoint.pk}"),
        ("patch", f"{ENDPOINTS}/{endpoint.pk}"),
        ("delete", f"{ENDPOINTS}/{endpoint.pk}"),
        ("post", f"{ENDPOINTS}/{endpoint.pk}/rotate-secret"),
        ("get", f"{ENDPOINTS}/{endpoint.pk}/deliveries"),
        ("get", f"/api/v1/webhook-deliveries/{message.pk}"),
        ("post", f"/api/v1/webhook-deliveries/{message.pk}/resend"),
    ]:
        body = None if method == "get" else {"description": "mine now"}  # a GET's data would be query parameters
        response = getattr(other_api, method)(path, body, format="json")
        assert response.status_code == 404, (method, path)
    endpoint.refresh_from_db()
    assert endpoint.description == "" and endpoint.is_active
    assert len(receiver.received) == 1


def test_openapi_schema_documents_the_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in [
        "/api/v1/webhook-endpoints",
        "/api/v1/webhook-endpoints/{id}",
        "/api/v1/webhook-endpoints/{id}/rotate-secret",
        "/api/v1/webhook-endpoints/{id}/deliveries",
        "/api/v1/webhook-deliveries/{id}",
        "/api/v1/webhook-deliveries/{id}/resend",
    ]:
        assert path in paths, path
    assert set(paths["/api/v1/webhook-endpoints/{id}"]) >= {"get", "patch", "delete"}
    assert "put" not in paths["/api/v1/webhook-endpoints/{id}"]


def _queries_for(client, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_delivery_lists_do_not_grow_queries_with_rows(api, staff_client, delivered, merchant):
    endpoint, _message = delivered
    api_path = f"{ENDPOINTS}/{endpoint.pk}/deliveries"
    page_path = f"/app/settings/webhooks/{endpoint.pk}/"
    api.get(api_path)  # the key's first use of the minute also records last_used_at
    few_api, few_page, few_list = (
        _queries_for(api, api_path),
        _queries_for(staff_client, page_path),
        _queries_for(staff_client, "/app/settings/webhooks/"),
    )
    with merchant_scope(merchant):
        for _ in range(5):
            order = OrderFactory(merchant=merchant)
            publish(merchant, "order.created", order=order, payload={"order_id": order.pk})
        endpoint_for(merchant, endpoint.url)
    assert _queries_for(api, api_path) == few_api
    assert _queries_for(staff_client, page_path) == few_page
    assert _queries_for(staff_client, "/app/settings/webhooks/") == few_list
