"""Store credit and exchange orders asked of Shopify (gift cards, draft orders) and WooCommerce (coupons, orders).

wire_formats_2.md §2.0, §2.3, §2.6, §3.1, §3.3. The shops are scripted at the HTTP layer (requests), with
answers written from the documented shapes.
"""

import json

import pytest
import requests

from integrations.shopify import adapter as shopify_orders
from integrations.woocommerce import adapter as woo_orders
from shop_actions.adapters import NeedsStaffError, PermanentShopError, TransientShopError, adapter_for

from .shop_http import answer

pytestmark = pytest.mark.django_db
GRAPHQL_URL = "https://maison-lumiere.myshopify.com/admin/api/2026-07/graphql.json"
WOO = "https://shop.maison-lumiere.example/wp-json/wc/v3"
CREDIT_KEY = "wallet:41:credit:7"
CREDIT = {
    "amount": "30.00",
    "currency": "EUR",
    "balance_after": "30.00",
    "code": "pp7q2k9x4m1c",
    "customer_external_id": "115310627314723954",
    "email": "jane@example.com",
    "expires_on": "2027-03-02",
    "note": "Store credit for return RMA-1042",
    "shop_reference": "",
}
CARD_GID = "gid://shopify/GiftCard/1063936318"
TOP_UP = {**CREDIT, "amount": "24.00", "balance_after": "54.00", "shop_reference": CARD_GID}
EXCHANGE_KEY = "return:RMA-1042:exchange"
EXCHANGE = {
    "rma": "RMA-1042",
    "order_external_id": "820982911946154508",
    "customer_external_id": "115310627314723954",
    "email": "jane@example.com",
    "currency": "EUR",
    "lines": [{"variant_external_id": "49148385", "sku": "VASE-M-BLUE", "title": "Vase, medium, blue", "quantity": 1}],
    "shipping_address": {
        "name": "Jane Martin",
        "address1": "12 rue des Lilas",
        "address2": "",
        "city": "Lyon",
        "postal_code": "69003",
        "country": "FR",
    },
    "note": "Exchange for return RMA-1042",
}


def perform(merchant, platform, kind, payload, key):
    return adapter_for(platform).perform(merchant=merchant, action_kind=kind, payload=payload, idempotency_key=key)


def graphql(sent) -> tuple[str, dict]:
    assert (sent.method, sent.url) == ("POST", GRAPHQL_URL)
    return sent.json["query"], sent.json["variables"]


def mutation(name: str, result: dict, errors=()) -> dict:
    return {"data": {name: {**result, "userErrors": list(errors)}}}


CARD_CREATED = mutation("giftCardCreate", {"giftCard": {"id": CARD_GID}})
CODE_TAKEN = mutation(
    "giftCardCreate", {"giftCard": None}, [{"code": "TAKEN", "field": ["input", "code"], "message": "Code is taken"}]
)
CARD_FOUND = {
    "data": {
        "giftCards": {
            "nodes": [
                {"id": "gid://shopify/GiftCard/99", "lastCharacters": "zzzz"},
                {"id": CARD_GID, "lastCharacters": "4M1C"},
            ]
        }
    }
}


def balance(amount: str, currency: str = "EUR") -> dict:
    return {"data": {"giftCard": {"id": CARD_GID, "balance": {"amount": amount, "currencyCode": currency}}}}


CREDITED = mutation(
    "giftCardCredit", {"giftCardCreditTransaction": {"id": "gid://shopify/GiftCardCreditTransaction/1"}}
)


# --- Shopify store credit ------------------------------------------------------------------------------


