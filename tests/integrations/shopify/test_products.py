"""Shopify products/* and inventory_levels/update webhooks keep the catalogue in sync."""

import copy
from decimal import Decimal

import pytest

from catalogue.models import Product, Variant
from core.scoping import merchant_scope
from integrations.models import WebhookDelivery
from merchants.services import integration_secret_set
from tests.integrations.fixtures import SHOPIFY_SECRET, payload, post_shopify, raw

pytestmark = pytest.mark.django_db
PRODUCT_ID = "8870000000001"


@pytest.fixture
def shop(merchant):
    integration_secret_set(merchant=merchant, provider="shopify", secret=SHOPIFY_SECRET)
    merchant.website_url = "https://maison-lumiere.example.com"
    merchant.save(update_fields=["website_url"])
    return merchant


@pytest.fixture
def send(client, shop, django_capture_on_commit_callbacks):
    def send(topic, data, **kwargs):
        if isinstance(data, str):
            data = raw("shopify", data)
        with django_capture_on_commit_callbacks(execute=True):
            return post_shopify(client, shop.slug, topic, data, **kwargs)

    return send


def product_of(merchant):
    with merchant_scope(merchant):
        return Product.objects.filter(product_id=PRODUCT_ID).first()


def variants_of(merchant):
    with merchant_scope(merchant):
        return {v.variant_id: v for v in Variant.objects.filter(product__product_id=PRODUCT_ID)}


def last_delivery(merchant):
    with merchant_scope(merchant):
        return WebhookDelivery.objects.order_by("-id").first()


def test_products_create_maps_product_and_variants(send, shop):
    response = send("products/create", "products_create.json")

    assert response.status_code == 200
    assert last_delivery(shop).status == "processed"
    product = product_of(shop)
    assert (product.source, product.title, product.handle) == ("shopify", "Organic cotton tee", "organic-cotton-tee")
    assert product.url == "https://maison-lumiere.example.com/products/organic-cotton-tee"
    assert product.tags == ["cotton", "summer"] and product.product_type == "T-shirts"
    assert product.for_sale and product.synced_at is not None
    variants = variants_of(shop)
    assert len(variants) == 4
    small = variants["44470000000001"]
    assert small.options == [{"name": "Size", "value": "S"}, {"name": "Colour", "value": "Navy"}]
    assert (small.price, small.compare_at_price, small.currency) == (Decimal("29.000"), Decimal("39.000"), "EUR")
    assert (small.sku, small.available, small.inventory_item_id) == ("TEE-NAV-S", 4, "271878346596884001")
    assert small.image_url == "https://cdn.shopify.com/s/files/1/tee-navy.jpg"
    assert variants["44470000000004"].image_url == ""


def test_products_update_changes_variants_and_retires_missing_ones(send, shop):
    send("products/create", "products_create.json")
    send("products/update", "products_update.json")

    assert product_of(shop).title == "Organic cotton tee (new cut)"
    variants = variants_of(shop)
    assert variants["44470000000001"].price == Decimal("25.000") and variants["44470000000001"].available == 3
    assert variants["44470000000004"].active is False  # no longer listed by the shop
    assert all(variants[f"4447000000000{n}"].active for n in (1, 2, 3))


def test_an_older_update_arriving_late_changes_nothing(send, shop):
    send("products/update", "products_update.json")
    before = variants_of(shop)

    send("products/create", "products_create.json")  # updated_at a day earlier

    assert product_of(shop).title == "Organic cotton tee (new cut)"
    after = variants_of(shop)
    assert set(after) == set(before)
    assert after["44470000000001"].price == Decimal("25.000")


def test_redelivery_changes_nothing(send, shop):
    send("products/create", "products_create.json", webhook_id="same-delivery")
    response = send("products/create", "products_create.json", webhook_id="same-delivery")

    assert response.json() == {"status": "duplicate"}
    with merchant_scope(shop):
        assert Product.objects.count() == 1 and Variant.objects.count() == 4
        assert WebhookDelivery.objects.count() == 1


