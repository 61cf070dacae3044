"""The staff's catalogue page: products with variants, stock and price, search, source filter, last sync."""

from datetime import UTC, datetime

import pytest

from catalogue.models import Product
from catalogue.services import ProductInput, VariantInput, product_delete, product_upsert
from core.scoping import merchant_scope

pytestmark = pytest.mark.django_db
INDEX = "/app/catalogue/"


def add_product(merchant, external_id, *, source="shopify", title="Organic tee", variants=2):
    data = ProductInput(
        external_id=external_id,
        source=source,
        title=title,
        url=f"https://shop.example.com/{external_id}",
        source_updated_at=datetime(2025, 3, 1, 10, tzinfo=UTC),
        variants=[
            VariantInput(
                variant_id=f"{external_id}-{n}",
                sku=f"SKU-{external_id}-{n}",
                title=f"Size {n}",
                options=[("Size", str(n))],
                price="29.00",
                available=n,
            )
            for n in range(variants)
        ],
    )
    return product_upsert(merchant=merchant, data=data)[0]


def test_lists_products_with_variants_price_and_stock(staff_client, merchant):
    add_product(merchant, "p1")

    page = staff_client.get(INDEX).text

    assert "Organic tee" in page and "Size 1" in page and "€29.00" in page
    assert "1 in stock" in page and "out of stock" in page
    assert "Shopify" in page and "Last synced" in page


def test_counts_and_last_sync_per_source(staff_client, merchant):
    add_product(merchant, "p1")
    add_product(merchant, "p2", title="Bag")
    add_product(merchant, "w1", source="woocommerce", title="Beanie")
    with merchant_scope(merchant):
        Product.objects.create(merchant=merchant, product_id="o1", title="From an order")

    page = staff_client.get(INDEX).text

    assert "2 products" in page and "1 product" in page
    assert "Past orders" in page and "Never synced" in page


def test_search_and_source_filter(staff_client, merchant):
    add_product(merchant, "p1")
    add_product(merchant, "w1", source="woocommerce", title="Beanie")

    assert "Beanie" not in staff_client.get(INDEX, {"q": "tee"}).text
    assert "Organic tee" in staff_client.get(INDEX, {"q": "sku-p1-1"}).text
    filtered = staff_client.get(INDEX, {"source": "woocommerce"}).text
    assert "Beanie" in filtered and "Organic tee" not in filtered
    assert "No product matches." in staff_client.get(INDEX, {"q": "nothing like it"}).text
    assert "not understood" in staff_client.get(INDEX, {"source": "ebay"}).text


def test_deleted_products_say_so(staff_client, merchant):
    add_product(merchant, "p1")
    product_delete(merchant=merchant, external_id="p1")

    assert "Deleted in the shop" in staff_client.get(INDEX).text


def test_the_empty_page_says_what_will_appear(staff_client):
    assert "No products yet." in staff_client.get(INDEX).text


def test_another_shops_products_are_not_shown(staff_client, other_merchant):
    add_product(other_merchant, "theirs", title="Their secret product")

    assert "Their secret product" not in staff_client.get(INDEX).text


def test_query_count_is_fixed(staff_client, merchant, django_assert_num_queries):
    add_product(merchant, "p0")
    staff_client.get(INDEX)
    # session, user, membership, the layout's merchant switcher, sources, count, products, their variants
    with django_assert_num_queries(6):
        staff_client.get(INDEX)
    for n in range(1, 20):
        add_product(merchant, f"p{n}", variants=3)
    with django_assert_num_queries(6):
        assert staff_client.get(INDEX).text.count("Organic tee") == 20
