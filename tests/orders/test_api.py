import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from core.models import IdempotencyRecord
from core.scoping import merchant_scope
from merchants.models import Role
from orders.models import Customer, LineItem, Order, OrderEvent
from orders.services import order_cancel
from tests.conftest import api_client_for
from tests.factories import CustomerFactory, LineItemFactory, OrderFactory


def order_body(**overrides):
    body = {
        "external_id": "450789469",
        "number": "#1001",
        "placed_at": "2025-03-01T10:00:00+01:00",
        "updated_at": "2025-03-01T10:00:00+01:00",
        "currency": "EUR",
        "subtotal": "59.80",
        "shipping": 4.90,
        "total": "64.70",
        "financial_status": "paid",
        "customer": {
            "external_id": "207119551",
            "email": "camille@example.org",
            "first_name": "Camille",
            "language": "fr",
        },
        "shipping_address": {"name": "Camille Martin", "city": "Paris", "postal_code": "75011", "country": "FR"},
        "line_items": [
            {
                "external_id": "466157049",
                "sku": "SHIRT-M",
                "title": "Linen shirt",
                "quantity": 1,
                "unit_price": "49.90",
            },
            {"external_id": "518995019", "sku": "SOCKS", "title": "Socks", "quantity": 2, "unit_price": 4.95},
        ],
    }
    body.update(overrides)
    return body


def post_json(client, url, body, **headers):
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data=raw, content_type="application/json", **headers)


def count(merchant, model):
    with merchant_scope(merchant):
        return model.objects.count()


# --- POST /api/v1/orders -------------------------------------------------------------------------


def test_create_then_update_by_external_id(api, merchant):
    created = post_json(api, "/api/v1/orders", order_body())
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["external_id"] == "450789469"
    assert data["total"] == "64.70"
    assert data["shipping"] == "4.90"  # a JSON number, stored exactly
    assert data["placed_at"] == "2025-03-01T09:00:00Z"
    assert data["customer"]["email"] == "camille@example.org"
    assert data["customer"]["language"] == "fr"
    assert [(li["sku"], li["quantity"], li["unit_price"]) for li in data["line_items"]] == [
        ("SHIRT-M", 1, "49.90"),
        ("SOCKS", 2, "4.95"),
    ]
    assert data["shipments"] == []
    assert {"financial_status", "fulfillment_status", "cancelled_at", "currency", "number", "id"} <= set(data)

    updated = post_json(
        api, "/api/v1/orders", order_body(updated_at="2025-03-02T10:00:00Z", financial_status="paid", tax="2.00")
    )
    assert updated.status_code == 200
    assert updated.json()["id"] == data["id"]
    assert updated.json()["tax"] == "2.00"
    assert count(merchant, Order) == 1
    assert count(merchant, LineItem) == 2


def test_amount_numbers_are_parsed_exactly(api, merchant):
    body = order_body(
        total=0.1, shipping=0.1, subtotal=None, line_items=[{"title": "Pin", "quantity": 3, "unit_price": 0.1}]
    )
    body["total"] = 0.3  # 0.1 * 3 in binary floating point is 0.30000000000000004
    response = post_json(api, "/api/v1/orders", body)
    assert response.status_code == 201, response.json()
    with merchant_scope(merchant):
        order = Order.objects.get()
    assert order.subtotal == Decimal("0.30")
    assert order.total == Decimal("0.30")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"line_items": []}, "line_items"),
        ({"currency": "XYZ"}, "currency"),
        ({"total": "-5.00"}, "total"),
        ({"total": "twelve"}, "total"),
        ({"total": "1.999"}, "total"),
        ({"email": "not-an-email"}, "email"),
        ({"external_id": ""}, "external_id"),
        ({"placed_at": "yesterday"}, "placed_at"),
        ({"financial_status": "kinda"}, "financial_status"),
        ({"number": "#10\u0000"}, "number"),
        ({"line_items": [{"title": "Pin", "quantity": 10**12, "unit_price": "1"}]}, "line_items[0].quantity"),
        ({"customer": {"first_name": "No contact"}}, "customer.email"),
        ({"shipping_address": {"country": "France"}}, "shipping_address.country"),
        ({"total": "1e400"}, "total"),
    ],
)
def test_bad_order_fields_give_400_naming_the_field(api, merchant, overrides, field):
    response = post_json(api, "/api/v1/orders", order_body(**overrides))

    assert response.status_code == 400
    assert field in response.json()
    assert count(merchant, Order) == 0
    assert count(merchant, Customer) == 0