def test_shopify_first_credit_creates_a_gift_card_with_our_code(on_shopify, http):
    http.then(answer(200, CARD_CREATED))
    assert perform(on_shopify, "shopify", "store_credit", CREDIT, CREDIT_KEY) == {
        "shop_reference": CARD_GID,
        "code": "pp7q2k9x4m1c",
    }
    query, variables = graphql(http.sent[0])
    assert "giftCardCreate(input: $input)" in query and "@idempotent" not in query
    assert variables == {
        "input": {
            "initialValue": "30.00",
            "code": "pp7q2k9x4m1c",
            "note": "Store credit for return RMA-1042",
            "customerId": "gid://shopify/Customer/115310627314723954",
            "expiresOn": "2027-03-02",
        }
    }
    assert http.sent[0].kwargs["headers"]["X-Shopify-Access-Token"] == "shpat_0123456789abcdef"


def test_a_guest_card_without_expiry_names_no_customer_and_no_date(on_shopify, http):
    http.then(answer(200, CARD_CREATED))
    perform(on_shopify, "shopify", "store_credit", {**CREDIT, "customer_external_id": "", "expires_on": None}, "k")
    assert set(graphql(http.sent[0])[1]["input"]) == {"initialValue", "code", "note"}


def test_a_retried_card_creation_finds_the_card_by_its_code_and_makes_no_second_one(on_shopify, http):
    http.then(answer(200, CODE_TAKEN), answer(200, CARD_FOUND))
    result = perform(on_shopify, "shopify", "store_credit", CREDIT, CREDIT_KEY)
    assert result == {"shop_reference": CARD_GID, "code": "pp7q2k9x4m1c"}
    query, variables = graphql(http.sent[1])
    assert "giftCards(first: 10, query: $query)" in query and variables == {"query": "pp7q2k9x4m1c"}
    assert len(http.sent) == 2


def test_a_taken_code_shopify_does_not_list_is_a_refusal(on_shopify, http):
    http.then(answer(200, CODE_TAKEN), answer(200, {"data": {"giftCards": {"nodes": []}}}))
    with pytest.raises(PermanentShopError, match="ending in 4m1c"):
        perform(on_shopify, "shopify", "store_credit", CREDIT, CREDIT_KEY)


def test_a_code_shopify_cannot_take_is_refused_before_calling(on_shopify, http):
    with pytest.raises(PermanentShopError, match="8 to 20"):
        perform(on_shopify, "shopify", "store_credit", {**CREDIT, "code": "RMA-1042"}, CREDIT_KEY)
    assert http.sent == []


def test_a_later_credit_tops_up_the_card(on_shopify, http):
    http.then(answer(200, balance("30.0")), answer(200, CREDITED))
    assert perform(on_shopify, "shopify", "store_credit", TOP_UP, CREDIT_KEY) == {
        "shop_reference": CARD_GID,
        "code": "pp7q2k9x4m1c",
    }
    query, variables = graphql(http.sent[1])
    assert "giftCardCredit(id: $id, creditInput: $creditInput)" in query
    assert variables == {
        "id": CARD_GID,
        "creditInput": {
            "creditAmount": {"amount": "24.00", "currencyCode": "EUR"},
            "note": "Store credit for return RMA-1042",
        },
    }


def test_a_retried_top_up_the_card_already_shows_is_not_credited_twice(on_shopify, http):
    http.then(answer(200, balance("54.0")))
    assert perform(on_shopify, "shopify", "store_credit", TOP_UP, CREDIT_KEY)["shop_reference"] == CARD_GID
    assert len(http.sent) == 1  # only the balance was read


def test_a_top_up_in_another_currency_than_the_card_is_left_to_staff(on_shopify, http):
    http.then(answer(200, balance("30.0", "USD")))
    with pytest.raises(NeedsStaffError, match="USD"):
        perform(on_shopify, "shopify", "store_credit", TOP_UP, CREDIT_KEY)


def test_shopify_gift_card_user_errors_are_a_refusal_with_the_message(on_shopify, http):
    refused = mutation(
        "giftCardCreate",
        {"giftCard": None},
        [{"code": "GIFT_CARD_LIMIT_EXCEEDED", "field": ["input", "initialValue"], "message": "Value is too high"}],
    )
    http.then(answer(200, refused))
    with pytest.raises(PermanentShopError, match="Value is too high"):
        perform(on_shopify, "shopify", "store_credit", CREDIT, CREDIT_KEY)
    credit_refused = mutation(
        "giftCardCredit", {"giftCardCreditTransaction": None}, [{"code": "INVALID", "field": None, "message": "Nope"}]
    )
    http.then(answer(200, balance("30.0")), answer(200, credit_refused))
    with pytest.raises(PermanentShopError, match="Nope"):
        perform(on_shopify, "shopify", "store_credit", TOP_UP, CREDIT_KEY)


