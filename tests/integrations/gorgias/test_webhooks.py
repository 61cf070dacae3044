"""Gorgias HTTP integrations (wire_formats_2 §5.2): unsigned, so the shop's secret comes in X-Api-Key."""

import pytest

from core.scoping import merchant_scope
from integrations.gorgias.views import shared_secret_valid
from integrations.models import WebhookDelivery
from merchants.services import integration_secret_rotate, integration_secret_set
from support.models import SupportContact
from tests.factories import CustomerFactory, OrderFactory
from tests.integrations.fixtures import raw

pytestmark = pytest.mark.django_db
SECRET = "gorgias-shared-secret-51d0"


def post(client, slug, body: bytes, key=SECRET):
    headers = {"HTTP_X_API_KEY": key} if key is not None else {}
    return client.post(f"/webhooks/gorgias/{slug}/", data=body, content_type="application/json", **headers)


@pytest.fixture
def shop(merchant):
    integration_secret_set(merchant=merchant, provider="gorgias", secret=SECRET)
    return merchant


@pytest.fixture
def send(client, shop, django_capture_on_commit_callbacks):
    def send(body, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(client, shop.slug, body, **kwargs)

    return send


def stored(merchant):
    with merchant_scope(merchant):
        return list(WebhookDelivery.objects.order_by("id")), list(SupportContact.objects.order_by("id"))


def test_a_ticket_is_counted_by_its_tag_and_linked_by_the_customers_email(send, shop):
    with merchant_scope(shop):
        customer = CustomerFactory(merchant=shop, email="Camille.Martin@example.org")
        OrderFactory(merchant=shop, customer=customer, placed_at="2026-02-01T10:00:00Z")
        latest = OrderFactory(merchant=shop, customer=customer, placed_at="2026-02-20T10:00:00Z")
        OrderFactory(merchant=shop, customer=customer, placed_at="2026-03-10T10:00:00Z")  # after the ticket

    response = send(raw("gorgias", "ticket_created.json"))

    assert response.json() == {"status": "accepted"}
    [delivery], [contact] = stored(shop)
    assert (delivery.delivery_id, delivery.status) == ("ticket:88121", "processed")
    assert "x-api-key" not in delivery.headers  # the shop's secret is never stored
    assert (contact.source, contact.external_id, contact.is_wismo, contact.wismo_reason) == (
        "gorgias",
        "88121",
        True,
        "tag:wismo",
    )
    assert (contact.order_id, contact.customer_id, contact.matched_by) == (latest.pk, customer.pk, "email")
    assert contact.created_at.isoformat() == "2026-03-03T14:12:09.512000+00:00"


def test_the_same_ticket_again_adds_nothing(send, shop):
    send(raw("gorgias", "ticket_created.json"))

    assert send(raw("gorgias", "ticket_created.json")).json() == {"status": "duplicate"}
    assert [len(rows) for rows in stored(shop)] == [1, 1]


def test_the_older_underscore_trigger_name_is_read_too(send, shop):
    send(raw("gorgias", "ticket_created.json").replace(b"ticket-created", b"ticket_created"))

    assert len(stored(shop)[1]) == 1


def test_another_event_is_stored_as_ignored(send, shop):
    response = send(raw("gorgias", "ticket_updated.json"))

    assert response.json() == {"status": "ignored"}
    [delivery], contacts = stored(shop)
    assert (delivery.status, delivery.topic, contacts) == ("ignored", "ticket-updated", [])


@pytest.mark.parametrize("key", [None, "", "gorgias-shared-secret-51d", "wrong"])
def test_a_missing_or_wrong_secret_is_refused_and_nothing_stored(send, shop, key):
    response = send(raw("gorgias", "ticket_created.json"), key=key)

    assert response.status_code == 401
    assert stored(shop) == ([], [])


def test_both_secrets_work_during_a_rotation(send, shop):
    integration_secret_rotate(merchant=shop, provider="gorgias", secret="gorgias-new-secret-77aa")

    assert send(raw("gorgias", "ticket_created.json"), key="gorgias-new-secret-77aa").status_code == 200
    assert send(raw("gorgias", "ticket_created.json"), key=SECRET).status_code == 200


def test_an_unknown_shape_is_accepted_and_stored_as_failed(send, shop):
    response = send(b'{"event":"ticket-created","id":"88121"}')

    assert response.status_code == 200
    [delivery], contacts = stored(shop)
    assert delivery.status == "failed"
    assert "'ticket_id' is missing" in delivery.last_error
    assert contacts == []


def test_the_secret_check_compares_whole_values():
    assert shared_secret_valid(body=b"", signature="abc-secret", secrets=["abc-secret"])
    assert not shared_secret_valid(body=b"", signature="abc-secre", secrets=["abc-secret"])
    assert not shared_secret_valid(body=b"", signature="", secrets=[""])
    assert not shared_secret_valid(body=b"", signature="abc-secret", secrets=[])
