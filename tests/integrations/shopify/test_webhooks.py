"""Shopify webhooks posted signed through the test client, from our own fixtures."""

import logging
from decimal import Decimal

import pytest

from core.scoping import merchant_scope, unscoped
from integrations.models import WebhookDelivery
from merchants.services import integration_secret_set
from orders.models import Customer, LineItem, Order, Refund
from tests.integrations.fixtures import SHOPIFY_SECRET, as_body, payload, post_shopify, raw, sign

pytestmark = pytest.mark.django_db
ORDER_ID = "820982911946154508"


@pytest.fixture(autouse=True)
def no_event_fanout(monkeypatch):
    """Events are recorded (OrderEvent rows) but not fanned out: subscribers have their own tests."""
    monkeypatch.setattr("orders.events.publish_request", lambda: None)


@pytest.fixture
def shop(merchant):
    integration_secret_set(merchant=merchant, provider="shopify", secret=SHOPIFY_SECRET)
    return merchant


@pytest.fixture
def send(client, shop, django_capture_on_commit_callbacks):
    """Post a fixture (or a dict) signed, and run the processing task queued on commit."""

    def send(topic, data, **kwargs):
        if isinstance(data, str):
            data = raw("shopify", data)
        with django_capture_on_commit_callbacks(execute=True):
            return post_shopify(client, shop.slug, topic, data, **kwargs)

    return send


def deliveries(merchant):
    with merchant_scope(merchant):
        return list(WebhookDelivery.objects.order_by("id"))


def order_of(merchant, external_id=ORDER_ID):
    with merchant_scope(merchant):
        return Order.objects.filter(external_id=external_id).first()


# --- The documented topics ---------------------------------------------------------------------


def test_orders_create_maps_every_field(send, shop):
    response = send("orders/create", "orders_create.json")

    assert response.status_code == 200
    assert response.json() == {"status": "accepted"}
    order = order_of(shop)
    assert order.number == "#1001"
    assert order.currency == "EUR"
    assert (order.subtotal, order.discount, order.shipping, order.tax, order.total) == (
        Decimal("115.00"),
        Decimal("11.50"),
        Decimal("4.90"),
        Decimal("18.07"),
        Decimal("108.40"),
    )
    assert order.financial_status == "paid"
    assert order.language == "fr"
    assert order.source_platform == "shopify"
    assert order.email == "camille.martin@example.org"
    assert (order.shipping_city, order.shipping_postal_code, order.shipping_country) == ("Paris", "75011", "FR")
    assert order.landing_site == "/products/linen-shirt?utm_source=newsletter"
    with merchant_scope(shop):
        customer = order.customer
        assert customer.external_id == "115310627314723954"
        assert (customer.first_name, customer.language, customer.accepts_marketing) == ("Camille", "fr", True)
        lines = list(LineItem.objects.filter(order=order).order_by("id"))
    assert [(li.external_id, li.variant_id, li.quantity, li.unit_price) for li in lines] == [
        ("866550311766439020", "808950810123456789", 2, Decimal("45.00")),
        ("141249953214522974", "457924702123456789", 1, Decimal("25.00")),
    ]
    [delivery] = deliveries(shop)
    assert (delivery.status, delivery.attempts, delivery.topic, delivery.last_error) == (
        "processed",
        1,
        "orders/create",
        "",
    )
    assert delivery.headers["x-shopify-shop-domain"] == "maison-lumiere.myshopify.com"
    assert delivery.body.encode() == raw("shopify", "orders_create.json")


def test_ids_above_2_53_stay_exact(send, shop):
    send("orders/cancelled", "orders_cancelled.json")
    send("orders/create", "orders_create_guest.json")

    assert order_of(shop, "9007199254740993") is not None  # 2^53 + 1: a float parser gives ...992
    assert order_of(shop, "18446744073709551615") is not None
    with merchant_scope(shop):
        assert LineItem.objects.filter(external_id="9007199254740995").exists()


def test_cancelled_order_and_locale_outside_our_languages(send, shop):
    shop.default_language = "en"
    shop.save()
    send("orders/cancelled", "orders_cancelled.json")

    order = order_of(shop, "9007199254740993")
    assert order.cancelled_at.isoformat() == "2025-03-05T15:00:00+00:00"
    assert order.cancel_reason == "customer"
    assert order.financial_status == "voided"
    assert order.language == "en"  # uk-UA: the merchant's default


