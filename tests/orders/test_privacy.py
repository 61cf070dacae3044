"""Shopify's mandatory privacy topics: customers/redact, shop/redact, customers/data_request."""

import json

import pytest

from core.scoping import merchant_scope
from integrations.inbound import REDACTED_BODY
from integrations.models import WebhookDelivery
from merchants.services import integration_secret_set
from orders import privacy
from orders.models import Customer, DataExport, Order
from tests.integrations.fixtures import SHOPIFY_SECRET, payload, post_shopify, raw

pytestmark = pytest.mark.django_db
CAMILLE = "camille.martin@example.org"


@pytest.fixture(autouse=True)
def no_event_fanout(monkeypatch):
    monkeypatch.setattr("orders.events.publish_request", lambda: None)


@pytest.fixture
def shop(merchant):
    integration_secret_set(merchant=merchant, provider="shopify", secret=SHOPIFY_SECRET)
    return merchant


@pytest.fixture
def send(client, shop, django_capture_on_commit_callbacks):
    def send(topic, data, merchant=None):
        if isinstance(data, str):
            data = raw("shopify", data)
        with django_capture_on_commit_callbacks(execute=True):
            return post_shopify(client, (merchant or shop).slug, topic, data)

    return send


@pytest.fixture
def two_customers(send):
    send("orders/create", "orders_create.json")  # Camille, with a customer record
    send("customers/create", "customers_create.json")  # Léa, another person
    send("orders/create", "orders_create_guest.json")  # a guest


def test_customer_redact_erases_everywhere_we_hold_it(send, shop, two_customers):
    response = send("customers/redact", "customers_redact.json")
    assert response.status_code == 200

    with merchant_scope(shop):
        camille = Customer.objects.get(external_id="115310627314723954")
        assert (camille.email, camille.first_name, camille.last_name, camille.phone) == ("", "", "", "")
        assert camille.redacted_at is not None
        order = Order.objects.get(external_id="820982911946154508")
        assert (order.email, order.shipping_name, order.shipping_address1, order.shipping_postal_code) == (
            "",
            "",
            "",
            "",
        )
        assert order.total is not None and order.shipping_country == "FR"  # business data is kept
        # Others are untouched.
        assert Customer.objects.get(external_id="207119551123456789").email == "lea.dubois@example.org"
        assert Order.objects.get(external_id="18446744073709551615").email == "guest.buyer@example.jp"
        bodies = {d.topic: d.body for d in WebhookDelivery.objects.all()}
        statuses = {d.topic: d.status for d in WebhookDelivery.objects.all()}
    assert bodies["orders/create"] == REDACTED_BODY or CAMILLE not in bodies["orders/create"]
    assert all(CAMILLE not in body for body in bodies.values())
    assert bodies["customers/redact"] == REDACTED_BODY
    assert statuses["customers/redact"] == "processed"
    assert "lea.dubois@example.org" in bodies["customers/create"]


def test_redacted_delivery_replays_as_ignored(send, shop, two_customers, django_capture_on_commit_callbacks):
    from integrations.inbound import delivery_replay

    send("customers/redact", "customers_redact.json")
    with merchant_scope(shop):
        first = WebhookDelivery.objects.filter(topic="orders/create").order_by("id").first()
    assert first.body == REDACTED_BODY
    with django_capture_on_commit_callbacks(execute=True):
        delivery_replay(merchant=shop, delivery=first)
    first.refresh_from_db()
    assert first.status == "ignored"
    assert "erased" in first.last_error


def test_redact_by_email_only(send, shop, two_customers):
    data = payload("shopify", "customers_redact.json")
    data["customer"] = {"email": CAMILLE.upper()}
    data["orders_to_redact"] = []
    send("customers/redact", data)

    with merchant_scope(shop):
        assert Customer.objects.get(external_id="115310627314723954").email == ""
        assert Order.objects.get(external_id="820982911946154508").email == ""


def test_shop_redact_erases_every_customer_of_that_shop_only(send, shop, two_customers, other_merchant):
    from tests.factories import OrderFactory

    with merchant_scope(other_merchant):
        other_order = OrderFactory(merchant=other_merchant, email="someone@else.example")
    send("shop/redact", "shop_redact.json")

    with merchant_scope(shop):
        assert set(Customer.objects.values_list("email", flat=True)) == {""}
        assert set(Order.objects.values_list("email", flat=True)) == {""}
        assert set(WebhookDelivery.objects.values_list("body", flat=True)) == {REDACTED_BODY}
    with merchant_scope(other_merchant):
        other_order.refresh_from_db()
        assert other_order.email == "someone@else.example"
        assert other_order.customer.email != ""


