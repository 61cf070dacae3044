"""WooCommerce webhooks posted signed through the test client, from our own fixtures."""

import logging
from decimal import Decimal

import pytest

from core.scoping import merchant_scope
from integrations.models import WebhookDelivery
from merchants.services import integration_secret_set
from orders.models import Customer, LineItem, Order, Refund
from tests.integrations.fixtures import WOOCOMMERCE_SECRET, payload, post_woocommerce, raw, sign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_event_fanout(monkeypatch):
    """Events are recorded (OrderEvent rows) but not fanned out: subscribers have their own tests."""
    monkeypatch.setattr("orders.events.publish_request", lambda: None)


@pytest.fixture
def shop(merchant):
    integration_secret_set(merchant=merchant, provider="woocommerce", secret=WOOCOMMERCE_SECRET)
    return merchant


@pytest.fixture
def send(client, shop, django_capture_on_commit_callbacks):
    def send(topic, data, **kwargs):
        if isinstance(data, str):
            data = raw("woocommerce", data)
        with django_capture_on_commit_callbacks(execute=True):
            return post_woocommerce(client, shop.slug, topic, data, **kwargs)

    return send


def deliveries(merchant):
    with merchant_scope(merchant):
        return list(WebhookDelivery.objects.order_by("id"))


def order_of(merchant, external_id="4750"):
    with merchant_scope(merchant):
        return Order.objects.filter(external_id=external_id).first()


def test_order_created_maps_every_field(send, shop):
    response = send("order.created", "order_created.json")

    assert response.status_code == 200
    order = order_of(shop)
    assert order.number == "#4750"
    assert order.placed_at.isoformat() == "2025-03-01T10:15:00+00:00"  # date_created_gmt is UTC
    assert (order.currency, order.subtotal, order.discount, order.shipping, order.total) == (
        "EUR",
        Decimal("60.00"),
        Decimal("3.00"),
        Decimal("5.90"),
        Decimal("62.90"),
    )
    assert order.financial_status == "paid"
    assert order.source_platform == "woocommerce"
    assert (order.shipping_address2, order.shipping_city, order.shipping_country) == ("Porte 2", "Lyon", "FR")
    with merchant_scope(shop):
        customer = order.customer
        assert (customer.external_id, customer.email) == ("12", "hugo.bernard@example.org")
        lines = list(LineItem.objects.filter(order=order).order_by("id"))
    assert [(li.external_id, li.sku, li.variant_id, li.quantity, li.unit_price) for li in lines] == [
        ("311", "CANDLE-FIG", "101", 2, Decimal("18.00")),
        ("312", "SOAP-01", "", 1, Decimal("24.00")),
    ]
    assert lines[0].image_url == "https://shop.example.com/wp-content/uploads/candle-fig.jpg"  # "\/" unescaped
    [delivery] = deliveries(shop)
    assert delivery.status == "processed"
    assert delivery.headers["x-wc-webhook-topic"] == "order.created"


def test_guest_order_in_a_currency_without_decimals(send, shop):
    send("order.created", "order_created_guest.json")

    order = order_of(shop, "4751")
    assert order.email == "valentina.rojas@example.cl"
    assert (order.currency, order.total) == ("CLP", Decimal("449990.00"))
    assert order.shipping_country == "CL"  # digital: billing address stands in
    with merchant_scope(shop):  # a guest is one customer per email
        assert list(Customer.objects.values_list("pk", "email", "external_id")) == [
            (order.customer_id, "valentina.rojas@example.cl", "")
        ]


def test_order_in_kuwaiti_dinars_keeps_its_three_decimals(send, shop):
    data = payload("woocommerce", "order_created.json")
    data.update(currency="KWD", discount_total="1.500", shipping_total="1.750", total="29.065")
    data["line_items"][0].update(subtotal="24.690", total="23.190")  # 2 × 12.345
    data["line_items"][1].update(quantity=3, subtotal="10.000", total="10.000")  # 3.333 each, to the fils

    send("order.created", data)

    order = order_of(shop)
    assert (order.currency, order.subtotal, order.discount, order.shipping, order.total) == (
        "KWD",
        Decimal("34.690"),
        Decimal("1.500"),
        Decimal("1.750"),
        Decimal("29.065"),
    )
    with merchant_scope(shop):
        prices = list(LineItem.objects.filter(order=order).order_by("id").values_list("unit_price", flat=True))
    assert prices == [Decimal("12.345"), Decimal("3.333")]