THROTTLED = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}


@pytest.mark.parametrize(
    ("outcome", "error"),
    [
        (answer(200, THROTTLED), TransientShopError),
        (answer(429, raw=b""), TransientShopError),
        (answer(502, raw=b"<html>Bad gateway</html>"), TransientShopError),
        (requests.ReadTimeout("read timed out"), TransientShopError),
        (answer(401, {"errors": "[API] Invalid API key or access token"}), NeedsStaffError),
        (
            answer(200, {"errors": [{"message": "Access denied", "extensions": {"code": "ACCESS_DENIED"}}]}),
            NeedsStaffError,
        ),
    ],
    ids=["throttled", "429", "502", "timeout", "401", "access-denied"],
)
@pytest.mark.parametrize("kind", ["store_credit", "exchange_order"])
def test_shopify_transport_errors_are_mapped_for_both_kinds(on_shopify, http, outcome, error, kind):
    http.then(outcome)
    with pytest.raises(error):
        perform(on_shopify, "shopify", kind, CREDIT if kind == "store_credit" else EXCHANGE, "k")


# --- Shopify exchange orders ---------------------------------------------------------------------------

DRAFT = {
    "id": "gid://shopify/DraftOrder/276395349",
    "name": "#D12",
    "status": "OPEN",
    "tags": ["exchange:RMA-1042"],
    "order": None,
}
COMPLETED = {**DRAFT, "status": "COMPLETED", "order": {"id": "gid://shopify/Order/450789469", "name": "#1043"}}
NO_DRAFTS = {"data": {"draftOrders": {"nodes": []}}}
EXCHANGED = {"order_external_id": "450789469", "order_name": "#1043", "draft_order_id": "276395349"}


def test_shopify_exchange_creates_a_free_tagged_draft_and_completes_it(on_shopify, http):
    http.then(
        answer(200, NO_DRAFTS),
        answer(200, mutation("draftOrderCreate", {"draftOrder": DRAFT})),
        answer(200, mutation("draftOrderComplete", {"draftOrder": COMPLETED})),
    )
    assert perform(on_shopify, "shopify", "exchange_order", EXCHANGE, EXCHANGE_KEY) == EXCHANGED
    looked_up, created, completed = (graphql(sent) for sent in http.sent)
    assert "draftOrders(first: 5, query: $query)" in looked_up[0]
    assert looked_up[1] == {"query": "tag:'exchange:RMA-1042'"}
    assert "draftOrderCreate(input: $input)" in created[0]
    assert created[1] == {
        "input": {
            "lineItems": [
                {
                    "variantId": "gid://shopify/ProductVariant/49148385",
                    "quantity": 1,
                    "appliedDiscount": {"value": 100.0, "valueType": "PERCENTAGE", "title": "Exchange RMA-1042"},
                }
            ],
            "note": "Exchange for return RMA-1042",
            "tags": ["exchange:RMA-1042"],
            "email": "jane@example.com",
            "customerId": "gid://shopify/Customer/115310627314723954",
            "shippingAddress": {
                "firstName": "Jane",
                "lastName": "Martin",
                "address1": "12 rue des Lilas",
                "city": "Lyon",
                "zip": "69003",
                "countryCode": "FR",
            },
        }
    }
    assert "draftOrderComplete(id: $id)" in completed[0] and completed[1] == {"id": DRAFT["id"]}
    # The order Shopify makes of it comes back with the draft's tags, which mark it as this exchange.
    assert shopify_orders.exchange_rma_of_tags(", ".join(created[1]["input"]["tags"])) == "RMA-1042"


