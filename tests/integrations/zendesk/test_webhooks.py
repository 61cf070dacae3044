"""Zendesk trigger webhooks, signed as wire_formats_2 §5.1 says: base64 HMAC-SHA256 of timestamp + body."""

import pytest

from core.scoping import merchant_scope
from integrations.inbound import delivery_replay, hmac_base64
from integrations.models import WebhookDelivery
from merchants.services import integration_secret_set
from support.models import SupportContact
from tests.factories import OrderFactory
from tests.integrations.fixtures import raw

pytestmark = pytest.mark.django_db
SECRET = "zd-signing-secret-4f1c"
TIMESTAMP = "2026-03-02T09:41:12Z"


def signed_post(client, slug, body: bytes, *, secret=SECRET, timestamp=TIMESTAMP, signature=None, extra=None):
    headers = {"HTTP_USER_AGENT": "Zendesk Webhook", "HTTP_X_ZENDESK_WEBHOOK_ID": "01HVQ7J8ZK3M4N5P6Q7R8S9T0V"}
    if timestamp is not None:
        headers["HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP"] = timestamp
    if signature is None and secret is not None:
        signature = hmac_base64(secret, (timestamp or "").encode() + body)
    if signature is not None:
        headers["HTTP_X_ZENDESK_WEBHOOK_SIGNATURE"] = signature
    headers.update(extra or {})
    return client.post(f"/webhooks/zendesk/{slug}/", data=body, content_type="application/json", **headers)


@pytest.fixture
def shop(merchant):
    integration_secret_set(merchant=merchant, provider="zendesk", secret=SECRET)
    return merchant


@pytest.fixture
def send(client, shop, django_capture_on_commit_callbacks):
    def send(body, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return signed_post(client, shop.slug, body, **kwargs)

    return send


def stored(merchant):
    with merchant_scope(merchant):
        return list(WebhookDelivery.objects.order_by("id")), list(SupportContact.objects.order_by("id"))


def test_the_documented_vector_verifies():
    # wire_formats_2 §5.1's own vector: secret, timestamp and 51-byte body.
    body = b'{"ticket_id":"1001","subject":"Where is my order?"}'
    assert len(body) == 51
    assert hmac_base64("test-secret", b"2024-04-17T17:18:10Z" + body) == "ya4Y8Y5KUh5LRqfrsSHGUzbW98pScO96dZr1sBJXqwg="


def test_a_wismo_ticket_becomes_a_contact_linked_to_its_order(send, shop):
    with merchant_scope(shop):
        order = OrderFactory(merchant=shop, number="#1001")

    response = send(raw("zendesk", "ticket_created.json"))

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "accepted"}
    [delivery], [contact] = stored(shop)
    assert (delivery.source, delivery.delivery_id, delivery.topic, delivery.status) == (
        "zendesk",
        "ticket:35436",
        "ticket.created",
        "processed",
    )
    assert (contact.source, contact.external_id, contact.is_wismo) == ("zendesk", "35436", True)
    assert contact.wismo_reason == "keyword:ou est ma commande"
    assert contact.created_at.isoformat() == "2026-03-02T09:41:00+00:00"  # minute precision, as Zendesk sends it
    assert contact.tags == ["livraison", "colis_bloque"]
    assert (contact.order_id, contact.matched_by) == (order.pk, "order_number")


def test_a_redelivery_adds_nothing(send, shop):
    body = raw("zendesk", "ticket_created.json")
    send(body)
    again = send(body, timestamp="2026-03-02T09:45:00Z")  # a retry is signed again, at its own time

    assert again.json() == {"status": "duplicate"}
    deliveries, contacts = stored(shop)
    assert (len(deliveries), len(contacts)) == (1, 1)


def test_a_ticket_that_is_not_wismo_is_kept_but_not_counted(send, shop):
    send(raw("zendesk", "ticket_created_not_wismo.json"))

    [_delivery], [contact] = stored(shop)
    assert (contact.is_wismo, contact.wismo_reason, contact.order_id) == (False, "no rule matched", None)


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        ({"signature": "bm90IHRoZSBzaWduYXR1cmU="}, "does not match"),
        ({"secret": "another-secret"}, "does not match"),
        ({"secret": None}, "signature header is missing"),
        (
            {"timestamp": None, "signature": "ya4Y8Y5KUh5LRqfrsSHGUzbW98pScO96dZr1sBJXqwg="},
            "Timestamp header is missing",
        ),
    ],
)
def test_a_bad_or_missing_signature_is_refused_and_nothing_stored(send, shop, kwargs, reason):
    response = send(raw("zendesk", "ticket_created.json"), **kwargs)

    assert response.status_code == 401
    assert reason in response.json()["error"]
    assert stored(shop) == ([], [])


def test_a_body_replayed_with_another_timestamp_is_refused(send, shop):
    body = raw("zendesk", "ticket_created.json")
    captured = hmac_base64(SECRET, TIMESTAMP.encode() + body)

    response = send(body, timestamp="2026-03-09T09:41:12Z", signature=captured)

    assert response.status_code == 401
    assert stored(shop) == ([], [])


def test_a_shop_without_a_zendesk_secret_refuses(client, merchant):
    response = signed_post(client, merchant.slug, raw("zendesk", "ticket_created.json"))

    assert response.status_code == 401


def test_an_unknown_shop_is_a_404(client, shop):
    assert signed_post(client, "nobody", raw("zendesk", "ticket_created.json")).status_code == 404


@pytest.mark.parametrize(
    "body, reason",
    [
        (raw("zendesk", "ticket_created_broken_quote.json"), "not valid JSON"),  # an unescaped quote in the subject
        (b'{"subject":"Where is my order?"}', "'ticket_id' is missing"),
        (b'["35436"]', "must be one JSON object"),
        (b'{"ticket_id":"1","created_at":"yesterday"}', "not an ISO 8601"),
        (b'{"ticket_id":"1","tags":{"a":1}}', "'tags' is not usable"),
    ],
)
def test_an_unknown_shape_is_accepted_and_stored_as_failed_for_staff(send, shop, body, reason):
    response = send(body)

    assert response.status_code == 200
    assert response.json()["status"] == "failed"
    [delivery], contacts = stored(shop)
    assert delivery.status == "failed"
    assert reason in delivery.last_error
    assert contacts == []


def test_secrets_of_another_shop_do_not_verify(client, shop, other_merchant):
    integration_secret_set(merchant=other_merchant, provider="zendesk", secret="other-shop-secret-99")

    response = signed_post(client, shop.slug, raw("zendesk", "ticket_created.json"), secret="other-shop-secret-99")

    assert response.status_code == 401


def test_processing_a_delivery_again_records_nothing_twice(send, shop, django_capture_on_commit_callbacks):
    send(raw("zendesk", "ticket_created.json"))
    [delivery], _contacts = stored(shop)

    with django_capture_on_commit_callbacks(execute=True):
        delivery_replay(merchant=shop, delivery=delivery)

    [delivery], contacts = stored(shop)
    assert (delivery.status, delivery.last_error, len(contacts)) == (
        "processed",
        "Ticket 35436 was already recorded.",
        1,
    )