def test_completed_with_a_refund(send, shop):
    send("order.created", "order_created.json")
    send("order.updated", "order_updated_refunded.json")
    send("order.updated", "order_updated_refunded.json", delivery_id="again")  # redelivered: one refund

    order = order_of(shop)
    assert order.fulfillment_status == "fulfilled"
    assert order.refunded_amount == Decimal("16.50")
    assert order.financial_status == "partially_refunded"
    with merchant_scope(shop):
        assert Refund.objects.get().note == "Bougie cassée"


def test_cancelled_status_cancels_the_order(send, shop):
    send("order.created", "order_created.json")
    send("order.updated", "order_updated_cancelled.json")

    order = order_of(shop)
    assert order.cancelled_at.isoformat() == "2025-03-01T11:00:00+00:00"
    assert order.cancel_reason == "cancelled"


def test_deleted_order_is_cancelled_not_removed(send, shop):
    send("order.created", "order_created.json")
    response = send("order.deleted", "order_deleted.json")

    assert response.status_code == 200
    order = order_of(shop)
    assert order.cancel_reason == "deleted"
    assert order.cancelled_at is not None


def test_deleting_an_order_we_never_received_is_ignored(send, shop):
    send("order.deleted", {"id": 999})
    assert deliveries(shop)[0].status == "ignored"


def test_restored_order_is_upserted(send, shop):
    send("order.created", "order_created.json")
    send("order.restored", "order_restored.json")

    assert order_of(shop).financial_status == "pending"  # on-hold
    with merchant_scope(shop):
        assert Order.objects.count() == 1


def test_a_trashed_then_restored_order_is_no_longer_cancelled(send, shop):
    send("order.created", "order_created.json")
    send("order.deleted", "order_deleted.json")
    send("order.restored", "order_restored.json")

    order = order_of(shop)
    assert (order.cancelled_at, order.cancel_reason) == (None, "")
    with merchant_scope(shop):
        events = order.events.filter(kind__in=["order.cancelled", "order.restored"]).order_by("id")
        kinds = list(events.values_list("kind", "payload"))
    assert kinds == [
        ("order.cancelled", {"order_id": order.pk, "reason": "deleted"}),
        ("order.restored", {"order_id": order.pk, "cancel_reason": "deleted"}),
    ]


def test_a_cancelled_order_set_back_to_processing_is_restored_once(send, shop):
    send("order.updated", "order_updated_cancelled.json")
    data = payload("woocommerce", "order_updated_cancelled.json")
    data.update(status="processing", date_modified_gmt="2025-03-02T08:00:00")
    send("order.updated", data)
    send("order.updated", data)  # the same version again: nothing more

    assert order_of(shop).cancelled_at is None
    with merchant_scope(shop):
        assert order_of(shop).events.filter(kind="order.restored").count() == 1


def test_an_older_version_never_overwrites_a_newer_one(send, shop):
    send("order.updated", "order_updated_refunded.json")
    send("order.created", "order_created.json")

    assert order_of(shop).fulfillment_status == "fulfilled"


def test_creation_ping_is_answered_200_and_ignored(client, shop):
    response = client.post(
        f"/webhooks/woocommerce/{shop.slug}/",
        data="webhook_id=58",
        content_type="application/x-www-form-urlencoded",
        headers={"User-Agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)"},
    )
    assert response.status_code == 200
    assert deliveries(shop) == []


def test_ping_shaped_body_with_a_bad_signature_is_refused(client, shop):
    response = client.post(
        f"/webhooks/woocommerce/{shop.slug}/",
        data="webhook_id=58",
        content_type="application/x-www-form-urlencoded",
        headers={"X-WC-Webhook-Signature": "AAAA"},
    )
    assert response.status_code == 401


def test_bad_or_missing_signature_is_refused_and_logged(send, shop, caplog):
    with caplog.at_level(logging.WARNING, logger="security"):
        bad = send("order.created", "order_created.json", secret="wrong")
        missing = send("order.created", "order_created.json", headers={"X-WC-Webhook-Signature": None})

    assert (bad.status_code, missing.status_code) == (401, 401)
    assert deliveries(shop) == []
    assert len([r for r in caplog.records if r.name == "security"]) == 2


def test_secret_saved_with_html_entities_verifies_like_woocommerce(
    client, merchant, django_capture_on_commit_callbacks
):
    integration_secret_set(merchant=merchant, provider="woocommerce", secret="s3cr&amp;t")
    body = raw("woocommerce", "order_created.json")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_woocommerce(client, merchant.slug, "order.created", body, secret="s3cr&t")
    assert response.status_code == 200