def test_bad_nested_fields_are_named(api, merchant):
    body = order_body(customer={"email": "nope@"})
    body["line_items"][1]["unit_price"] = "-1"
    body["line_items"][0]["quantity"] = 0

    response = post_json(api, "/api/v1/orders", body)

    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"customer.email", "line_items[0].quantity", "line_items[1].unit_price"}
    assert errors["line_items[1].unit_price"] == ["Ensure this value is greater than or equal to 0."]
    assert count(merchant, Order) == 0


@pytest.mark.parametrize("raw", ['{"external_id": ', "[1, 2]", '{"total": NaN}', ""])
def test_malformed_json_gives_400(api, merchant, raw):
    response = post_json(api, "/api/v1/orders", raw)
    assert response.status_code == 400
    assert response.json()
    assert count(merchant, Order) == 0


def test_out_of_order_update_is_ignored(api, merchant):
    post_json(api, "/api/v1/orders", order_body(updated_at="2025-03-05T00:00:00Z", total="70.00"))
    response = post_json(api, "/api/v1/orders", order_body(updated_at="2025-03-04T00:00:00Z", total="10.00"))

    assert response.status_code == 200
    assert response.json()["total"] == "70.00"


# --- Idempotency-Key -------------------------------------------------------------------------


def test_same_key_same_body_replays_the_first_response(api, merchant):
    first = post_json(api, "/api/v1/orders", order_body(), HTTP_IDEMPOTENCY_KEY="key-1")
    events_after_first = count(merchant, OrderEvent)
    again = post_json(api, "/api/v1/orders", order_body(), HTTP_IDEMPOTENCY_KEY="key-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(merchant, OrderEvent) == events_after_first
    assert count(merchant, IdempotencyRecord) == 1


def test_same_key_other_body_is_refused_with_422(api, merchant):
    post_json(api, "/api/v1/orders", order_body(), HTTP_IDEMPOTENCY_KEY="key-1")
    response = post_json(api, "/api/v1/orders", order_body(total="1.00"), HTTP_IDEMPOTENCY_KEY="key-1")

    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    with merchant_scope(merchant):
        assert Order.objects.get().total == Decimal("64.70")


def test_failed_request_does_not_burn_the_key(api, merchant):
    bad = post_json(api, "/api/v1/orders", order_body(currency="XYZ"), HTTP_IDEMPOTENCY_KEY="key-1")
    fixed = post_json(api, "/api/v1/orders", order_body(), HTTP_IDEMPOTENCY_KEY="key-2")
    retried_bad = post_json(api, "/api/v1/orders", order_body(currency="XYZ"), HTTP_IDEMPOTENCY_KEY="key-1")

    assert (bad.status_code, fixed.status_code, retried_bad.status_code) == (400, 201, 400)
    assert count(merchant, IdempotencyRecord) == 1


def test_keys_are_per_merchant(api, other_api, merchant, other_merchant):
    mine = post_json(api, "/api/v1/orders", order_body(), HTTP_IDEMPOTENCY_KEY="shared")
    theirs = post_json(other_api, "/api/v1/orders", order_body(), HTTP_IDEMPOTENCY_KEY="shared")

    assert mine.status_code == theirs.status_code == 201
    assert count(other_merchant, Order) == 1


def test_overlong_key_is_refused(api, merchant):
    response = post_json(api, "/api/v1/orders", order_body(), HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert count(merchant, Order) == 0


def test_idempotent_cancel(api, merchant):
    order_id = post_json(api, "/api/v1/orders", order_body()).json()["id"]
    first = post_json(api, f"/api/v1/orders/{order_id}/cancel", {"reason": "customer"}, HTTP_IDEMPOTENCY_KEY="c-1")
    again = post_json(api, f"/api/v1/orders/{order_id}/cancel", {"reason": "customer"}, HTTP_IDEMPOTENCY_KEY="c-1")
    other_path = post_json(api, "/api/v1/orders", {"reason": "customer"}, HTTP_IDEMPOTENCY_KEY="c-1")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert other_path.status_code == 422


# --- Reading -------------------------------------------------------------------------------------


@pytest.fixture
def orders(merchant):
    with merchant_scope(merchant):
        alice = CustomerFactory(merchant=merchant, email="Alice@Example.org")
        paid = OrderFactory(merchant=merchant, customer=alice, number="#1001", placed_at="2025-01-10T10:00:00Z")
        refunded = OrderFactory(
            merchant=merchant, number="#1002", financial_status="refunded", placed_at="2025-02-10T10:00:00Z"
        )
        shipped = OrderFactory(
            merchant=merchant, number="#1003", fulfillment_status="fulfilled", placed_at="2025-03-10T10:00:00Z"
        )
        for order in (paid, refunded, shipped):
            LineItemFactory(order=order)
    order_cancel(merchant=merchant, order=refunded, reason="customer")
    return {"paid": paid, "refunded": refunded, "shipped": shipped}


def numbers(response):
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


def test_list_is_paginated_newest_first(api, orders):
    response = api.get("/api/v1/orders", {"limit": 2})
    assert numbers(response) == ["#1003", "#1002"]
    assert response.json()["count"] == 3
    assert numbers(api.get(response.json()["next"])) == ["#1001"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "refunded"}, ["#1002"]),
        ({"status": "fulfilled"}, ["#1003"]),
        ({"status": "cancelled"}, ["#1002"]),
        ({"financial_status": "paid"}, ["#1003", "#1001"]),
        ({"placed_at_after": "2025-02-01T00:00:00Z", "placed_at_before": "2025-03-01T00:00:00Z"}, ["#1002"]),
        ({"placed_at_after": "2025-02-01T00:00:00Z"}, ["#1003", "#1002"]),
        ({"email": "alice@example.ORG"}, ["#1001"]),
        ({"number": "1002"}, ["#1002"]),
        ({"number": "#1003"}, ["#1003"]),
    ],
)
def test_list_filters(api, orders, params, expected):
    assert numbers(api.get("/api/v1/orders", params)) == expected