def test_other_apps_register_their_own_eraser(shop, two_customers):
    seen = []

    def erase_elsewhere(subject):
        seen.append((subject.merchant, subject.customer_external_ids, subject.emails))
        return 3

    privacy.register_eraser("tests.elsewhere", erase_elsewhere)
    try:
        subject = privacy.subject_for(merchant=shop, customer_external_ids=["115310627314723954"])
        counts = privacy.personal_data_erase(subject=subject)
    finally:
        privacy._erasers.pop("tests.elsewhere")
    assert counts["tests.elsewhere"] == 3
    assert counts["orders.customers"] == 1
    assert seen == [(shop, frozenset({"115310627314723954"}), frozenset({CAMILLE}))]


def test_a_failing_eraser_erases_nothing(shop, two_customers):
    def broken(subject):
        raise RuntimeError("storage offline")

    privacy.register_eraser("tests.broken", broken)
    try:
        with pytest.raises(RuntimeError):
            privacy.personal_data_erase(subject=privacy.subject_for(merchant=shop, emails=[CAMILLE]))
    finally:
        privacy._erasers.pop("tests.broken")
    with merchant_scope(shop):
        assert Customer.objects.get(external_id="115310627314723954").email == CAMILLE


def test_data_request_builds_an_export_once_per_request(send, shop, two_customers):
    send("customers/data_request", "customers_data_request.json")
    send("customers/data_request", "customers_data_request.json")  # redelivered under a new webhook id

    with merchant_scope(shop):
        export = DataExport.objects.get()
    assert export.request_id == "9999"
    assert [c["email"] for c in export.data["customers"]] == [CAMILLE]
    [order] = export.data["orders"]
    assert order["external_id"] == "820982911946154508"
    assert order["total"] == "108.40"
    assert [item["title"] for item in order["line_items"]] == ["Chemise en lin", "Tote bag en toile"]


def _staff(client, merchant, role):
    from merchants.models import Role
    from tests.conftest import login_as
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(email=f"{role}-{merchant.slug}@staff.example.com")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=Role(role))
    return login_as(client, user, merchant)


def test_admins_download_the_export(send, shop, two_customers, client):
    send("customers/data_request", "customers_data_request.json")
    with merchant_scope(shop):
        export = DataExport.objects.get()

    admin = _staff(client, shop, "admin")
    listing = admin.get("/app/orders/webhooks/exports/")
    assert listing.status_code == 200
    assert b"9999" in listing.content
    download = admin.get(f"/app/orders/webhooks/exports/{export.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="data-export-{export.pk}.json"'
    assert json.loads(download.content)["customers"][0]["email"] == CAMILLE


def test_agents_cannot_download_exports(send, shop, two_customers, client):
    send("customers/data_request", "customers_data_request.json")
    with merchant_scope(shop):
        export = DataExport.objects.get()
    agent = _staff(client, shop, "agent")
    assert agent.get(f"/app/orders/webhooks/exports/{export.pk}/download/").status_code == 403
    assert agent.get("/app/orders/webhooks/exports/").status_code == 403


def test_another_merchants_admin_cannot_download(send, shop, two_customers, client, other_merchant):
    send("customers/data_request", "customers_data_request.json")
    with merchant_scope(shop):
        export = DataExport.objects.get()
    outsider = _staff(client, other_merchant, "owner")
    assert outsider.get(f"/app/orders/webhooks/exports/{export.pk}/download/").status_code == 404
    assert b"9999" not in outsider.get("/app/orders/webhooks/exports/").content


def test_redact_after_a_data_request_deletes_the_export(send, shop, two_customers):
    send("customers/data_request", "customers_data_request.json")
    send("customers/redact", "customers_redact.json")
    with merchant_scope(shop):
        assert DataExport.objects.count() == 0


@pytest.mark.parametrize(
    ("topic", "body", "message"),
    [
        ("customers/redact", {"shop_id": 1}, "needs the field(s): customer"),
        ("customers/redact", {"customer": "camille"}, "customer must be a JSON object"),
        ("customers/data_request", {"customer": {"id": "abc"}}, None),
    ],
)
def test_malformed_privacy_payloads(send, shop, topic, body, message):
    response = send(topic, body)
    with merchant_scope(shop):
        delivery = WebhookDelivery.objects.get()
    assert response.status_code == 200  # Shopify cannot fix it by resending: stored as failed, accepted
    assert delivery.status == "failed"
    if message:  # seen at the door
        assert message in response.json()["error"] and message in delivery.last_error
    else:  # found while processing
        assert "customer.id must be an integer id" in delivery.last_error