def test_same_delivery_id_with_another_body_is_another_delivery(send, shop):
    send("order.created", "order_created.json", delivery_id="36e520ebabc2fa725092ff4a47acedf2")
    second = send("order.created", "order_created_guest.json", delivery_id="36e520ebabc2fa725092ff4a47acedf2")
    again = send("order.created", "order_created_guest.json", delivery_id="36e520ebabc2fa725092ff4a47acedf2")

    assert second.json() == {"status": "accepted"}
    assert again.json() == {"status": "duplicate"}
    assert len(deliveries(shop)) == 2
    assert order_of(shop, "4751") is not None


@pytest.mark.parametrize("missing", ["X-WC-Webhook-Topic", "X-WC-Webhook-Delivery-ID"])
def test_missing_headers_are_a_400(send, shop, missing):
    response = send("order.created", "order_created.json", headers={missing: None})
    assert response.status_code == 400
    assert missing in response.json()["error"]


def test_unknown_slug_and_large_body(client, shop, send):
    assert (
        post_woocommerce(client, "nope", "order.created", raw("woocommerce", "order_created.json")).status_code == 404
    )
    big = payload("woocommerce", "order_created.json")
    big["customer_note"] = "é" * (600 * 1024)
    assert send("order.created", big).status_code == 413
    assert deliveries(shop) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        ('{"id": 4750}'.encode("utf-16"), "not UTF-8"),
        (b'{"id": 4750, "customer_note": "\\udc00"}', "not valid Unicode"),
    ],
)
def test_signed_body_that_is_not_utf8_json_is_a_400_and_recorded(send, shop, body, message):
    response = send("order.created", body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert deliveries(shop)[0].status == "failed"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'"order"', "must be a JSON object"),
        (b'{"id": "4750"}', "id must be a positive integer id"),
    ],
)
def test_signed_json_of_the_wrong_shape_is_accepted_and_recorded_as_failed(send, shop, body, message):
    response = send("order.created", body)
    assert response.status_code == 200  # WooCommerce disables a webhook that keeps failing
    assert message in response.json()["error"]
    [delivery] = deliveries(shop)
    assert delivery.status == "failed" and message in delivery.last_error


def test_without_the_utc_date_the_local_one_is_read_in_the_shops_time_zone(send, shop):
    order = payload("woocommerce", "order_created.json")
    order["date_created_gmt"] = None
    order["date_created"] = "2025-07-01T10:15:00"  # summer in Paris: UTC+2
    shop.time_zone = "Europe/Paris"
    shop.save()
    assert send("order.created", order).status_code == 200
    assert order_of(shop).placed_at.isoformat() == "2025-07-01T08:15:00+00:00"


def test_an_impossible_utc_offset_fails_the_delivery_with_its_reason(send, shop):
    order = payload("woocommerce", "order_created.json")
    order["date_created_gmt"] = "2025-03-01T10:00:00+16:00"
    assert send("order.created", order).status_code == 200
    [delivery] = deliveries(shop)
    assert delivery.status == "failed"
    assert "date_created_gmt" in delivery.last_error and "UTC offset" in delivery.last_error


def test_unknown_topic_is_ignored(send, shop):
    assert send("coupon.updated", {"id": 93}).json() == {"status": "ignored"}
    assert deliveries(shop)[0].status == "ignored"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda d: d.update(line_items=[]), "An order needs at least one line item."),
        (lambda d: d.update(total="-62.90"), "total: The amount cannot be negative."),
        (lambda d: d.update(shipping_total="cinq"), "shipping: 'cinq' is not a number"),
        (lambda d: d.update(currency="EURO"), "is not an ISO 4217 currency code"),
        (lambda d: d["billing"].update(email="hugo@@example"), "is not a valid email address"),
        (lambda d: d["line_items"][0].update(quantity=0), "quantity must be a whole number of at least 1"),
        (lambda d: d.update(date_created_gmt="le 1er mars", date_created=None), "date_created_gmt must be an ISO 8601"),
    ],
)
def test_invalid_order_is_a_recorded_error_and_writes_nothing(send, shop, change, error):
    data = payload("woocommerce", "order_created.json")
    change(data)
    send("order.created", data)

    [delivery] = deliveries(shop)
    assert delivery.status == "failed"
    assert error in delivery.last_error
    assert order_of(shop) is None
    with merchant_scope(shop):
        assert Customer.objects.count() == 0


def test_signature_is_over_the_raw_bytes(client, shop):
    body = raw("woocommerce", "order_created.json")
    reencoded = body.replace(b"\\/", b"/")  # same JSON, other bytes
    response = client.post(
        f"/webhooks/woocommerce/{shop.slug}/",
        data=reencoded,
        content_type="application/json",
        headers={
            "X-WC-Webhook-Signature": sign(body, WOOCOMMERCE_SECRET),
            "X-WC-Webhook-Topic": "order.created",
            "X-WC-Webhook-Delivery-ID": "d",
        },
    )
    assert response.status_code == 401