def test_a_retried_exchange_completes_the_draft_an_earlier_attempt_made(on_shopify, http):
    other = {**DRAFT, "id": "gid://shopify/DraftOrder/1", "tags": ["exchange:RMA-10420"]}
    http.then(
        answer(200, {"data": {"draftOrders": {"nodes": [other, DRAFT]}}}),
        answer(200, mutation("draftOrderComplete", {"draftOrder": COMPLETED})),
    )
    assert perform(on_shopify, "shopify", "exchange_order", EXCHANGE, EXCHANGE_KEY) == EXCHANGED
    assert "draftOrderCreate" not in json.dumps([sent.json for sent in http.sent])


def test_a_retried_exchange_already_completed_changes_nothing(on_shopify, http):
    http.then(answer(200, {"data": {"draftOrders": {"nodes": [COMPLETED]}}}))
    assert perform(on_shopify, "shopify", "exchange_order", EXCHANGE, EXCHANGE_KEY) == EXCHANGED
    assert len(http.sent) == 1


def test_a_draft_shopify_will_not_complete_is_left_to_staff(on_shopify, http):
    refused = mutation("draftOrderComplete", {"draftOrder": None}, [{"field": None, "message": "Payment required"}])
    http.then(answer(200, {"data": {"draftOrders": {"nodes": [DRAFT]}}}), answer(200, refused))
    with pytest.raises(NeedsStaffError, match="#D12: Payment required"):
        perform(on_shopify, "shopify", "exchange_order", EXCHANGE, EXCHANGE_KEY)


def test_a_refused_draft_is_a_refusal_and_a_line_without_variant_needs_staff(on_shopify, http):
    refused = mutation("draftOrderCreate", {"draftOrder": None}, [{"field": ["lineItems"], "message": "Sold out"}])
    http.then(answer(200, NO_DRAFTS), answer(200, refused))
    with pytest.raises(PermanentShopError, match="Sold out"):
        perform(on_shopify, "shopify", "exchange_order", EXCHANGE, EXCHANGE_KEY)
    no_variant = {**EXCHANGE, "lines": [{**EXCHANGE["lines"][0], "variant_external_id": ""}]}
    http.then(answer(200, NO_DRAFTS))
    with pytest.raises(NeedsStaffError, match="no Shopify variant"):
        perform(on_shopify, "shopify", "exchange_order", no_variant, EXCHANGE_KEY)


# --- WooCommerce store credit --------------------------------------------------------------------------

COUPON = {"id": 720, "code": "pp7q2k9x4m1c", "amount": "30.00", "discount_type": "fixed_cart"}
COUPON_TAKEN = {
    "code": "woocommerce_rest_coupon_code_already_exists",
    "message": "The coupon code already exists",
    "data": {"status": 400},
}


def test_woocommerce_first_credit_creates_a_fixed_cart_coupon_for_the_customer(on_woo, http):
    http.then(answer(201, COUPON))
    assert perform(on_woo, "woocommerce", "store_credit", CREDIT, CREDIT_KEY) == {
        "shop_reference": "720",
        "code": "pp7q2k9x4m1c",
    }
    (sent,) = http.sent
    assert (sent.method, sent.url, sent.kwargs["auth"]) == ("POST", f"{WOO}/coupons", ("ck_live_key", "cs_live_secret"))
    assert sent.json == {
        "code": "pp7q2k9x4m1c",
        "discount_type": "fixed_cart",
        "description": "Store credit for return RMA-1042",
        "amount": "30.00",
        "date_expires": "2027-03-02T23:59:59",
        "email_restrictions": ["jane@example.com"],
        "meta_data": [{"key": "_pp_idempotency_key", "value": CREDIT_KEY}],
    }


