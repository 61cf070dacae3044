"""Refunds asked of Shopify (Admin GraphQL refundCreate) and WooCommerce (REST): wire_formats_2.md §2.0, §2.2, §3.1–3.2.

The shops are scripted at the HTTP layer (requests), with answers written from the documented shapes.
"""

import uuid

import pytest
import requests

from integrations.shopify import actions as shopify
from merchants.credentials import credential_set
from shop_actions.adapters import NeedsStaffError, PermanentShopError, TransientShopError, adapter_for, platform_for

from .shop_http import answer

pytestmark = pytest.mark.django_db
KEY = "return:R-1042-1:refund"
PAYLOAD = {
    "order_external_id": "820982911946154508",
    "order_number": "#1042",
    "rma": "R-1042-1",
    "amount": "30.00",
    "currency": "EUR",
    "reason": "Return R-1042-1",
    "restock": True,
    "line_items": [{"line_item_id": 7, "external_id": "487817672276298554", "quantity": 1, "amount": "30.00"}],
}
THROTTLE_COST = {
    "cost": {
        "requestedQueryCost": 12,
        "actualQueryCost": None,
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 3, "restoreRate": 100.0},
    }
}
PAYMENTS = {
    "data": {
        "order": {
            "id": "gid://shopify/Order/820982911946154508",
            "transactions": [
                {
                    "id": "gid://shopify/OrderTransaction/801038805",
                    "kind": "AUTHORIZATION",
                    "status": "SUCCESS",
                    "gateway": "shopify_payments",
                    "amountSet": {"presentmentMoney": {"amount": "120.00", "currencyCode": "EUR"}},
                },
                {
                    "id": "gid://shopify/OrderTransaction/801038806",
                    "kind": "CAPTURE",
                    "status": "SUCCESS",
                    "gateway": "shopify_payments",
                    "amountSet": {"presentmentMoney": {"amount": "120.00", "currencyCode": "EUR"}},
                },
            ],
        }
    },
    "extensions": THROTTLE_COST,
}
REFUNDED = {
    "data": {
        "refundCreate": {
            "refund": {
                "id": "gid://shopify/Refund/930000000001",
                "totalRefundedSet": {"shopMoney": {"amount": "30.00", "currencyCode": "EUR"}},
            },
            "userErrors": [],
        }
    }
}
USER_ERRORS = {
    "data": {
        "refundCreate": {
            "refund": None,
            "userErrors": [
                {
                    "field": ["transactions", "0", "amount"],
                    "message": "Amount cannot be greater than the refundable amount",
                }
            ],
        }
    }
}
THROTTLED = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}], "extensions": THROTTLE_COST}


def shopify_refund(merchant, payload=PAYLOAD):
    return adapter_for("shopify").perform(merchant=merchant, action_kind="refund", payload=payload, idempotency_key=KEY)


def woo_refund(merchant, payload=PAYLOAD):
    return adapter_for("woocommerce").perform(
        merchant=merchant, action_kind="refund", payload=payload, idempotency_key=KEY
    )


# --- Choosing the platform ---------------------------------------------------------------------------


def test_an_order_goes_to_its_platform_only_when_the_merchant_gave_access(merchant):
    assert platform_for(merchant, "shopify") == "manual"
    merchant.shopify_domain = "maison-lumiere.myshopify.com"
    assert platform_for(merchant, "shopify") == "manual"  # no token yet
    credential_set(merchant, "shopify_admin_token", "shpat_x")
    assert platform_for(merchant, "shopify") == "shopify"
    assert platform_for(merchant, "woocommerce") == "manual"
    assert platform_for(merchant, "api") == "manual"


# --- Shopify -----------------------------------------------------------------------------------------