def test_list_filter_by_external_id(api, orders):
    assert numbers(api.get("/api/v1/orders", {"external_id": orders["shipped"].external_id})) == ["#1003"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"status": ""}, "status"),
        ({"placed_at_after": "not a date"}, "placed_at"),
        ({"placed_at_before": ""}, "placed_at"),
        # Offsets no place uses; PostgreSQL refuses those beyond ±15:59, which was a 500.
        ({"placed_at_after": "2025-01-01T00:00:00+16:00"}, "placed_at"),
        ({"placed_at_after": "2025-01-01T00:00:00+14:30"}, "placed_at"),
        ({"placed_at_before": "2025-01-01T00:00:00-12:30"}, "placed_at"),
        ({"placed_at_after": "2025-01-01T00:00:00+24:00"}, "placed_at"),
        ({"placed_at_after": "0001-01-01T00:00:00+01:00"}, "placed_at"),  # before year 1 in UTC
        ({"offset": "null"}, "offset"),
        ({"offset": "-1"}, "offset"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"placed_after": "2025-01-01T00:00:00Z"}, "placed_after"),  # a misspelt filter is not ignored
    ],
)
def test_bad_filter_values_give_400(api, orders, params, field):
    response = api.get("/api/v1/orders", params)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"placed_at_after": "2025-02-10T23:00:00+14:00"}, ["#1003", "#1002"]),  # 09:00 UTC, before #1002
        ({"placed_at_after": "2025-02-09T23:00:00-12:00"}, ["#1003"]),  # 11:00 UTC, after #1002
        ({"placed_at_after": "2025-02-10T10:00:00Z", "limit": "1000", "offset": "1"}, ["#1002"]),
    ],
)
def test_date_filters_take_every_offset_in_use(api, orders, params, expected):
    assert numbers(api.get("/api/v1/orders", params)) == expected


def test_list_query_count_does_not_grow_with_orders(api, merchant, django_assert_num_queries):
    def add_orders(n):
        with merchant_scope(merchant):
            for _ in range(n):
                LineItemFactory(order=OrderFactory(merchant=merchant))

    add_orders(2)
    api.get("/api/v1/orders")  # the key's last_used_at is written once a minute at most
    # api key, count, orders with customers, line items, shipments, scheduled messages
    with django_assert_num_queries(6):
        assert api.get("/api/v1/orders").status_code == 200
    add_orders(10)
    with django_assert_num_queries(6):
        assert len(api.get("/api/v1/orders").json()["results"]) == 12