def test_the_same_version_sent_twice_keeps_one_row_per_variant(send, shop):
    send("products/create", "products_create.json")
    send("products/update", "products_create.json")

    with merchant_scope(shop):
        assert Variant.objects.count() == 4


def test_products_delete_keeps_the_row_out_of_sale(send, shop):
    send("products/create", "products_create.json")
    send("products/delete", "products_delete.json")

    product = product_of(shop)
    assert product.for_sale is False and product.deleted_at is not None
    assert not any(v.active for v in variants_of(shop).values())
    assert last_delivery(shop).status == "processed"

    send("products/update", "products_create.json")  # a late update from before the deletion
    assert product_of(shop).for_sale is False


def test_deleting_an_unknown_product_is_ignored(send, shop):
    send("products/delete", "products_delete.json")

    assert last_delivery(shop).status == "ignored"
    assert product_of(shop) is None


def test_inventory_level_update_sets_stock_by_location(send, shop):
    send("products/create", "products_create.json")
    level = payload("shopify", "inventory_levels_update.json")
    send("inventory_levels/update", level)
    assert variants_of(shop)["44470000000002"].available == 10

    send("inventory_levels/update", {**level, "location_id": 99, "available": 3})
    assert variants_of(shop)["44470000000002"].available == 13  # the sum of the locations

    send("inventory_levels/update", {**level, "available": 1, "updated_at": "2025-03-01T00:00:00Z"})
    assert variants_of(shop)["44470000000002"].available == 13  # an older level changes nothing
    assert last_delivery(shop).status == "ignored"

    send("products/update", "products_update.json")  # the product's total no longer overrides the levels
    assert variants_of(shop)["44470000000002"].available == 13


def test_inventory_level_for_an_unknown_item_is_ignored(send, shop):
    send("inventory_levels/update", "inventory_levels_update.json")

    delivery = last_delivery(shop)
    assert delivery.status == "ignored" and "271878346596884002" in delivery.last_error


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda p: p.pop("variants"), "no variants"),
        (lambda p: p.update(variants=[]), "no variants"),
        (lambda p: p.update(variants="S, M"), "variants must be a list"),
        (lambda p: p["variants"][2].update(price="twelve"), "variants[2].price"),
        (lambda p: p["variants"][1].pop("price"), "variants[1].price is missing"),
        (lambda p: p["variants"][0].update(id=None), "variants[0].id"),
        (lambda p: p["variants"][2].update(inventory_quantity="4"), "variants[2].inventory_quantity"),
        (lambda p: p["variants"][1].update(id=p["variants"][0]["id"]), "listed twice"),
    ],
)
def test_malformed_variants_fail_the_delivery_and_change_nothing(send, shop, change, reason):
    send("products/create", "products_create.json")
    broken = copy.deepcopy(payload("shopify", "products_update.json"))
    change(broken)

    response = send("products/update", broken)

    assert response.status_code == 200
    delivery = last_delivery(shop)
    assert delivery.status == "failed" and reason in delivery.last_error
    assert product_of(shop).title == "Organic cotton tee"  # nothing half-applied
    variants = variants_of(shop)
    assert len(variants) == 4 and all(v.active for v in variants.values())
    assert variants["44470000000001"].price == Decimal("29.000")


def test_a_draft_product_is_not_for_sale(send, shop):
    send("products/create", {**payload("shopify", "products_create.json"), "status": "draft"})

    assert product_of(shop).for_sale is False


def test_a_product_seen_in_orders_becomes_the_shop_product(send, shop):
    with merchant_scope(shop):
        Product.objects.create(merchant=shop, product_id=PRODUCT_ID, title="Tee", url="https://staff.example.com/tee")

    send("products/create", "products_create.json")

    product = product_of(shop)
    assert product.source == "shopify" and len(variants_of(shop)) == 4
    assert product.url == "https://maison-lumiere.example.com/products/organic-cotton-tee"