def test_shopify_refund_create_sends_the_documented_mutation(on_shopify, http):
    http.then(answer(200, PAYMENTS), answer(200, REFUNDED))
    result = shopify_refund(on_shopify)
    assert result == {
        "refund_id": "930000000001",
        "refund_gid": "gid://shopify/Refund/930000000001",
        "amount": "30.00",
        "currency": "EUR",
    }
    lookup, create = http.sent
    assert lookup.url == create.url == "https://maison-lumiere.myshopify.com/admin/api/2026-07/graphql.json"
    assert create.kwargs["headers"]["X-Shopify-Access-Token"] == "shpat_0123456789abcdef"
    assert create.kwargs["timeout"] and create.kwargs["allow_redirects"] is False
    key = str(uuid.uuid5(shopify.IDEMPOTENCY_NAMESPACE, f"{on_shopify.pk}:{KEY}"))
    assert f'refundCreate(input: $input) @idempotent(key: "{key}")' in create.json["query"]
    assert create.json["variables"]["input"] == {
        "orderId": "gid://shopify/Order/820982911946154508",
        "note": "Return R-1042-1",
        "notify": True,
        "currency": "EUR",
        "refundLineItems": [
            {"lineItemId": "gid://shopify/LineItem/487817672276298554", "quantity": 1, "restockType": "RETURN"}
        ],
        "transactions": [
            {
                "orderId": "gid://shopify/Order/820982911946154508",
                "parentId": "gid://shopify/OrderTransaction/801038806",  # the capture, not the authorization
                "gateway": "shopify_payments",
                "kind": "REFUND",
                "amount": "30.00",
            }
        ],
    }


def test_a_retried_shopify_refund_sends_the_same_idempotency_key(on_shopify, http):
    http.then(answer(200, PAYMENTS), answer(200, REFUNDED), answer(200, PAYMENTS), answer(200, REFUNDED))
    shopify_refund(on_shopify)
    shopify_refund(on_shopify)
    first, second = http.sent[1].json["query"], http.sent[3].json["query"]
    assert first == second and "@idempotent(key:" in first


def test_a_kept_item_is_refunded_without_restocking(on_shopify, http):
    http.then(answer(200, PAYMENTS), answer(200, REFUNDED))
    shopify_refund(on_shopify, {**PAYLOAD, "restock": False})
    assert http.sent[1].json["variables"]["input"]["refundLineItems"][0]["restockType"] == "NO_RESTOCK"


def test_shopify_user_errors_are_a_refusal_with_its_message(on_shopify, http):
    http.then(answer(200, PAYMENTS), answer(200, USER_ERRORS))
    with pytest.raises(PermanentShopError, match="Amount cannot be greater than the refundable amount"):
        shopify_refund(on_shopify)


@pytest.mark.parametrize(
    "outcome",
    [
        answer(200, THROTTLED),
        answer(429, THROTTLED),
        answer(503, raw=b"<html>Service unavailable</html>"),
        answer(502, {"errors": "Bad gateway"}),
        requests.ReadTimeout("read timed out"),
        requests.ConnectionError("connection reset"),
    ],
    ids=["throttled", "429", "503-html", "502", "timeout", "connection"],
)
def test_shopify_throttling_server_errors_and_timeouts_are_tried_again(on_shopify, http, outcome):
    http.then(answer(200, PAYMENTS), outcome)
    with pytest.raises(TransientShopError):
        shopify_refund(on_shopify)


def test_a_refused_token_needs_staff(on_shopify, http):
    http.then(answer(401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}))
    with pytest.raises(NeedsStaffError, match="Settings → Integrations"):
        shopify_refund(on_shopify)


def test_shopify_without_access_needs_staff_and_calls_nothing(merchant, http):
    with pytest.raises(NeedsStaffError, match="Admin API access token"):
        shopify_refund(merchant)
    assert http.sent == []


def test_an_order_paid_in_another_currency_is_left_to_staff(on_shopify, http):
    paid_in_usd = {
        "data": {
            "order": {
                **PAYMENTS["data"]["order"],
                "transactions": [
                    {
                        "id": "gid://shopify/OrderTransaction/1",
                        "kind": "SALE",
                        "status": "SUCCESS",
                        "gateway": "paypal",
                        "amountSet": {"presentmentMoney": {"amount": "130.00", "currencyCode": "USD"}},
                    }
                ],
            }
        }
    }
    http.then(answer(200, paid_in_usd))
    with pytest.raises(NeedsStaffError, match="paid in USD"):
        shopify_refund(on_shopify)
    assert len(http.sent) == 1  # nothing refunded


