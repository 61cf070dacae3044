"""A drain claims deliveries in batches and creates the new orders among them in bulk.

The bulk path must leave exactly the rows, events and delivery outcomes that processing the same
deliveries one by one leaves: each scenario is run both ways, for two shops, and compared.
"""

import copy
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from core.scoping import merchant_scope
from integrations import inbound as webhooks
from integrations.models import WebhookDelivery
from merchants.services import integration_secret_set
from orders import services
from orders.models import Customer, LineItem, Order, OrderEvent
from orders.services import CustomerInput, customer_upsert
from tests.integrations.fixtures import SHOPIFY_SECRET, WOOCOMMERCE_SECRET, payload, post_shopify, post_woocommerce
from tracking.models import Shipment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_publishing(monkeypatch):
    monkeypatch.setattr("orders.events.publish_request", lambda: None)
    monkeypatch.setattr("integrations.inbound.drain_request", lambda: None)


@pytest.fixture
def shops(merchant, other_merchant):
    for shop in (merchant, other_merchant):
        integration_secret_set(merchant=shop, provider="shopify", secret=SHOPIFY_SECRET)
        integration_secret_set(merchant=shop, provider="woocommerce", secret=WOOCOMMERCE_SECRET)
    return merchant, other_merchant


def order(number: int, *, customer_id=None, email=None, **changes) -> dict:
    data = payload("shopify", "orders_create.json")
    data["id"] = 5_000_000 + number
    data["name"] = f"#{number}"
    for index, item in enumerate(data["line_items"]):
        item["id"] = 6_000_000 + number * 10 + index
    if customer_id is not None:
        data["customer"]["id"] = customer_id
    if email is not None:
        data["customer"]["email"] = data["email"] = data["contact_email"] = email
    data.update(changes)
    return data


CAMILLE = payload("shopify", "orders_create.json")["customer"]["id"]


def mixed_deliveries() -> list[tuple[str, dict]]:
    """Every kind of delivery a batch can hold, in the order the shop sent them."""
    paid = payload("shopify", "orders_paid.json")
    guest = payload("shopify", "orders_create_guest.json")
    cancelled = payload("shopify", "orders_cancelled.json")
    negative = order(3, total_price="-5.00")
    known_updated = order(9, customer_id=999, email="known@example.org", updated_at="2025-03-01T12:00:00+01:00")
    return [
        ("orders/create", payload("shopify", "orders_create.json")),
        ("orders/paid", paid),  # the same order again: one by one, after its creation
        ("fulfillments/create", payload("shopify", "fulfillments_create.json")),  # for that order
        ("orders/create", guest),
        ("orders/create", order(1, customer_id=555, email="Camille.Martin@example.org")),  # another person
        ("orders/create", order(2, customer_id=777, email="ADOPT@example.org")),  # adopts the email-only customer
        ("orders/create", order(4, customer_id=CAMILLE)),  # Camille again, created earlier in this batch
        ("orders/cancelled", cancelled),
        ("orders/create", negative),  # refused: recorded on the delivery
        ("orders/create", order(5, customer_id=888, email="buyer@exämple.org")),  # non-ASCII: one by one
        ("orders/updated", known_updated),  # the order exists already: one by one
        ("orders/updated", order(6, customer_id=321, email="late@example.org")),  # created by an update
    ]


def prepare(shop) -> None:
    customer_upsert(merchant=shop, data=CustomerInput(email="adopt@example.org", first_name="Ada"))
    post_shopify_and_drain(shop, [("orders/create", order(9, customer_id=999, email="known@example.org"))])


def post_shopify_and_drain(shop, deliveries, *, post=post_shopify) -> None:
    from django.test import Client

    client = Client()
    for topic, data in deliveries:
        assert post(client, shop.slug, topic, data).status_code == 200
    webhooks.deliveries_drain()


def one_by_one(monkeypatch):
    monkeypatch.setattr(webhooks, "_plain_order", lambda delivery: None)