def test_cancelled_topic_without_cancelled_at_still_cancels(send, shop):
    data = payload("shopify", "orders_cancelled.json")
    del data["cancelled_at"]  # a subscription trimmed with include_fields
    send("orders/cancelled", data)

    order = order_of(shop, "9007199254740993")
    assert order.cancelled_at is not None


def test_guest_order_without_customer_in_yen(send, shop):
    send("orders/create", "orders_create_guest.json")

    order = order_of(shop, "18446744073709551615")
    assert order.email == "guest.buyer@example.jp"
    assert (order.currency, order.total, order.shipping) == ("JPY", Decimal("4500.00"), Decimal("0.00"))
    assert order.shipping_country == ""
    with merchant_scope(shop):  # a guest is one customer per email
        assert list(Customer.objects.values_list("pk", "email", "external_id")) == [
            (order.customer_id, "guest.buyer@example.jp", "")
        ]


KWD_ORDER_ID = "5301234567890123456"


def test_order_in_kuwaiti_dinars_keeps_its_three_decimals(send, shop):
    response = send("orders/create", "orders_create_kwd.json")

    assert response.status_code == 200
    order = order_of(shop, KWD_ORDER_ID)
    assert order.currency == "KWD"
    assert (order.subtotal, order.discount, order.shipping, order.tax, order.total) == (
        Decimal("28.815"),
        Decimal("1.500"),
        Decimal("1.750"),
        Decimal("0"),
        Decimal("29.065"),
    )
    with merchant_scope(shop):
        prices = list(LineItem.objects.filter(order=order).values_list("sku", "unit_price"))
    assert prices == [("OUD-50", Decimal("12.345")), ("DATES-BOX", Decimal("4.125"))]


def test_refund_in_kuwaiti_dinars(send, shop):
    send("orders/create", "orders_create_kwd.json")
    data = payload("shopify", "refunds_create.json")
    data["order_id"] = int(KWD_ORDER_ID)
    data["refund_line_items"][0]["line_item_id"] = 866550311766440111
    data["transactions"][0].update(order_id=int(KWD_ORDER_ID), amount="11.060")

    send("refunds/create", data)

    assert deliveries(shop)[-1].status == "processed"
    order = order_of(shop, KWD_ORDER_ID)
    assert (order.refunded_amount, order.financial_status) == (Decimal("11.060"), "partially_refunded")
    with merchant_scope(shop):
        assert Refund.objects.get(order=order).amount == Decimal("11.060")


def test_more_decimals_than_the_currency_has_is_a_recorded_error(send, shop):
    data = payload("shopify", "orders_create_guest.json")  # in yen
    data["total_price"] = "4500.5"

    send("orders/create", data)

    failed = deliveries(shop)[-1]
    assert failed.status == "failed"
    assert "JPY amounts have no decimal places." in failed.last_error


def test_orders_paid_moves_the_financial_status(send, shop):
    send("orders/create", "orders_create_pending.json")
    assert order_of(shop).financial_status == "pending"

    send("orders/paid", "orders_paid.json")
    assert order_of(shop).financial_status == "paid"


def test_an_older_version_never_overwrites_a_newer_one(send, shop):
    send("orders/updated", "orders_updated.json")
    send("orders/create", "orders_create.json")  # arrives late, older updated_at

    order = order_of(shop)
    assert order.shipping_address2 == "Bâtiment B, 3e étage"
    assert order.source_updated_at.isoformat() == "2025-03-01T10:00:00+00:00"
    assert [d.status for d in deliveries(shop)] == ["processed", "processed"]


def test_customers_create_and_update(send, shop):
    send("customers/create", "customers_create.json")
    send("customers/update", "customers_update.json")

    with merchant_scope(shop):
        customer = Customer.objects.get(external_id="207119551123456789")
    assert (customer.first_name, customer.last_name, customer.phone) == ("Léa", "Dubois-Lefèvre", "+33700000000")
    assert customer.accepts_marketing is True


# --- Refunds ------------------------------------------------------------------------------------


def test_partial_refund_marks_items_and_amount(send, shop):
    send("orders/create", "orders_create.json")
    send("refunds/create", "refunds_create.json")
    send("refunds/create", "refunds_create.json")  # the same refund, another delivery

    order = order_of(shop)
    assert order.refunded_amount == Decimal("40.50")
    assert order.financial_status == "partially_refunded"
    with merchant_scope(shop):
        assert Refund.objects.count() == 1
        assert LineItem.objects.get(external_id="866550311766439020").quantity_refunded == 1