def test_a_retried_coupon_creation_finds_the_coupon_by_code_and_sets_its_balance(on_woo, http):
    other = {**COUPON, "id": 9, "code": "pp7q2k9x4m1cx"}
    http.then(answer(400, COUPON_TAKEN), answer(200, [other, COUPON]), answer(200, COUPON))
    assert perform(on_woo, "woocommerce", "store_credit", CREDIT, CREDIT_KEY)["shop_reference"] == "720"
    _post, listed, updated = http.sent
    assert (listed.method, listed.url, listed.kwargs["params"]) == ("GET", f"{WOO}/coupons", {"code": "pp7q2k9x4m1c"})
    assert (updated.method, updated.url) == ("PUT", f"{WOO}/coupons/720")
    assert updated.json == {
        "amount": "30.00",
        "date_expires": "2027-03-02T23:59:59",
        "email_restrictions": ["jane@example.com"],
    }


def test_a_later_credit_sets_the_coupon_to_the_new_balance(on_woo, http):
    http.then(answer(200, {**COUPON, "amount": "54.00"}))
    payload = {**TOP_UP, "shop_reference": "720", "expires_on": None}
    assert perform(on_woo, "woocommerce", "store_credit", payload, CREDIT_KEY)["shop_reference"] == "720"
    (sent,) = http.sent
    assert (sent.method, sent.url) == ("PUT", f"{WOO}/coupons/720")
    assert sent.json == {"amount": "54.00", "email_restrictions": ["jane@example.com"]}


def test_a_spend_the_shop_reported_past_the_balance_leaves_the_coupon_worth_nothing(on_woo, http):
    http.then(answer(200, {**COUPON, "amount": "0.00"}))
    spent = {**TOP_UP, "amount": "-64.00", "balance_after": "-10.00", "shop_reference": "720", "expires_on": None}
    perform(on_woo, "woocommerce", "store_credit", spent, "store_credit:shop_spend:7:PP7Q2K9X4M1C")
    (sent,) = http.sent
    assert (sent.method, sent.url, sent.json["amount"]) == ("PUT", f"{WOO}/coupons/720", "0")


@pytest.mark.parametrize(
    ("outcome", "error"),
    [
        (
            answer(400, {"code": "rest_invalid_param", "message": "Invalid parameter(s): amount", "data": {}}),
            PermanentShopError,
        ),
        (
            answer(401, {"code": "woocommerce_rest_cannot_create", "message": "Not allowed", "data": {}}),
            NeedsStaffError,
        ),
        (answer(500, raw=b"Internal Server Error"), TransientShopError),
        (answer(429, raw=b""), TransientShopError),
        (requests.ConnectTimeout("connect timed out"), TransientShopError),
    ],
    ids=["400", "401", "500", "429", "timeout"],
)
def test_woocommerce_coupon_errors_are_mapped(on_woo, http, outcome, error):
    http.then(outcome)
    with pytest.raises(error) as raised:
        perform(on_woo, "woocommerce", "store_credit", CREDIT, CREDIT_KEY)
    if error is PermanentShopError:
        assert "Invalid parameter(s): amount" in str(raised.value)


# --- WooCommerce exchange orders -----------------------------------------------------------------------

WOO_EXCHANGE = {
    **EXCHANGE,
    "customer_external_id": "12",
    "lines": [{**EXCHANGE["lines"][0], "variant_external_id": "733"}],
}
WOO_ORDER = {"id": 4810, "number": "4810", "meta_data": [{"id": 1, "key": "_pp_exchange_rma", "value": "RMA-1042"}]}