def snapshot(shop) -> dict:
    """What processing left for the shop, without ids or times that differ between two runs."""
    with merchant_scope(shop):
        customers = {c.pk: (c.external_id, c.email) for c in Customer.objects.all()}
        orders = {o.pk: o.external_id for o in Order.objects.all()}
        return {
            "customers": sorted(
                Customer.objects.values_list(
                    "external_id", "email", "first_name", "last_name", "phone", "language", "accepts_marketing"
                )
            ),
            "orders": sorted(
                (customers.get(row.pop("customer"), ("guest", "")), *row.values())
                for row in Order.objects.values(
                    "customer",
                    "external_id",
                    "number",
                    "email",
                    "language",
                    "placed_at",
                    "source_updated_at",
                    "currency",
                    "subtotal",
                    "shipping",
                    "tax",
                    "discount",
                    "total",
                    "refunded_amount",
                    "financial_status",
                    "fulfillment_status",
                    "cancelled_at",
                    "cancel_reason",
                    "shipping_name",
                    "shipping_address1",
                    "shipping_city",
                    "shipping_postal_code",
                    "shipping_country",
                    "source_platform",
                    "landing_site",
                    "referring_site",
                    "discount_codes",
                    "payment_gateways",
                    "exchange_for_rma",
                    "test",
                )
            ),
            "line_items": sorted(
                (orders[row.pop("order")], *row.values())
                for row in LineItem.objects.values(
                    "order",
                    "external_id",
                    "sku",
                    "product_id",
                    "variant_id",
                    "title",
                    "variant_title",
                    "quantity",
                    "unit_price",
                    "tags",
                    "quantity_refunded",
                )
            ),
            "events": sorted(
                (orders[event.order_id], event.kind, sorted(k for k in event.payload if k != "order_id"))
                for event in OrderEvent.objects.all()
            ),
            "shipments": sorted(Shipment.objects.values_list("order__external_id", "tracking_number", "status")),
            "deliveries": list(
                WebhookDelivery.objects.order_by("id").values_list("topic", "status", "attempts", "last_error")
            ),
        }


def test_a_batch_leaves_what_one_by_one_processing_leaves(shops, monkeypatch):
    batched, sequential = shops
    prepare(batched)
    in_bulk = []
    real = webhooks._orders_create_in_bulk
    with monkeypatch.context() as patch:
        patch.setattr(webhooks, "_orders_create_in_bulk", lambda batch: in_bulk.append(real(batch)) or in_bulk[-1])
        post_shopify_and_drain(batched, mixed_deliveries())
    with monkeypatch.context() as patch:
        one_by_one(patch)
        prepare(sequential)
        post_shopify_and_drain(sequential, mixed_deliveries())

    result = snapshot(batched)
    assert result == snapshot(sequential)
    statuses = [status for _topic, status, _attempts, _error in result["deliveries"]]
    assert statuses.count("failed") == 1
    assert len(result["orders"]) == 9
    assert len(in_bulk[0]) == 6  # the fixture's order, the guest's, #1, #2, #4 and #6; the rest one by one


def test_new_orders_are_created_with_a_few_statements_for_the_whole_batch(shops):
    shop = shops[0]
    customers = [5_500 + n % 7 for n in range(40)]  # some customers order twice in the batch
    client_deliveries = [
        ("orders/create", order(n, customer_id=customer, email=f"c{customer}@example.org"))
        for n, customer in enumerate(customers)
    ]
    from django.test import Client

    client = Client()
    for topic, data in client_deliveries:
        post_shopify(client, shop.slug, topic, data)

    with CaptureQueriesContext(connection) as queries:
        assert webhooks.deliveries_drain() == 40
    # The batch: transaction and savepoint statements (5), claim, known orders, email locks, customers
    # read and written, orders, line items, events, deliveries marked (9). Then an empty claim (4).
    assert len(queries) == 14 + 4
    with merchant_scope(shop):
        assert Order.objects.count() == 40
        assert Customer.objects.count() == 7
        assert LineItem.objects.count() == 80
        assert OrderEvent.objects.filter(kind="order.created").count() == 40
        assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {("processed", 1)}


def test_a_concurrent_writer_sends_the_batch_one_by_one_with_nothing_written_twice(shops, monkeypatch):
    shop = shops[0]
    real = services.orders_create_new

    def collides(**kwargs):
        real(**kwargs)  # writes, then meets a row another drain committed: all of it must roll back
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "orders_create_new", collides)
    post_shopify_and_drain(shop, [("orders/create", order(n, customer_id=4_000 + n)) for n in range(3)])

    with merchant_scope(shop):
        assert sorted(Order.objects.values_list("number", flat=True)) == ["#0", "#1", "#2"]
        assert Customer.objects.count() == 3
        assert OrderEvent.objects.filter(kind="order.created").count() == 3
        assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {("processed", 1)}


