"""/api/v1/products: list, get, upsert with variants inline."""

import json
from decimal import Decimal

import pytest

from catalogue.models import Product, Variant
from core.models import IdempotencyRecord
from core.scoping import merchant_scope

pytestmark = pytest.mark.django_db


def post_json(api, url, data, **headers):
    return api.post(url, data=json.dumps(data), content_type="application/json", **headers)


def product_body(**changes):
    body = {
        "external_id": "tee-1",
        "title": "Organic tee",
        "url": "https://shop.example.com/tee",
        "updated_at": "2025-03-01T10:00:00Z",
        "variants": [
            {
                "external_id": "tee-1-s",
                "sku": "TEE-S",
                "options": [{"name": "Size", "value": "S"}],
                "price": "29.00",
                "compare_at_price": "35.00",
                "available": 4,
            },
            {"external_id": "tee-1-m", "sku": "TEE-M", "options": [{"name": "Size", "value": "M"}], "price": 29},
        ],
    }
    body.update(changes)
    return body


def counts(merchant):
    with merchant_scope(merchant):
        return Product.objects.count(), Variant.objects.count()


def test_post_creates_then_updates_by_external_id(api, merchant):
    created = post_json(api, "/api/v1/products", product_body())
    assert created.status_code == 201
    data = created.json()
    assert (data["external_id"], data["source"], data["active"]) == ("tee-1", "api", True)
    small = data["variants"][0]
    assert small["options"] == [{"name": "Size", "value": "S"}]
    assert (small["price"], small["compare_at_price"], small["currency"], small["available"]) == (
        "29.00",
        "35.00",
        "EUR",
        4,
    )
    assert data["variants"][1]["available"] is None

    body = product_body(title="Organic tee v2", updated_at="2025-03-02T10:00:00Z")
    body["variants"] = body["variants"][:1]
    updated = post_json(api, "/api/v1/products", body)
    assert updated.status_code == 200
    assert updated.json()["title"] == "Organic tee v2"
    assert [v["active"] for v in updated.json()["variants"]] == [True, False]
    assert counts(merchant) == (1, 2)


def test_an_older_version_changes_nothing(api, merchant):
    post_json(api, "/api/v1/products", product_body())
    stale = post_json(api, "/api/v1/products", product_body(title="Old", updated_at="2025-02-01T10:00:00Z"))
    assert stale.status_code == 200 and stale.json()["title"] == "Organic tee"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (product_body(variants=[]), "variants"),
        (product_body(title=""), "title"),
        (product_body(url="javascript:alert(1)"), "url"),
        (product_body(currency="EURO"), "currency"),
        (product_body(currency="JPY"), "variants[0].price"),  # 29.00 is fine, 35.00 too: .00 only
        (product_body(variants=[{"external_id": "x", "price": "-1"}]), "variants[0].price"),
        (product_body(variants=[{"external_id": "x", "price": "1.234"}]), "variants[0].price"),
        (product_body(variants=[{"price": "1"}]), "variants[0].external_id"),
        (product_body(variants=[{"external_id": "x", "price": "1", "available": "lots"}]), "variants[0].available"),
        (
            product_body(variants=[{"external_id": "x", "price": "1"}, {"external_id": "x", "price": "2"}]),
            "variants[1].external_id",
        ),
        (product_body(updated_at="yesterday"), "updated_at"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(api, merchant, body, field):
    if field == "variants[0].price" and body.get("currency") == "JPY":
        body["variants"][0]["price"] = "29.50"
    response = post_json(api, "/api/v1/products", body)

    assert response.status_code == 400, response.json()
    assert field in response.json(), response.json()
    assert counts(merchant) == (0, 0)


def test_a_bad_update_leaves_the_stored_product_whole(api, merchant):
    post_json(api, "/api/v1/products", product_body())
    body = product_body(title="Changed", updated_at="2025-03-05T10:00:00Z")
    body["variants"][1]["price"] = "abc"

    assert post_json(api, "/api/v1/products", body).status_code == 400
    product = api.get("/api/v1/products").json()["results"][0]
    assert product["title"] == "Organic tee" and len(product["variants"]) == 2


def test_same_idempotency_key_answers_the_first_result(api, merchant):
    first = post_json(api, "/api/v1/products", product_body(), HTTP_IDEMPOTENCY_KEY="p-1")
    again = post_json(api, "/api/v1/products", product_body(), HTTP_IDEMPOTENCY_KEY="p-1")

    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert counts(merchant) == (1, 2)
    with merchant_scope(merchant):
        assert IdempotencyRecord.objects.count() == 1
    other = post_json(api, "/api/v1/products", product_body(title="Other"), HTTP_IDEMPOTENCY_KEY="p-1")
    assert other.status_code == 422


def test_another_shops_product_is_a_404_and_not_listed(api, other_api, merchant, other_merchant):
    mine = post_json(api, "/api/v1/products", product_body()).json()
    post_json(other_api, "/api/v1/products", product_body(title="Theirs"))

    assert other_api.get(f"/api/v1/products/{mine['id']}").status_code == 404
    assert [p["title"] for p in other_api.get("/api/v1/products").json()["results"]] == ["Theirs"]
    assert api.get(f"/api/v1/products/{mine['id']}").json()["title"] == "Organic tee"
    with merchant_scope(merchant):
        assert Product.objects.get().title == "Organic tee"


def test_filters(api, merchant):
    post_json(api, "/api/v1/products", product_body())
    bag = [{"external_id": "bag-1", "sku": "BAG", "price": "12.00"}]
    post_json(api, "/api/v1/products", product_body(external_id="bag", title="Bag", active=False, variants=bag))
    with merchant_scope(merchant):
        Product.objects.create(merchant=merchant, product_id="old", title="From orders")

    def titles(query):
        return [p["title"] for p in api.get(f"/api/v1/products?{query}").json()["results"]]

    assert titles("active=true") == ["From orders", "Organic tee"]
    assert titles("active=false") == ["Bag"]
    assert titles("source=orders") == ["From orders"]
    assert titles("q=tee-m") == ["Organic tee"]  # a variant's SKU
    assert titles("q=orga") == ["Organic tee"]
    assert api.get("/api/v1/products?source=ebay").status_code == 400
    assert api.get("/api/v1/products?colour=red").status_code == 400


def test_list_query_count_does_not_grow_with_products(api, merchant, django_assert_num_queries):
    def add(start, n):
        for i in range(start, start + n):
            assert post_json(api, "/api/v1/products", product_body(external_id=f"p{i}")).status_code == 201

    add(0, 2)
    api.get("/api/v1/products")
    # api key, count, products, their variants
    with django_assert_num_queries(4):
        assert api.get("/api/v1/products").status_code == 200
    add(2, 8)
    with django_assert_num_queries(4):
        assert len(api.get("/api/v1/products").json()["results"]) == 10


def test_prices_keep_the_currency_decimals(api, merchant):
    body = product_body(currency="KWD")
    body["variants"][0].update(price="1.250", compare_at_price=None)
    variant = post_json(api, "/api/v1/products", body).json()["variants"][0]
    assert (variant["price"], variant["currency"], variant["compare_at_price"]) == ("1.250", "KWD", None)
    with merchant_scope(merchant):
        assert Variant.objects.get(variant_id="tee-1-s").price == Decimal("1.250")