def test_refund_without_transactions_sums_line_numbers_exactly(send, shop):
    send("orders/create", "orders_create.json")
    data = payload("shopify", "refunds_create.json")
    data["transactions"] = []
    body = (
        as_body(data).replace(b'"subtotal":40.5', b'"subtotal":40.49').replace(b'"total_tax":6.75', b'"total_tax":0.01')
    )
    send("refunds/create", body)

    assert order_of(shop).refunded_amount == Decimal("40.50")  # 40.49 + 0.01 exactly


def test_refund_before_its_order_is_retried_then_replayed(client, shop, django_capture_on_commit_callbacks):
    from integrations.inbound import TransientError, delivery_process, delivery_replay

    with django_capture_on_commit_callbacks(execute=False):
        post_shopify(client, shop.slug, "refunds/create", raw("shopify", "refunds_create.json"))
    [delivery] = deliveries(shop)
    with pytest.raises(TransientError):
        delivery_process(delivery_pk=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert "Order 820982911946154508 has not been received yet. Will retry." == delivery.last_error

    with django_capture_on_commit_callbacks(execute=True):
        post_shopify(client, shop.slug, "orders/create", raw("shopify", "orders_create.json"))
    with django_capture_on_commit_callbacks(execute=True):
        delivery_replay(merchant=shop, delivery=delivery)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("processed", 2, "")
    assert order_of(shop).refunded_amount == Decimal("40.50")


def test_refund_larger_than_the_order_is_a_recorded_error(send, shop):
    send("orders/create", "orders_create.json")
    data = payload("shopify", "refunds_create.json")
    data["transactions"][0]["amount"] = "500.00"
    send("refunds/create", data)

    failed = deliveries(shop)[-1]
    assert failed.status == "failed"
    assert "amount: Only 108.40 EUR can still be refunded." in failed.last_error
    assert order_of(shop).refunded_amount == Decimal("0.00")
    with merchant_scope(shop):
        assert LineItem.objects.get(external_id="866550311766439020").quantity_refunded == 0


# --- Delivery semantics -------------------------------------------------------------------------


def test_redelivery_of_the_same_webhook_id_changes_nothing(send, shop):
    first = send("orders/create", "orders_create.json", webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    again = send("orders/create", "orders_create.json", webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == {"status": "duplicate"}
    [delivery] = deliveries(shop)
    assert delivery.attempts == 1


def test_same_event_id_on_two_deliveries_is_not_a_duplicate(send, shop):
    event = "98880550-7158-44d4-b7cd-2c97c8a091b5"
    send("orders/create", "orders_create.json", event_id=event)
    response = send("orders/paid", "orders_paid.json", event_id=event)

    assert response.json() == {"status": "accepted"}
    assert [d.topic for d in deliveries(shop)] == ["orders/create", "orders/paid"]


def test_unknown_topic_is_stored_as_ignored(send, shop):
    response = send("collections/update", {"id": 632910392, "title": "Chemises"})

    assert response.status_code == 200
    assert response.json() == {"status": "ignored"}
    [delivery] = deliveries(shop)
    assert delivery.status == "ignored"


def test_header_names_are_case_insensitive(client, shop, django_capture_on_commit_callbacks):
    body = raw("shopify", "orders_create.json")
    headers = {
        "x-shopify-topic": "orders/create",
        "x-shopify-hmac-sha256": sign(body, SHOPIFY_SECRET),
        "X-shopify-webhook-id": "lower-1",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/webhooks/shopify/{shop.slug}/", data=body, content_type="application/json", headers=headers
        )
    assert response.status_code == 200
    assert order_of(shop) is not None


def test_both_secrets_verify_during_a_rotation(send, shop):
    integration_secret_set(merchant=shop, provider="shopify", secret="shpss_new_secret")

    assert send("orders/create", "orders_create.json", secret=SHOPIFY_SECRET).status_code == 200
    assert send("orders/paid", "orders_paid.json", secret="shpss_new_secret").status_code == 200


def test_a_retired_secret_no_longer_verifies(send, shop):
    from django.utils import timezone

    from merchants.models import IntegrationSecret

    with merchant_scope(shop):
        IntegrationSecret.objects.update(retired_at=timezone.now())
    assert send("orders/create", "orders_create.json").status_code == 401


# --- Bad input ----------------------------------------------------------------------------------


def test_bad_signature_is_refused_stores_nothing_and_logs(send, shop, caplog):
    with caplog.at_level(logging.WARNING, logger="security"):
        response = send("orders/create", "orders_create.json", secret="not-the-secret")

    assert response.status_code == 401
    assert "signature does not match" in response.json()["error"]
    assert deliveries(shop) == []
    assert any("bad signature" in r.getMessage() and r.name == "security" for r in caplog.records)


def test_missing_signature_is_refused(send, shop, caplog):
    with caplog.at_level(logging.WARNING, logger="security"):
        response = send("orders/create", "orders_create.json", headers={"X-Shopify-Hmac-Sha256": None})

    assert response.status_code == 401
    assert deliveries(shop) == []
    assert any("missing signature" in r.getMessage() for r in caplog.records)


def test_signature_over_another_body_is_refused(client, shop):
    body = raw("shopify", "orders_create.json")
    tampered = body.replace(b'"108.40"', b'"1.00"')
    response = client.post(
        f"/webhooks/shopify/{shop.slug}/",
        data=tampered,
        content_type="application/json",
        headers={
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Webhook-Id": "x",
            "X-Shopify-Hmac-Sha256": sign(body, SHOPIFY_SECRET),
        },
    )
    assert response.status_code == 401
    assert deliveries(shop) == []


def test_merchant_without_a_shopify_secret_refuses_everything(client, merchant):
    response = post_shopify(client, merchant.slug, "orders/create", raw("shopify", "orders_create.json"))
    assert response.status_code == 401


@pytest.mark.parametrize("missing", ["X-Shopify-Topic", "X-Shopify-Webhook-Id"])
def test_missing_headers_are_a_400(send, shop, missing):
    response = send("orders/create", "orders_create.json", headers={missing: None})

    assert response.status_code == 400
    assert missing in response.json()["error"]
    assert deliveries(shop) == []


def test_unknown_merchant_slug_is_a_404(client, shop):
    response = post_shopify(client, "no-such-shop", "orders/create", raw("shopify", "orders_create.json"))
    assert response.status_code == 404


def test_get_is_not_allowed(client, shop):
    assert client.get(f"/webhooks/shopify/{shop.slug}/").status_code == 405


def test_body_over_one_megabyte_is_a_413(send, shop):
    big = payload("shopify", "orders_create.json")
    big["note"] = "x" * (1024 * 1024)
    response = send("orders/create", big)

    assert response.status_code == 413
    assert deliveries(shop) == []


def test_body_of_exactly_one_megabyte_is_read(send, shop):
    body = as_body(payload("shopify", "orders_create.json"))
    padded = body[:-1] + b" " * (1024 * 1024 - len(body)) + b"}"
    assert len(padded) == 1024 * 1024
    assert send("orders/create", padded).status_code == 200


def test_signed_body_that_is_not_json_is_a_400_and_recorded(send, shop):
    response = send("orders/create", b"id=1001&name=%231001")

    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]
    [delivery] = deliveries(shop)
    assert delivery.status == "failed"
    assert "not valid JSON" in delivery.last_error


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"id": 1, "total_price": NaN}', "not a number JSON allows"),
        (b'{"id": 1, "note": "\x00"}', "not valid JSON"),
        (b'{"id": 1, "name": "\xc3\x28"}', "not UTF-8"),
        ('{"id": 1, "name": "#1001"}'.encode("utf-16"), "not UTF-8"),
        ('{"id": 1, "name": "#1001"}'.encode("utf-32"), "not UTF-8"),
        (b'{"id": 1, "note": "\\ud800"}', "\\ud800 is half of a UTF-16 surrogate pair"),
        (b'{"id": 1, "\\uDFFF": "key"}', "not valid Unicode"),
    ],
)
def test_a_body_that_is_not_utf8_json_is_a_400_and_recorded(send, shop, body, message):
    response = send("orders/create", body)

    assert response.status_code == 400
    assert message in response.json()["error"]
    [delivery] = deliveries(shop)
    assert delivery.status == "failed"
    assert message in delivery.last_error
    assert order_of(shop) is None