def test_a_redelivered_order_in_a_later_batch_creates_nothing(shops):
    shop = shops[0]
    data = order(1, customer_id=4_100)
    post_shopify_and_drain(shop, [("orders/create", data)])
    post_shopify_and_drain(shop, [("orders/create", copy.deepcopy(data))])  # a new webhook id, same order

    with merchant_scope(shop):
        assert Order.objects.count() == 1
        assert OrderEvent.objects.filter(kind="order.created").count() == 1
        assert list(WebhookDelivery.objects.values_list("status", flat=True)) == ["processed", "processed"]


def woo_order(number: int, customer_id: int, email: str) -> dict:
    data = payload("woocommerce", "order_created.json")
    data["id"], data["number"], data["customer_id"] = 8_000 + number, str(8_000 + number), customer_id
    data["billing"]["email"] = email
    for index, item in enumerate(data["line_items"]):
        item["id"] = 90_000 + number * 10 + index
    return data


def woocommerce_deliveries() -> list[tuple[str, dict]]:
    return [
        ("order.created", payload("woocommerce", "order_created.json")),
        ("order.updated", payload("woocommerce", "order_updated_refunded.json")),  # refunds: one by one
        ("order.created", payload("woocommerce", "order_created_guest.json")),
        ("order.created", woo_order(1, 12, "hugo.bernard@example.org")),  # Hugo again, created in this batch
        ("order.updated", woo_order(2, 77, "new.buyer@example.org")),  # created by an update
        ("order.updated", payload("woocommerce", "order_updated_cancelled.json")),
        ("order.deleted", {"id": 8_002}),
    ]


def test_a_woocommerce_batch_leaves_what_one_by_one_processing_leaves(shops, monkeypatch):
    batched, sequential = shops
    in_bulk = []
    real = webhooks._orders_create_in_bulk
    with time_machine.travel(datetime(2025, 3, 4, 12, 0, tzinfo=UTC), tick=False):  # the deletion's cancel time
        with monkeypatch.context() as patch:
            patch.setattr(webhooks, "_orders_create_in_bulk", lambda batch: in_bulk.append(real(batch)) or in_bulk[-1])
            post_shopify_and_drain(batched, woocommerce_deliveries(), post=post_woocommerce)
        with monkeypatch.context() as patch:
            one_by_one(patch)
            post_shopify_and_drain(sequential, woocommerce_deliveries(), post=post_woocommerce)

    result = snapshot(batched)
    assert result == snapshot(sequential)
    assert len(in_bulk[0]) == 4  # 4750, the guest's, 8001 and 8002; the refunds, cancel and delete one by one
    assert len(result["orders"]) == 4


def test_an_unforeseen_failure_of_the_bulk_sends_its_deliveries_one_by_one(shops, monkeypatch, caplog):
    shop = shops[0]

    def breaks(**kwargs):
        raise RuntimeError("a bug in the bulk path")

    monkeypatch.setattr(services, "orders_create_new", breaks)
    post_shopify_and_drain(shop, [("orders/create", order(n, customer_id=4_200 + n)) for n in range(2)])

    assert_processed_one_by_one(shop)
    assert "processing them one by one" in caplog.text


def test_an_unforeseen_failure_to_read_a_delivery_sends_it_one_by_one(shops, monkeypatch, caplog):
    shop = shops[0]
    import integrations.shopify.adapter  # noqa: F401 - registers its reader, replaced below

    monkeypatch.setitem(webhooks._plain_order_readers, "shopify", lambda delivery: 1 / 0)
    post_shopify_and_drain(shop, [("orders/create", order(n, customer_id=4_300 + n)) for n in range(2)])

    assert_processed_one_by_one(shop)
    assert "as a plain order failed" in caplog.text


def assert_processed_one_by_one(shop) -> None:
    with merchant_scope(shop):
        assert Order.objects.count() == 2
        assert OrderEvent.objects.filter(kind="order.created").count() == 2
        assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {("processed", 1)}


def test_one_batch_over_two_shops_keeps_each_shops_orders_and_customers(shops):
    from django.test import Client

    client = Client()
    for number in range(3):  # the same order and customer ids at both shops, interleaved in one batch
        for shop in shops:
            data = order(number, customer_id=4_400 + number, email=f"same{number}@example.org")
            assert post_shopify(client, shop.slug, "orders/create", data).status_code == 200
    assert webhooks.deliveries_drain() == 6

    for shop in shops:
        with merchant_scope(shop):
            orders = list(Order.objects.select_related("customer"))
            assert sorted(o.number for o in orders) == ["#0", "#1", "#2"]
            assert {o.customer.merchant_id for o in orders} == {shop.pk}
            assert Customer.objects.count() == 3
            assert {e.order.merchant_id for e in OrderEvent.objects.select_related("order")} == {shop.pk}
