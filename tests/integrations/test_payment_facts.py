"""Payment facts (discount codes, gateways) and exchange orders, from Shopify and WooCommerce order payloads
(wire_formats.md §1.5 and the WooCommerce order shape) to the order, its staff page and its API JSON."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from core.scoping import merchant_scope
from integrations.shopify import adapter as shopify
from integrations.woocommerce import adapter as woo
from orders.models import Order, OrderEvent
from orders.payloads import order_data
from orders.selectors import DiscountCode, order_payment_facts
from orders.services import OrderValidationError, orders_create_new
from tests.integrations.fixtures import payload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_event_fanout(monkeypatch):
    monkeypatch.setattr("orders.events.publish_request", lambda: None)


def shopify_order(merchant, **changes):
    data = {**payload("shopify", "orders_create.json"), **changes}
    shopify.handle_order(merchant, "orders/create", data)
    with merchant_scope(merchant):
        return Order.objects.get(external_id=str(data["id"]))


def woo_order(merchant, **changes):
    data = {**payload("woocommerce", "order_created.json"), **changes}
    woo.handle_order(merchant, data)
    with merchant_scope(merchant):
        return Order.objects.get(external_id=str(data["id"]))


def events(merchant, order, kind="order.updated"):
    with merchant_scope(merchant):
        return list(OrderEvent.objects.filter(order=order, kind=kind))


def test_shopify_discount_codes_and_gateways_are_kept(merchant):
    order = shopify_order(merchant)
    assert order.discount_codes == [{"code": "SPRING10", "amount": "11.50", "type": "percentage"}]
    assert order.payment_gateways == ["shopify_payments"]
    assert order.exchange_for_rma == ""
    facts = order_payment_facts(order)
    assert facts.discount_codes == [DiscountCode(code="SPRING10", amount=Decimal("11.50"), type="percentage")]
    assert facts.codes == {"SPRING10"} and not facts.paid_with_gift_card


def test_a_shopify_gift_card_payment_is_recognised_and_a_redelivery_changes_nothing(merchant):
    order = shopify_order(merchant, payment_gateway_names=["gift_card", "shopify_payments"])
    assert order_payment_facts(order).paid_with_gift_card
    shopify_order(merchant, payment_gateway_names=["gift_card", "shopify_payments"])
    assert events(merchant, order) == []


def test_an_update_without_the_fields_keeps_them_and_one_with_them_replaces_them(merchant):
    order = shopify_order(merchant)
    trimmed = {
        key: value
        for key, value in payload("shopify", "orders_create.json").items()
        if key not in ("discount_codes", "payment_gateway_names", "tags")
    }
    shopify.handle_order(merchant, "orders/updated", trimmed)  # include_fields left them out
    order.refresh_from_db()
    assert order.discount_codes[0]["code"] == "SPRING10" and order.payment_gateways == ["shopify_payments"]
    order = shopify_order(merchant, discount_codes=[], payment_gateway_names=["manual"])
    assert (order.discount_codes, order.payment_gateways) == ([], ["manual"])
    assert events(merchant, order)[-1].payload["changed"] == ["discount_codes", "payment_gateways"]


def test_orders_written_in_batches_keep_the_facts_too(merchant):
    data = {**payload("shopify", "orders_create.json"), "tags": "exchange:RMA-1042"}
    with merchant_scope(merchant), transaction.atomic():
        (order,) = orders_create_new(merchant=merchant, inputs=[shopify.order_input(data, merchant=merchant)])
    order.refresh_from_db()
    assert (order.discount_codes[0]["code"], order.exchange_for_rma) == ("SPRING10", "RMA-1042")


def test_a_discount_line_that_cannot_be_read_is_left_out_and_the_order_comes_in(merchant, caplog):
    codes = [{"code": "SPRING10", "amount": "ten", "type": "percentage"}, {"code": "VIP", "amount": "2.00"}]
    order = shopify_order(merchant, discount_codes=codes)
    assert order.discount_codes == [{"code": "VIP", "amount": "2.00", "type": ""}]
    assert "discount_codes[0] cannot be read: left out of order" in caplog.text


def test_a_bad_discount_amount_given_to_the_api_is_refused_and_nothing_is_stored(merchant):
    from datetime import UTC, datetime

    from orders.services import DiscountCodeInput, LineItemInput, OrderInput, order_upsert

    data = OrderInput(
        external_id="api-1",
        number="#1",
        placed_at=datetime(2026, 3, 1, 9, tzinfo=UTC),
        currency="EUR",
        total="10.00",
        line_items=[LineItemInput(title="Candle", quantity=1, unit_price="10.00")],
        discount_codes=[DiscountCodeInput(code="SPRING10", amount="ten")],
    )
    with pytest.raises(OrderValidationError) as raised:
        order_upsert(merchant=merchant, data=data)
    assert "discount_codes[0].amount" in raised.value.errors
    with merchant_scope(merchant):
        assert not Order.objects.exists()


def test_woocommerce_coupon_lines_and_payment_method_are_kept(merchant):
    order = woo_order(merchant)
    assert order.discount_codes == [{"code": "bienvenue", "amount": "3.00", "type": ""}]
    assert order.payment_gateways == ["stripe"]
    assert order.exchange_for_rma == ""


# --- Exchange orders -----------------------------------------------------------------------------------


def test_a_shopify_order_tagged_as_our_exchange_is_marked(merchant):
    order = shopify_order(merchant, tags="exchange:RMA-1042, vip", total_price="0.00", financial_status="paid")
    assert order.exchange_for_rma == "RMA-1042"
    assert order_payment_facts(order).exchange_for_rma == "RMA-1042"
    assert shopify.exchange_rma_of_tags("newsletter, exchange:, spring") == ""


def test_a_woocommerce_order_with_our_exchange_meta_is_marked(merchant):
    meta = [
        {"id": 1, "key": "_stripe_intent_id", "value": "pi_1"},
        {"id": 2, "key": "_pp_exchange_rma", "value": "RMA-1042"},
    ]
    assert woo_order(merchant, meta_data=meta).exchange_for_rma == "RMA-1042"


def test_the_order_page_shows_the_exchange_codes_and_gift_card(staff_client, merchant):
    order = shopify_order(merchant, tags="exchange:RMA-1042", payment_gateway_names=["gift_card"])
    response = staff_client.get(reverse("orders:detail", kwargs={"pk": order.pk}))
    assert response.status_code == 200
    text = response.text
    assert '<span class="badge" id="exchange-for">Exchange for RMA-1042</span>' in text
    assert "<code>SPRING10</code> −€11.50" in text
    assert '<dd id="payment-gateways">Gift card</dd>' in text


def test_the_order_page_says_nothing_of_them_for_a_plain_api_order(staff_client, merchant):
    from tests.factories import OrderFactory

    order = OrderFactory(merchant=merchant)
    text = staff_client.get(reverse("orders:detail", kwargs={"pk": order.pk})).text
    assert "exchange-for" not in text and "payment-gateways" not in text and "discount-code" not in text


def test_the_api_json_carries_the_facts(api, merchant):
    order = shopify_order(merchant, tags="exchange:RMA-1042", payment_gateway_names=["gift_card", "shopify_payments"])
    body = api.get(f"/api/v1/orders/{order.pk}").json()
    assert body["discount_codes"] == [{"code": "SPRING10", "amount": "11.50", "type": "percentage"}]
    assert body["payment_gateways"] == ["gift_card", "shopify_payments"]
    assert body["paid_with_gift_card"] is True
    assert body["exchange_for_rma"] == "RMA-1042"
    listed = api.get("/api/v1/orders").json()
    assert listed["results"][0]["exchange_for_rma"] == "RMA-1042"
    with merchant_scope(merchant):
        webhook_order = order_data(order)  # the `order` of outbound webhooks
    assert {key: webhook_order[key] for key in ("discount_codes", "payment_gateways", "exchange_for_rma")} == {
        key: body[key] for key in ("discount_codes", "payment_gateways", "exchange_for_rma")
    }


def test_the_api_takes_the_facts_and_refuses_bad_ones_unchanged(api, merchant):
    from tests.orders.test_api import order_body, post_json

    body = order_body(
        discount_codes=[{"code": "WELCOME5", "amount": "5.00"}],
        payment_gateways=["stripe"],
        exchange_for_rma="RMA-7",
    )
    assert post_json(api, "/api/v1/orders", body).status_code == 201
    with merchant_scope(merchant):
        order = Order.objects.get(external_id="450789469")
    assert order.discount_codes == [{"code": "WELCOME5", "amount": "5.00", "type": ""}]
    assert (order.payment_gateways, order.exchange_for_rma) == (["stripe"], "RMA-7")
    bad = post_json(api, "/api/v1/orders", {**body, "discount_codes": [{"code": "", "amount": "-1"}]})
    assert bad.status_code == 400
    assert set(bad.json()) == {"discount_codes[0].code", "discount_codes[0].amount"}
    order.refresh_from_db()
    assert order.discount_codes == [{"code": "WELCOME5", "amount": "5.00", "type": ""}]


def test_another_merchants_order_is_404(other_api, merchant):
    order = shopify_order(merchant)
    assert other_api.get(f"/api/v1/orders/{order.pk}").status_code == 404