def test_woocommerce_exchange_posts_a_paid_order_at_no_charge_marked_with_the_return(on_woo, http):
    http.then(answer(200, [{"id": 4700, "meta_data": []}]), answer(201, WOO_ORDER))
    result = perform(on_woo, "woocommerce", "exchange_order", WOO_EXCHANGE, EXCHANGE_KEY)
    assert result == {"order_external_id": "4810", "order_name": "#4810"}
    listed, created = http.sent
    assert (listed.method, listed.url) == ("GET", f"{WOO}/orders")
    assert listed.kwargs["params"] == {"customer": 12, "per_page": 100, "page": 1}
    assert (created.method, created.url) == ("POST", f"{WOO}/orders")
    address = {
        "first_name": "Jane",
        "last_name": "Martin",
        "address_1": "12 rue des Lilas",
        "address_2": "",
        "city": "Lyon",
        "postcode": "69003",
        "country": "FR",
    }
    assert created.json == {
        "status": "processing",
        "set_paid": True,
        "currency": "EUR",
        "billing": {**address, "email": "jane@example.com"},
        "shipping": address,
        "line_items": [{"quantity": 1, "subtotal": "0.00", "total": "0.00", "variation_id": 733}],
        "customer_note": "Exchange for return RMA-1042",
        "meta_data": [{"key": "_pp_exchange_rma", "value": "RMA-1042"}],
        "customer_id": 12,
    }
    # The order comes back through the order webhooks with this meta data, which marks it as this exchange.
    assert woo_orders.payment_facts({"meta_data": created.json["meta_data"]})["exchange_for_rma"] == "RMA-1042"


def test_a_retried_woocommerce_exchange_finds_its_order_and_creates_none(on_woo, http):
    http.then(answer(200, [WOO_ORDER]))
    guest = {**WOO_EXCHANGE, "customer_external_id": ""}
    assert perform(on_woo, "woocommerce", "exchange_order", guest, EXCHANGE_KEY)["order_external_id"] == "4810"
    (listed,) = http.sent
    assert listed.kwargs["params"]["search"] == "jane@example.com"


def test_a_woocommerce_line_without_id_goes_by_sku_and_without_either_needs_staff(on_woo, http):
    by_sku = {**WOO_EXCHANGE, "lines": [{**WOO_EXCHANGE["lines"][0], "variant_external_id": ""}]}
    http.then(answer(200, []), answer(201, WOO_ORDER))
    perform(on_woo, "woocommerce", "exchange_order", by_sku, EXCHANGE_KEY)
    assert http.sent[1].json["line_items"] == [
        {"quantity": 1, "subtotal": "0.00", "total": "0.00", "sku": "VASE-M-BLUE"}
    ]
    neither = {**WOO_EXCHANGE, "lines": [{**by_sku["lines"][0], "sku": ""}]}
    http.then(answer(200, []))
    with pytest.raises(NeedsStaffError, match="Vase, medium, blue"):
        perform(on_woo, "woocommerce", "exchange_order", neither, EXCHANGE_KEY)


@pytest.mark.parametrize(
    ("outcome", "error"),
    [
        (
            answer(400, {"code": "woocommerce_rest_invalid_product_id", "message": "Invalid product ID", "data": {}}),
            PermanentShopError,
        ),
        (answer(403, {"code": "woocommerce_rest_cannot_create", "message": "Forbidden", "data": {}}), NeedsStaffError),
        (answer(503, raw=b""), TransientShopError),
    ],
    ids=["400", "403", "503"],
)
def test_woocommerce_exchange_errors_are_mapped(on_woo, http, outcome, error):
    http.then(answer(200, []), outcome)
    with pytest.raises(error):
        perform(on_woo, "woocommerce", "exchange_order", WOO_EXCHANGE, EXCHANGE_KEY)


# --- Dearer exchanges: the difference paid by the customer through the shop ---------------------------------

DEARER = {
    **EXCHANGE,
    "amount_due": "5.00",
    "lines": [{**EXCHANGE["lines"][0], "quantity": 2, "unit_price": "35.00"}],
}
INVOICE_URL = "https://maison-lumiere.myshopify.com/1234567/invoices/4f9c2d7e0b"
OPEN_DRAFT = {**DRAFT, "invoiceUrl": INVOICE_URL}
AWAITING = {"order_external_id": "", "order_name": "#D12", "draft_order_id": "276395349", "payment_url": INVOICE_URL}