def test_an_order_shopify_does_not_know_is_refused(on_shopify, http):
    http.then(answer(200, {"data": {"order": None}}))
    with pytest.raises(PermanentShopError, match="no order"):
        shopify_refund(on_shopify)


# --- WooCommerce -------------------------------------------------------------------------------------

WOO_REFUND = {
    "id": 726,
    "date_created": "2026-03-02T10:15:00",
    "date_created_gmt": "2026-03-02T09:15:00",
    "amount": "30.00",
    "reason": "Return R-1042-1",
    "refunded_by": 1,
    "refunded_payment": True,
    "meta_data": [
        {"id": 1, "key": "_pp_idempotency_key", "value": KEY},
        {"id": 2, "key": "_pp_return_id", "value": "R-1042-1"},
    ],
    "line_items": [
        {
            "id": 314,
            "name": "Candle",
            "quantity": -1,
            "subtotal": "-30.00",
            "total": "-30.00",
            "meta_data": [{"key": "_refunded_item_id", "value": "311"}],
        }
    ],
}
WOO_PAYLOAD = {
    **PAYLOAD,
    "order_external_id": "727",
    "line_items": [{"line_item_id": 7, "external_id": "311", "quantity": 1, "amount": "30.00"}],
}
REFUNDS_URL = "https://shop.maison-lumiere.example/wp-json/wc/v3/orders/727/refunds"


def test_woocommerce_refund_posts_the_documented_body_with_basic_auth(on_woo, http):
    http.then(answer(200, []), answer(201, WOO_REFUND))
    result = woo_refund(on_woo, WOO_PAYLOAD)
    assert result == {"refund_id": "726", "amount": "30.00", "currency": "EUR", "refunded_payment": True}
    listed, created = http.sent
    assert (listed.method, listed.url, listed.kwargs["params"]) == ("GET", REFUNDS_URL, {"per_page": 100, "page": 1})
    assert (created.method, created.url) == ("POST", REFUNDS_URL)
    assert created.kwargs["auth"] == ("ck_live_key", "cs_live_secret")
    assert created.json == {
        "amount": "30.00",
        "reason": "Return R-1042-1",
        "api_refund": True,
        "api_restock": True,
        "line_items": [{"id": 311, "quantity": 1, "refund_total": "30.00"}],
        "meta_data": [{"key": "_pp_idempotency_key", "value": KEY}, {"key": "_pp_return_id", "value": "R-1042-1"}],
    }


def test_a_woocommerce_retry_after_a_lost_answer_finds_the_refund_and_does_not_refund_twice(on_woo, http):
    other = {**WOO_REFUND, "id": 700, "meta_data": [{"key": "_pp_idempotency_key", "value": "return:R-1042-0:refund"}]}
    http.then(answer(200, [other, WOO_REFUND]))
    assert woo_refund(on_woo, WOO_PAYLOAD)["refund_id"] == "726"
    assert [sent.method for sent in http.sent] == ["GET"]  # no second POST


@pytest.mark.parametrize(
    ("outcome", "error"),
    [
        (
            answer(
                400,
                {
                    "code": "woocommerce_rest_invalid_order_refund",
                    "message": "Refund amount must be greater than zero.",
                    "data": {"status": 400},
                },
            ),
            PermanentShopError,
        ),
        (
            answer(
                404,
                {"code": "woocommerce_rest_invalid_order_id", "message": "Invalid order ID.", "data": {"status": 404}},
            ),
            PermanentShopError,
        ),
        (
            answer(
                500,
                {
                    "code": "woocommerce_rest_cannot_create_order_refund",
                    "message": "Payment gateway declined the refund.",
                    "data": {"status": 500},
                },
            ),
            PermanentShopError,
        ),
        (
            answer(
                401,
                {
                    "code": "woocommerce_rest_cannot_create",
                    "message": "Sorry, you are not allowed to create resources.",
                    "data": {"status": 401},
                },
            ),
            NeedsStaffError,
        ),
        (answer(503, raw=b"Service Unavailable"), TransientShopError),
        (answer(429, raw=b""), TransientShopError),
        (requests.ConnectTimeout("connect timed out"), TransientShopError),
    ],
    ids=["400", "404", "gateway-500", "401", "503", "429", "timeout"],
)
def test_woocommerce_errors_are_mapped(on_woo, http, outcome, error):
    http.then(answer(200, []), outcome)
    with pytest.raises(error) as raised:
        woo_refund(on_woo, WOO_PAYLOAD)
    if isinstance(outcome, requests.Response) and outcome.status_code in (400, 404, 500):
        assert outcome.json()["message"] in str(raised.value)


