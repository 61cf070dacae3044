"""Discount codes (loyalty rewards, referral welcome codes) asked of Shopify, WooCommerce and staff.

wire_formats_2.md §2.0, §2.5, §3.1, §3.3; DISCOUNT_CONTRACT's payload. The shops are scripted at the
HTTP layer (requests) with answers kept in fixtures next to the others, written from the documented shapes.
"""

import pytest
from django.utils import translation

from shop_actions.adapters import PermanentShopError, TransientShopError, adapter_for

from .fixtures import payload as fixture
from .shop_http import answer

pytestmark = pytest.mark.django_db
GRAPHQL_URL = "https://maison-lumiere.myshopify.com/admin/api/2026-07/graphql.json"
COUPONS = "https://shop.maison-lumiere.example/wp-json/wc/v3/coupons"
KEY = "loyalty:redemption:42"
DISCOUNT_GID = "gid://shopify/DiscountCodeNode/1057371207"
CODE = {
    "code": "PTS-7K4M-Q2XR",
    "title": "Loyalty reward: €5 off (Jane M.)",
    "value_type": "fixed_amount",
    "value": "5.00",
    "currency": "EUR",
    "customer_external_id": "115310627314723954",
    "email": "jane@example.com",
    "usage_limit": 1,
    "starts_at": "2026-12-04T10:00:00+01:00",
    "ends_at": None,
    "minimum_subtotal": None,
}


def perform(merchant, platform, payload, key=KEY):
    return adapter_for(platform).perform(
        merchant=merchant, action_kind="discount_code", payload=payload, idempotency_key=key
    )


def shopify(name):
    return answer(200, fixture("shopify", f"admin_api/{name}.json"))


def woo(name, status=200):
    return answer(status, fixture("woocommerce", f"rest_api/{name}.json"))


def graphql(sent) -> tuple[str, dict]:
    assert (sent.method, sent.url) == ("POST", GRAPHQL_URL)
    return sent.json["query"], sent.json["variables"]


# --- Shopify ------------------------------------------------------------------------------------------


def test_shopify_makes_a_single_use_amount_off_code_for_this_customer_only(on_shopify, http):
    http.then(shopify("discount_by_code_none"), shopify("discount_code_basic_create"))
    assert perform(on_shopify, "shopify", CODE) == {"shop_reference": DISCOUNT_GID, "code": "PTS-7K4M-Q2XR"}
    query, variables = graphql(http.sent[0])
    assert "codeDiscountNodeByCode(code: $code)" in query and variables == {"code": "PTS-7K4M-Q2XR"}
    query, variables = graphql(http.sent[1])
    assert "discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount)" in query
    assert variables == {
        "basicCodeDiscount": {
            "title": "Loyalty reward: €5 off (Jane M.)",
            "code": "PTS-7K4M-Q2XR",
            "startsAt": "2026-12-04T10:00:00+01:00",
            "endsAt": None,
            "context": {"customers": {"add": ["gid://shopify/Customer/115310627314723954"]}},
            "usageLimit": 1,
            "appliesOncePerCustomer": True,
            "customerGets": {
                "value": {"discountAmount": {"amount": "5.00", "appliesOnEachItem": False}},
                "items": {"all": True},
            },
        }
    }


def test_shopify_takes_a_percentage_as_a_fraction(on_shopify, http):
    http.then(shopify("discount_by_code_none"), shopify("discount_code_basic_create"))
    perform(on_shopify, "shopify", {**CODE, "value_type": "percentage", "value": "10", "minimum_subtotal": "30.00"})
    discount = graphql(http.sent[1])[1]["basicCodeDiscount"]
    assert discount["customerGets"]["value"] == {"percentage": 0.1}
    assert discount["minimumRequirement"] == {"subtotal": {"greaterThanOrEqualToSubtotal": "30.00"}}


def test_shopify_free_shipping_is_its_own_mutation(on_shopify, http):
    http.then(shopify("discount_by_code_none"), shopify("discount_code_free_shipping_create"))
    result = perform(on_shopify, "shopify", {**CODE, "value_type": "free_shipping", "value": "0"})
    assert result["shop_reference"] == "gid://shopify/DiscountCodeNode/1057371208"
    query, variables = graphql(http.sent[1])
    assert "discountCodeFreeShippingCreate(freeShippingCodeDiscount: $freeShippingCodeDiscount)" in query
    discount = variables["freeShippingCodeDiscount"]
    assert discount["destination"] == {"all": True} and "customerGets" not in discount
    assert discount["usageLimit"] == 1 and discount["appliesOncePerCustomer"] is True


def test_a_repeated_attempt_finds_the_code_the_first_one_made_and_makes_no_second(on_shopify, http):
    http.then(shopify("discount_by_code_found"))
    assert perform(on_shopify, "shopify", CODE) == {"shop_reference": DISCOUNT_GID, "code": "PTS-7K4M-Q2XR"}
    assert len(http.sent) == 1


def test_a_guest_is_looked_up_by_email(on_shopify, http):
    http.then(shopify("discount_by_code_none"), shopify("customers_by_email"), shopify("discount_code_basic_create"))
    perform(on_shopify, "shopify", {**CODE, "customer_external_id": ""})
    query, variables = graphql(http.sent[1])
    assert "customers(first: 1, query: $query)" in query and variables == {"query": "email:'jane@example.com'"}
    customers = graphql(http.sent[2])[1]["basicCodeDiscount"]["context"]["customers"]["add"]
    assert customers == ["gid://shopify/Customer/115310627314723954"]