def test_retrieve_and_404(api, other_api, orders):
    order = orders["paid"]
    response = api.get(f"/api/v1/orders/{order.pk}")
    assert response.status_code == 200
    assert response.json()["customer"]["email"] == "Alice@Example.org"

    assert api.get("/api/v1/orders/999999").status_code == 404
    assert api.get("/api/v1/orders/abc").status_code == 404


def test_timeline(api, orders):
    order = orders["refunded"]
    response = api.get(f"/api/v1/orders/{order.pk}/timeline")

    assert response.status_code == 200
    (entry,) = response.json()
    assert entry["kind"] == "order.cancelled"
    assert entry["label"] == "Order cancelled"
    assert entry["payload"] == {"order_id": order.pk, "reason": "customer"}


def test_cancel(api, merchant, orders):
    order = orders["paid"]
    response = post_json(api, f"/api/v1/orders/{order.pk}/cancel", {"reason": "inventory"})

    assert response.status_code == 200
    assert response.json()["cancelled_at"] is not None
    assert response.json()["cancel_reason"] == "inventory"
    with merchant_scope(merchant):
        assert OrderEvent.objects.filter(order=order, kind="order.cancelled").count() == 1


def test_cancel_with_bad_reason(api, orders):
    response = post_json(api, f"/api/v1/orders/{orders['paid'].pk}/cancel", {"reason": "x" * 65})
    assert response.status_code == 400
    assert "reason" in response.json()


def test_customers(api, merchant, orders):
    listing = api.get("/api/v1/customers", {"email": "ALICE@example.org"})
    assert listing.status_code == 200
    (alice,) = listing.json()["results"]
    assert alice["orders_count"] == 1

    detail = api.get(f"/api/v1/customers/{alice['id']}")
    assert detail.status_code == 200
    assert detail.json()["email"] == "Alice@Example.org"
    assert api.get("/api/v1/customers/999999").status_code == 404
    assert api.get("/api/v1/customers").json()["count"] == count(merchant, Customer)


# --- Access ----------------------------------------------------------------------------------------


def test_without_key_is_401(merchant):
    client = APIClient()
    assert client.get("/api/v1/orders").status_code == 401
    assert post_json(client, "/api/v1/orders", order_body()).status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Bearer pp_nope_nope")
    assert client.get("/api/v1/customers").status_code == 401


def test_viewer_key_reads_but_cannot_write(merchant, orders):
    viewer = api_client_for(merchant, role=Role.VIEWER)
    assert viewer.get("/api/v1/orders").status_code == 200
    assert post_json(viewer, "/api/v1/orders", order_body()).status_code == 403
    assert post_json(viewer, f"/api/v1/orders/{orders['paid'].pk}/cancel", {}).status_code == 403
    assert (
        post_json(viewer, f"/api/v1/orders/{orders['paid'].pk}/shipments", {"tracking_number": "1Z"}).status_code == 403
    )
    with merchant_scope(merchant):
        assert Order.objects.get(pk=orders["paid"].pk).cancelled_at is None


def test_other_merchant_sees_and_touches_nothing(other_api, merchant, orders):
    order = orders["paid"]
    customer_id = order.customer_id

    assert other_api.get("/api/v1/orders").json()["count"] == 0
    assert other_api.get("/api/v1/customers").json()["count"] == 0
    assert other_api.get(f"/api/v1/orders/{order.pk}").status_code == 404
    assert other_api.get(f"/api/v1/orders/{order.pk}/timeline").status_code == 404
    assert other_api.get(f"/api/v1/customers/{customer_id}").status_code == 404
    assert post_json(other_api, f"/api/v1/orders/{order.pk}/cancel", {}).status_code == 404
    shipment = post_json(other_api, f"/api/v1/orders/{order.pk}/shipments", {"tracking_number": "1Z999AA10123456784"})
    assert shipment.status_code == 404
    with merchant_scope(merchant):
        order.refresh_from_db()
        assert order.cancelled_at is None
        assert not order.shipments.exists()