def test_a_whole_surrogate_pair_and_a_byte_order_mark_are_accepted(send, shop):
    body = as_body(payload("shopify", "orders_create.json")).replace(b'"note":null', b'"note":"\\ud83d\\udce6"')
    assert b"ud83d" in body
    assert send("orders/create", b"\xef\xbb\xbf" + body).json() == {"status": "accepted"}
    assert order_of(shop) is not None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[1, 2]", "must be a JSON object, not list"),
        (b'{"name": "#1001"}', "needs the field(s): id"),
        (b'{"id": "#1001"}', "id must be an integer id"),
    ],
)
def test_json_of_the_wrong_shape_is_accepted_and_recorded_as_failed(send, shop, body, message):
    response = send("orders/create", body)

    assert response.status_code == 200  # resending cannot fix it, and Shopify drops failing subscriptions
    assert response.json() == {"status": "failed", "error": response.json()["error"]}
    assert message in response.json()["error"]
    [delivery] = deliveries(shop)
    assert delivery.status == "failed"
    assert message in delivery.last_error
    assert order_of(shop) is None


def _mutated(change):
    data = payload("shopify", "orders_create.json")
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda d: d.update(line_items=[]), "line_items: An order needs at least one line item."),
        (lambda d: d.update(total_price="-10.00"), "total: The amount cannot be negative."),
        (lambda d: d.update(total_price="cent euros"), "total: 'cent euros' is not a number"),
        (lambda d: d["line_items"][0].update(price="abc"), "line_items[0].unit_price"),
        (lambda d: d.update(currency="XYZ"), "currency: 'XYZ' is not an ISO 4217 currency code"),
        (lambda d: d.update(email="not-an-email"), "email: 'not-an-email' is not a valid email address."),
        (lambda d: d["customer"].update(email="camille@"), "customer.email"),
        (lambda d: d.update(financial_status="sort_of_paid"), "financial_status 'sort_of_paid'"),
        (lambda d: d.update(created_at="yesterday", processed_at=None), "created_at must be an ISO 8601"),
        (lambda d: d.update(processed_at="2025-03-01T10:00:00+16:00"), "processed_at must be an ISO 8601"),
        (lambda d: d.update(updated_at="2025-02-30T10:00:00Z"), "updated_at must be an ISO 8601"),
        (lambda d: d["line_items"][0].update(quantity="2"), "line_items[0].quantity must be a whole number"),
    ],
)
def test_invalid_order_is_a_recorded_error_and_writes_nothing(send, shop, change, error):
    response = send("orders/create", _mutated(change))

    assert response.status_code == 200  # accepted: the problem is found while processing
    [delivery] = deliveries(shop)
    assert delivery.status == "failed"
    assert error in delivery.last_error
    assert order_of(shop) is None
    with merchant_scope(shop):
        assert Customer.objects.count() == 0  # nothing half-written


