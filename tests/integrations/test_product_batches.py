"""A drain creates the new products of a batch of product webhooks in bulk, with the same outcome as
one by one: bad ones fail alone, known ones are updated with the out-of-order rule."""

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import Product, Variant
from core.scoping import merchant_scope
from integrations import inbound as webhooks
from integrations.models import WebhookDelivery
from merchants.services import integration_secret_set
from tests.integrations.fixtures import SHOPIFY_SECRET, WOOCOMMERCE_SECRET, payload, post_shopify, post_woocommerce

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_drain_on_commit(monkeypatch):
    monkeypatch.setattr("integrations.inbound.drain_request", lambda: None)


@pytest.fixture
def shop(merchant):
    integration_secret_set(merchant=merchant, provider="shopify", secret=SHOPIFY_SECRET)
    integration_secret_set(merchant=merchant, provider="woocommerce", secret=WOOCOMMERCE_SECRET)
    return merchant


def product(number: int, **changes) -> dict:
    data = copy.deepcopy(payload("shopify", "products_create.json"))
    data["id"] = 7_000_000 + number
    for index, variant in enumerate(data["variants"]):
        variant["id"] = 8_000_000 + number * 10 + index
    data.update(changes)
    return data


def outcome(merchant) -> tuple:
    with merchant_scope(merchant):
        products = sorted(Product.objects.values_list("product_id", "title", "for_sale"))
        variants = sorted(Variant.objects.values_list("variant_id", "price", "available", "active"))
        deliveries = list(WebhookDelivery.objects.order_by("id").values_list("status", "last_error"))
    return products, variants, deliveries


def test_new_products_are_created_together_and_the_rest_one_by_one(client, shop, monkeypatch):
    broken = product(3)
    broken["variants"][1]["price"] = "lots"
    for data in (product(1), product(2), broken, product(1, title="Again, older", updated_at="2025-01-01T00:00:00Z")):
        post_shopify(client, shop.slug, "products/create", data)
    post_woocommerce(client, shop.slug, "product.created", payload("woocommerce", "product_simple.json"))
    one_by_one = []
    real = webhooks.delivery_process
    monkeypatch.setattr(webhooks, "delivery_process", lambda **kw: one_by_one.append(kw["delivery_pk"]) or real(**kw))

    with CaptureQueriesContext(connection) as queries:
        webhooks.deliveries_drain()

    products, variants, deliveries = outcome(shop)
    assert [p[:2] for p in products] == [
        ("7000001", "Organic cotton tee"),
        ("7000002", "Organic cotton tee"),
        ("794", "Linen tote bag"),
    ]
    assert len(variants) == 9
    assert [status for status, _ in deliveries] == ["processed", "processed", "failed", "processed", "processed"]
    assert "variants[1].price" in deliveries[2][1]
    assert len(one_by_one) == 2  # the broken one and the repeated id; the three new products went together
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "catalogue_product"')]
    assert len(inserts) == 1


def test_bulk_and_one_by_one_leave_the_same_rows(client, shop, other_merchant, monkeypatch):
    integration_secret_set(merchant=other_merchant, provider="shopify", secret=SHOPIFY_SECRET)
    for merchant in (shop, other_merchant):
        for number in (1, 2):
            post_shopify(client, merchant.slug, "products/create", product(number))
    monkeypatch.setattr(webhooks, "_plain_product", lambda delivery: None)
    with merchant_scope(other_merchant):
        pks = list(WebhookDelivery.objects.values_list("pk", flat=True))
    for pk in pks:  # the other shop one by one
        webhooks.delivery_process(delivery_pk=pk)
    monkeypatch.undo()
    monkeypatch.setattr("integrations.inbound.drain_request", lambda: None)

    webhooks.deliveries_drain()

    def comparable(merchant):
        products, variants, deliveries = outcome(merchant)
        return products, variants, [status for status, _ in deliveries]

    assert comparable(shop) == comparable(other_merchant)