def test_every_endpoint_is_in_the_schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    for path, method in [
        ("/api/v1/orders", "get"),
        ("/api/v1/orders", "post"),
        ("/api/v1/orders/{id}", "get"),
        ("/api/v1/orders/{id}/cancel", "post"),
        ("/api/v1/orders/{id}/shipments", "post"),
        ("/api/v1/orders/{id}/timeline", "get"),
        ("/api/v1/customers", "get"),
        ("/api/v1/customers/{id}", "get"),
    ]:
        assert method in paths[path], (path, method)
    parameters = {p["name"] for p in paths["/api/v1/orders"]["post"].get("parameters", [])}
    assert "Idempotency-Key" in parameters


# --- POST /api/v1/orders/{id}/shipments ------------------------------------------------------------


def test_add_shipment_then_update_it(api, merchant):
    order = post_json(api, "/api/v1/orders", order_body()).json()
    url = f"/api/v1/orders/{order['id']}/shipments"

    created = post_json(api, url, {"tracking_number": "1Z999AA10123456784", "carrier": "UPS"})
    assert created.status_code == 201, created.json()
    shipment = created.json()
    assert shipment["tracking_number"] == "1Z999AA10123456784"
    assert {"id", "carrier", "status", "tracking_url"} <= set(shipment)

    again = post_json(api, url, {"tracking_number": "1Z999AA10123456784", "carrier": "UPS"})
    assert again.status_code == 200
    assert again.json()["id"] == shipment["id"]

    detail = api.get(f"/api/v1/orders/{order['id']}").json()
    assert [s["id"] for s in detail["shipments"]] == [shipment["id"]]
    assert detail["fulfillment_status"] == "fulfilled"


def test_a_number_the_carrier_library_fails_on_is_kept_with_carrier_unknown(api, merchant):
    order = post_json(api, "/api/v1/orders", order_body()).json()

    response = post_json(api, f"/api/v1/orders/{order['id']}/shipments", {"tracking_number": "1Z999AA1012345678X"})

    assert response.status_code == 201, response.content
    assert (response.json()["tracking_number"], response.json()["carrier"]) == ("1Z999AA1012345678X", "unknown")


def test_shipment_for_some_items(api, merchant):
    order = post_json(api, "/api/v1/orders", order_body()).json()
    first_item = order["line_items"][0]["id"]

    response = post_json(
        api,
        f"/api/v1/orders/{order['id']}/shipments",
        {"tracking_number": "6A12345678901", "line_item_ids": [first_item]},
    )

    assert response.status_code == 201
    assert api.get(f"/api/v1/orders/{order['id']}").json()["fulfillment_status"] == "partial"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "tracking_number"),
        ({"tracking_number": ""}, "tracking_number"),
        ({"tracking_number": "6A1", "line_item_ids": [999999]}, "line_item_ids"),
        ({"tracking_number": "6A1", "line_item_ids": ["x"]}, "line_item_ids[0]"),
        ({"tracking_number": "6A1", "tracking_url": "not a url"}, "tracking_url"),
        ({"tracking_number": "6A1", "tracking_url": "javascript:alert(1)"}, "tracking_url"),
    ],
)
def test_bad_shipment_gives_400(api, merchant, body, field):
    order = post_json(api, "/api/v1/orders", order_body()).json()
    response = post_json(api, f"/api/v1/orders/{order['id']}/shipments", body)

    assert response.status_code == 400
    assert field in response.json()
    with merchant_scope(merchant):
        assert not Order.objects.get(pk=order["id"]).shipments.exists()


def test_stored_idempotent_responses_are_forgotten_after_the_retention(api, merchant, settings):
    from datetime import timedelta

    from django.utils import timezone

    from core.tasks import prune_idempotency_records

    settings.IDEMPOTENCY_KEY_RETENTION_HOURS = 24
    order_id = post_json(api, "/api/v1/orders", order_body()).json()["id"]
    post_json(api, f"/api/v1/orders/{order_id}/cancel", {"reason": "customer"}, HTTP_IDEMPOTENCY_KEY="old")
    post_json(api, f"/api/v1/orders/{order_id}/cancel", {"reason": "customer"}, HTTP_IDEMPOTENCY_KEY="new")
    with merchant_scope(merchant):
        IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))

    assert prune_idempotency_records() == 1
    with merchant_scope(merchant):
        assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    again = post_json(api, "/api/v1/orders", order_body(), HTTP_IDEMPOTENCY_KEY="old")  # a new request now
    assert again.status_code == 200 and "Idempotent-Replayed" not in again