def test_a_customer_shopify_does_not_know_is_a_refusal_not_a_code_for_everyone(on_shopify, http):
    http.then(shopify("discount_by_code_none"), answer(200, {"data": {"customers": {"nodes": []}}}))
    with pytest.raises(PermanentShopError, match="no customer with this email"):
        perform(on_shopify, "shopify", {**CODE, "customer_external_id": ""})
    assert len(http.sent) == 2


def test_shopify_user_errors_are_a_refusal(on_shopify, http):
    http.then(shopify("discount_by_code_none"), shopify("discount_code_basic_create_refused"))
    with pytest.raises(PermanentShopError, match="Customer does not exist"):
        perform(on_shopify, "shopify", CODE)


def test_shopify_throttling_is_tried_again(on_shopify, http):
    http.then(answer(200, fixture("shopify", "admin_api/graphql_throttled.json")))
    with pytest.raises(TransientShopError):
        perform(on_shopify, "shopify", CODE)


def test_an_unknown_kind_of_discount_is_refused_before_calling(on_shopify, http):
    with pytest.raises(PermanentShopError, match="Unknown kind"):
        perform(on_shopify, "shopify", {**CODE, "value_type": "buy_x_get_y"})
    assert http.sent == []


# --- WooCommerce --------------------------------------------------------------------------------------


def test_woocommerce_makes_a_single_use_coupon_for_the_customers_email(on_woo, http):
    http.then(woo("coupon_created", 201))
    assert perform(on_woo, "woocommerce", CODE) == {"shop_reference": "720", "code": "PTS-7K4M-Q2XR"}
    sent = http.sent[0]
    assert (sent.method, sent.url) == ("POST", COUPONS)
    assert sent.kwargs["auth"] == ("ck_live_key", "cs_live_secret")
    assert sent.json == {
        "code": "PTS-7K4M-Q2XR",
        "discount_type": "fixed_cart",
        "amount": "5.00",
        "free_shipping": False,
        "description": "Loyalty reward: €5 off (Jane M.)",
        "usage_limit": 1,
        "usage_limit_per_user": 1,
        "individual_use": True,
        "email_restrictions": ["jane@example.com"],
        "meta_data": [{"key": "_pp_idempotency_key", "value": KEY}],
    }


@pytest.mark.parametrize(
    ("value_type", "value", "expected"),
    [
        ("percentage", "10", {"discount_type": "percent", "amount": "10", "free_shipping": False}),
        ("free_shipping", "0", {"discount_type": "fixed_cart", "amount": "0", "free_shipping": True}),
    ],
)
def test_woocommerce_percentages_and_free_shipping(on_woo, http, value_type, value, expected):
    http.then(woo("coupon_created", 201))
    perform(on_woo, "woocommerce", {**CODE, "value_type": value_type, "value": value})
    body = http.sent[0].json
    assert {name: body[name] for name in expected} == expected


def test_an_end_date_is_sent_in_utc_and_a_minimum_as_the_minimum_amount(on_woo, http):
    http.then(woo("coupon_created", 201))
    perform(on_woo, "woocommerce", {**CODE, "ends_at": "2027-03-02T23:59:59+01:00", "minimum_subtotal": "30.00"})
    body = http.sent[0].json
    assert (body["date_expires_gmt"], body["minimum_amount"]) == ("2027-03-02T22:59:59", "30.00")


def test_a_repeated_attempt_finds_the_coupon_by_its_code_when_woocommerce_says_it_exists(on_woo, http):
    http.then(woo("coupon_code_exists", 400), woo("coupons_by_code"))
    assert perform(on_woo, "woocommerce", CODE) == {"shop_reference": "720", "code": "PTS-7K4M-Q2XR"}
    lookup = http.sent[1]
    assert (lookup.method, lookup.url, lookup.kwargs["params"]) == ("GET", COUPONS, {"code": "PTS-7K4M-Q2XR"})
    assert len(http.sent) == 2


def test_a_coupon_without_an_email_to_restrict_it_to_is_refused_before_calling(on_woo, http):
    with pytest.raises(PermanentShopError, match="no email"):
        perform(on_woo, "woocommerce", {**CODE, "email": ""})
    assert http.sent == []


def test_woocommerce_server_errors_are_tried_again(on_woo, http):
    http.then(answer(503, {"code": "internal", "message": "Busy"}))
    with pytest.raises(TransientShopError):
        perform(on_woo, "woocommerce", CODE)


# --- By hand --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "extra", "words"),
    [
        ("en", {}, ["PTS-7K4M-Q2XR", "€5.00 off the order", "usable once", "jane@example.com", "with no end date"]),
        ("en", {"value_type": "percentage", "value": "10"}, ["10% off the order"]),
        (
            "en",
            {"value_type": "free_shipping", "ends_at": "2027-03-02T23:59:59+01:00"},
            ["free shipping", "valid until Tue, Mar 2, 2027"],
        ),
        ("fr", {}, ["PTS-7K4M-Q2XR", "jane@example.com", "code promo"]),
    ],
)
def test_staff_of_a_shop_we_cannot_call_read_what_to_create(merchant, language, extra, words):
    with translation.override(language):
        text = adapter_for("manual").instructions("discount_code", {**CODE, **extra})
    for word in words:
        assert word in text, (word, text)