def test_a_dearer_shopify_exchange_leaves_the_draft_open_for_the_customer_to_pay(on_shopify, http):
    http.then(answer(200, NO_DRAFTS), answer(200, mutation("draftOrderCreate", {"draftOrder": OPEN_DRAFT})))
    assert perform(on_shopify, "shopify", "exchange_order", DEARER, EXCHANGE_KEY) == AWAITING
    _looked_up, created = (graphql(sent) for sent in http.sent)  # no draftOrderComplete: nothing marked paid
    draft_input = created[1]["input"]
    # Two at 35.00 less the 65.00 returned: 5.00 due, one order-level discount, the lines at their prices.
    assert draft_input["appliedDiscount"] == {"value": 65.0, "valueType": "FIXED_AMOUNT", "title": "Exchange RMA-1042"}
    assert draft_input["lineItems"] == [{"variantId": "gid://shopify/ProductVariant/49148385", "quantity": 2}]
    assert draft_input["tags"] == ["exchange:RMA-1042"] and "invoiceUrl" in created[0]


def test_a_retried_dearer_shopify_exchange_finds_its_open_draft_and_makes_nothing(on_shopify, http):
    http.then(answer(200, {"data": {"draftOrders": {"nodes": [OPEN_DRAFT]}}}))
    assert perform(on_shopify, "shopify", "exchange_order", DEARER, EXCHANGE_KEY) == AWAITING
    assert len(http.sent) == 1
    # Paid meanwhile: the draft has its order, which is what the exchange is.
    http.then(answer(200, {"data": {"draftOrders": {"nodes": [{**COMPLETED, "invoiceUrl": INVOICE_URL}]}}}))
    assert perform(on_shopify, "shopify", "exchange_order", DEARER, EXCHANGE_KEY) == EXCHANGED


def test_a_dearer_draft_without_its_invoice_link_is_asked_again(on_shopify, http):
    http.then(answer(200, NO_DRAFTS), answer(200, mutation("draftOrderCreate", {"draftOrder": DRAFT})))
    with pytest.raises(TransientShopError, match="invoice link"):
        perform(on_shopify, "shopify", "exchange_order", DEARER, EXCHANGE_KEY)


WOO_DEARER = {**DEARER, "customer_external_id": "12", "lines": [{**DEARER["lines"][0], "variant_external_id": "733"}]}
WOO_PAYMENT_URL = "https://shop.maison-lumiere.example/checkout/order-pay/4811/?pay_for_order=true&key=wc_order_8Kx2"
WOO_PENDING = {**WOO_ORDER, "id": 4811, "number": "4811", "status": "pending", "payment_url": WOO_PAYMENT_URL}


def test_a_dearer_woocommerce_exchange_is_a_pending_unpaid_order_with_its_payment_link(on_woo, http):
    http.then(answer(200, []), answer(201, WOO_PENDING))
    result = perform(on_woo, "woocommerce", "exchange_order", WOO_DEARER, EXCHANGE_KEY)
    assert result == {"order_external_id": "4811", "order_name": "#4811", "payment_url": WOO_PAYMENT_URL}
    created = http.sent[1].json
    assert (created["status"], created["set_paid"]) == ("pending", False)
    assert created["line_items"] == [{"quantity": 2, "subtotal": "70.00", "total": "70.00", "variation_id": 733}]
    assert created["fee_lines"] == [
        {"name": "Exchange RMA-1042: returned items", "total": "-65.00", "tax_status": "none"}
    ]
    # Retried after a lost answer: the pending order is found by its mark, with its link; none is made.
    http.then(answer(200, [WOO_PENDING]))
    assert perform(on_woo, "woocommerce", "exchange_order", WOO_DEARER, EXCHANGE_KEY) == result
    assert len([sent for sent in http.sent if sent.method == "POST"]) == 1


def test_a_dearer_exchange_recorded_wrongly_is_refused_before_calling_the_shop(on_woo, http):
    wrong = {**WOO_DEARER, "amount_due": "80.00"}  # more than the new items cost
    http.then(answer(200, []))
    with pytest.raises(PermanentShopError, match="recorded wrongly"):
        perform(on_woo, "woocommerce", "exchange_order", wrong, EXCHANGE_KEY)
    assert [sent.method for sent in http.sent] == ["GET"]