def test_woocommerce_without_access_or_over_plain_http_needs_staff(merchant, on_woo, http):
    on_woo.woocommerce_url = "http://shop.maison-lumiere.example"
    with pytest.raises(NeedsStaffError, match="https://"):
        woo_refund(on_woo, WOO_PAYLOAD)
    credential_set(on_woo, "woocommerce_consumer_secret", "")
    with pytest.raises(NeedsStaffError, match="REST API key"):
        woo_refund(on_woo, WOO_PAYLOAD)
    assert http.sent == []


def test_woocommerce_refuses_a_site_address_inside_our_network(merchant, http):
    merchant.woocommerce_url = "https://127.0.0.1"
    credential_set(merchant, "woocommerce_consumer_key", "ck_x")
    credential_set(merchant, "woocommerce_consumer_secret", "cs_x")
    with pytest.raises(NeedsStaffError, match="will not call"):
        woo_refund(merchant, WOO_PAYLOAD)
    assert http.sent == []


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "The WooCommerce site address must start with https:// (Settings → Integrations)."),
        ("fr", "L’adresse du site WooCommerce doit commencer par https:// (Paramètres → Intégrations)."),
    ],
)
def test_woocommerces_messages_to_staff_are_in_the_readers_language(client, on_woo, http, language, expected):
    """Stored in the shop's language (French here) when the action stopped; each teammate reads their own."""
    from core.scoping import merchant_scope, unscoped
    from shop_actions import services
    from shop_actions.models import ShopAction
    from tests.conftest import login_as
    from tests.factories import MembershipFactory, UserFactory

    on_woo.default_language, on_woo.woocommerce_url = "fr", "http://shop.maison-lumiere.example"
    on_woo.save()
    action = services.shop_action_request(
        merchant=on_woo, kind="refund", platform="woocommerce", key="return:R-4750-1:refund", payload=WOO_PAYLOAD
    )
    services.shop_action_perform(action_id=action.pk, claim_token=action.claim_token)
    with unscoped():
        action = ShopAction.objects.get(pk=action.pk)
    assert action.status == "waiting_for_staff" and action.last_error.startswith("L’adresse du site WooCommerce")
    assert http.sent == []
    reader = UserFactory(email=f"{language}@example.com", language=language)
    with merchant_scope(on_woo):
        MembershipFactory(merchant=on_woo, user=reader, role="agent")
    login_as(client, reader, on_woo)
    for page in (client.get("/app/shop-actions/").text, client.get(f"/app/shop-actions/{action.pk}/").text):
        assert expected in page.replace("&#x27;", "'")


def test_a_woocommerce_message_with_values_is_translated_around_them(on_woo):
    from django.utils import translation

    from integrations.woocommerce.actions import discount_coupon_body

    with pytest.raises(PermanentShopError) as raised:
        discount_coupon_body({"code": "WELCOME", "value_type": "bogus", "email": "a@example.org"}, "k")
    with translation.override("fr"):
        assert str(raised.value) == "Type de remise inconnu «\u00a0bogus\u00a0»\u00a0: créez le code promo à la main."
    with translation.override("en"):
        assert str(raised.value) == "Unknown kind of discount “bogus”: create the coupon by hand."
    assert (raised.value.message, raised.value.params) == (
        "Unknown kind of discount “%(kind)s”: create the coupon by hand.",
        {"kind": "bogus"},
    )