def test_an_invalid_update_leaves_the_stored_order_as_it_was(send, shop):
    send("orders/create", "orders_create.json")
    bad = payload("shopify", "orders_updated.json")
    bad["total_price"] = "-1"
    send("orders/updated", bad)

    order = order_of(shop)
    assert order.total == Decimal("108.40")
    assert order.shipping_address2 == ""
    assert [d.status for d in deliveries(shop)] == ["processed", "failed"]


# --- Dashboard ----------------------------------------------------------------------------------


def _staff(client, merchant, role):
    from merchants.models import Role
    from tests.conftest import login_as
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(email=f"{role}@staff.example.com")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=Role(role))
    return login_as(client, user, merchant)


def test_dashboard_lists_and_filters_deliveries(send, shop, client):
    send("orders/create", "orders_create.json")
    send("orders/create", _mutated(lambda d: d.update(id=1, currency="XYZ")))
    staff = _staff(client, shop, "viewer")

    page = staff.get("/app/orders/webhooks/")
    assert page.status_code == 200
    assert page.content.count(b"orders/create") == 2
    failed = staff.get("/app/orders/webhooks/?status=failed")
    assert failed.content.count(b"orders/create") == 1
    assert b"is not an ISO 4217 currency code" in failed.content
    assert b"Replay" not in failed.content  # a viewer cannot replay


def test_delivery_detail_shows_body_and_error(send, shop, client):
    send("orders/create", _mutated(lambda d: d.update(currency="XYZ")))
    [delivery] = deliveries(shop)
    page = _staff(client, shop, "viewer").get(f"/app/orders/webhooks/{delivery.pk}/")

    assert page.status_code == 200
    assert b"820982911946154508" in page.content
    assert b"is not an ISO 4217 currency code" in page.content


