"""WooCommerce product.* webhooks keep the catalogue in sync, variations included."""

import copy
from decimal import Decimal

import pytest

from catalogue.models import Product, Variant
from core.scoping import merchant_scope
from integrations.models import WebhookDelivery
from merchants.services import integration_secret_set
from tests.integrations.fixtures import WOOCOMMERCE_SECRET, payload, post_woocommerce, raw

pytestmark = pytest.mark.django_db


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


def product_of(merchant, product_id):
    with merchant_scope(merchant):
        return Product.objects.filter(product_id=product_id).first()


def variants_of(merchant, product_id):
    with merchant_scope(merchant):
        return {v.variant_id: v for v in Variant.objects.filter(product__product_id=product_id)}


def last_delivery(merchant):
    with merchant_scope(merchant):
        return WebhookDelivery.objects.order_by("-id").first()


def test_a_simple_product_is_sold_as_its_own_variant(send, shop):
    response = send("product.created", "product_simple.json")

    assert response.status_code == 200 and last_delivery(shop).status == "processed"
    product = product_of(shop, "794")
    assert (product.source, product.title, product.handle) == ("woocommerce", "Linen tote bag", "linen-tote-bag")
    assert product.url == "https://shop.example.com/product/linen-tote-bag/"
    assert (product.product_type, product.tags) == ("Bags", ["linen"])
    (variant,) = variants_of(shop, "794").values()
    assert variant.variant_id == "794" and variant.sku == "TOTE-LIN" and variant.available == 12
    assert (variant.price, variant.compare_at_price) == (Decimal("18.000"), Decimal("22.000"))  # on sale


def test_a_variable_product_and_its_variations(send, shop):
    send("product.created", "product_variable.json")
    assert variants_of(shop, "810") == {}  # the parent lists its variations by id only

    send("product.updated", "product_variation.json")

    variant = variants_of(shop, "810")["811"]
    assert variant.options == [{"name": "Colour", "value": "Grey"}] and variant.title == "Grey"
    assert (variant.sku, variant.price, variant.available) == ("BEANIE-GRY", Decimal("24.000"), 5)
    assert variant.image_url.endswith("beanie-grey.jpg")
    assert product_of(shop, "811") is None  # a variation is not a product of its own


def test_a_variation_dropped_from_its_product_is_retired(send, shop):
    send("product.created", "product_variable.json")
    send("product.updated", "product_variation.json")
    later = {**payload("woocommerce", "product_variable.json"), "variations": [812]}
    later["date_modified_gmt"] = "2025-03-02T10:00:00"

    send("product.updated", later)

    assert variants_of(shop, "810")["811"].active is False


def test_an_older_variation_changes_nothing(send, shop):
    send("product.created", "product_variable.json")
    send("product.updated", "product_variation.json")
    older = {**payload("woocommerce", "product_variation.json"), "price": "9.00", "regular_price": "9.00"}
    older["date_modified_gmt"] = "2025-02-28T10:00:00"

    send("product.updated", older)

    assert variants_of(shop, "810")["811"].price == Decimal("24.000")


def test_a_variation_before_its_product_waits_for_it(send, shop):
    send("product.updated", "product_variation.json")

    delivery = last_delivery(shop)
    assert delivery.status == "failed" and "has not been received yet" in delivery.last_error
    assert "Will retry" in delivery.last_error


def test_a_variation_of_a_deleted_product_changes_nothing(send, shop):
    send("product.created", "product_variable.json")
    send("product.deleted", {"id": 810})

    send("product.updated", "product_variation.json")

    delivery = last_delivery(shop)
    assert delivery.status == "ignored" and "deleted in the shop" in delivery.last_error
    assert variants_of(shop, "810") == {}


def test_embedded_variations_are_read_at_once(send, shop):
    variable = payload("woocommerce", "product_variable.json")
    variable["variations"] = [payload("woocommerce", "product_variation.json")]

    send("product.created", variable)

    assert set(variants_of(shop, "810")) == {"811"}


def test_an_older_product_version_changes_nothing(send, shop):
    send("product.updated", "product_simple.json")
    older = {**payload("woocommerce", "product_simple.json"), "name": "Old name", "stock_quantity": 1}
    older["date_modified_gmt"] = "2025-02-01T10:00:00"

    send("product.updated", older)

    assert product_of(shop, "794").title == "Linen tote bag"
    assert variants_of(shop, "794")["794"].available == 12


def test_deleted_and_restored(send, shop):
    send("product.created", "product_simple.json")
    send("product.deleted", "product_deleted.json")
    assert product_of(shop, "794").for_sale is False

    send("product.restored", "product_simple.json")

    product = product_of(shop, "794")
    assert product.for_sale is True and product.deleted_at is None
    assert variants_of(shop, "794")["794"].active


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda p: p.update(price="", regular_price="", sale_price=""), "price is missing"),
        (lambda p: p.update(stock_quantity="12"), "stock_quantity"),
        (lambda p: p.update(price="-3.00"), "cannot be negative"),
    ],
)
def test_a_malformed_product_fails_and_changes_nothing(send, shop, change, reason):
    send("product.created", "product_simple.json")
    broken = copy.deepcopy(payload("woocommerce", "product_simple.json"))
    broken["name"] = "Changed"
    broken["date_modified_gmt"] = "2025-03-05T10:00:00"
    change(broken)

    response = send("product.updated", broken)

    assert response.status_code == 200
    delivery = last_delivery(shop)
    assert delivery.status == "failed" and reason in delivery.last_error
    assert product_of(shop, "794").title == "Linen tote bag"


def test_a_variable_product_with_malformed_variation_ids_fails(send, shop):
    send("product.created", {**payload("woocommerce", "product_variable.json"), "variations": ["811", None]})

    delivery = last_delivery(shop)
    assert delivery.status == "failed" and "variations[0]" in delivery.last_error
    assert product_of(shop, "810") is None