def test_replay_needs_an_agent_and_is_idempotent(send, shop, client, django_capture_on_commit_callbacks):
    send("orders/create", "orders_create.json")
    [delivery] = deliveries(shop)

    viewer = _staff(client, shop, "viewer")
    assert viewer.post(f"/app/orders/webhooks/{delivery.pk}/replay/").status_code == 403
    client.logout()
    agent = _staff(client, shop, "agent")
    with django_capture_on_commit_callbacks(execute=True):
        response = agent.post(f"/app/orders/webhooks/{delivery.pk}/replay/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("processed", 2)
    with merchant_scope(shop):
        assert Order.objects.count() == 1
        assert LineItem.objects.count() == 2


def test_replay_fixes_a_failure_once_the_cause_is_gone(send, shop, client, django_capture_on_commit_callbacks):
    from core.money import CURRENCY_CODES

    send("orders/create", _mutated(lambda d: d.update(currency="EURO")))
    [delivery] = deliveries(shop)
    assert delivery.status == "failed"
    with merchant_scope(shop):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            body=as_body(payload("shopify", "orders_create.json")).decode()
        )
    assert "EUR" in CURRENCY_CODES
    with django_capture_on_commit_callbacks(execute=True):
        _staff(client, shop, "agent").post(f"/app/orders/webhooks/{delivery.pk}/replay/")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == ("processed", "")


def test_another_merchants_staff_cannot_see_or_replay(send, shop, client, other_merchant):
    send("orders/create", "orders_create.json")
    [delivery] = deliveries(shop)
    outsider = _staff(client, other_merchant, "owner")

    assert outsider.get(f"/app/orders/webhooks/{delivery.pk}/").status_code == 404
    assert outsider.post(f"/app/orders/webhooks/{delivery.pk}/replay/").status_code == 404
    assert b"orders/create" not in outsider.get("/app/orders/webhooks/").content
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_same_slug_secret_of_another_merchant_does_not_verify(client, shop, other_merchant):
    integration_secret_set(merchant=other_merchant, provider="shopify", secret="other-secret")
    response = post_shopify(
        client, shop.slug, "orders/create", raw("shopify", "orders_create.json"), secret="other-secret"
    )
    assert response.status_code == 401
    with unscoped():
        assert WebhookDelivery.objects.count() == 0


def test_stuck_received_deliveries_are_drained_by_the_sweep(client, shop, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from integrations.tasks import drain_stuck_webhook_deliveries

    with django_capture_on_commit_callbacks(execute=False):  # the broker "lost" the message
        post_shopify(client, shop.slug, "orders/create", raw("shopify", "orders_create.json"))
    assert drain_stuck_webhook_deliveries() == 0  # too recent: its drain may still be on its way
    with unscoped():
        WebhookDelivery.objects.update(received_at=timezone.now() - timedelta(minutes=10))
    assert drain_stuck_webhook_deliveries() == 1
    assert deliveries(shop)[0].status == "processed"
    assert order_of(shop) is not None


@pytest.mark.django_db(transaction=True)
def test_redelivery_outside_a_transaction_is_recognised(client, merchant):
    """Real requests are not inside a transaction: the bare INSERT path must dedupe too."""
    integration_secret_set(merchant=merchant, provider="shopify", secret=SHOPIFY_SECRET)
    body = raw("shopify", "orders_create.json")
    first = post_shopify(client, merchant.slug, "orders/create", body, webhook_id="outside-1")
    again = post_shopify(client, merchant.slug, "orders/create", body, webhook_id="outside-1")

    assert (first.json(), again.json()) == ({"status": "accepted"}, {"status": "duplicate"})
    assert len(deliveries(merchant)) == 1


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        (b'{"id": 1, "note": "\\ud800"}', b"\\ud800"),  # stored before the doors refused lone surrogates
        (b"[" * 5000 + b"]" * 5000, b"[[[["),  # too deep to indent
    ],
)
def test_the_delivery_page_shows_any_stored_body(shop, client, body, shown):
    from integrations.inbound import delivery_store

    delivery, _ = delivery_store(
        merchant=shop, source="shopify", delivery_id="old", topic="orders/create", headers={}, body=body
    )
    page = _staff(client, shop, "viewer").get(f"/app/orders/webhooks/{delivery.pk}/")

    assert page.status_code == 200
    assert shown in page.content
