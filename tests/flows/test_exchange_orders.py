"""An exchange order the shop created for a return is no purchase: no confirmation, no journey, no "ordered again"."""

from datetime import UTC, datetime

import pytest

from core.scoping import merchant_scope
from flows.models import ScheduledMessage
from flows.rules import RuleInput, ordered_again, unscheduled_reason
from integrations.shopify import adapter as shopify
from integrations.woocommerce import adapter as woo
from orders.models import Order
from tests.integrations.fixtures import payload

from .helpers import place_order, publish_pending

pytestmark = pytest.mark.django_db


def scheduled(merchant, order) -> list[ScheduledMessage]:
    with merchant_scope(merchant):
        return list(ScheduledMessage.objects.filter(order=order))


def test_a_shopify_exchange_order_gets_no_confirmation_nor_journey(merchant):
    shopify.handle_order(
        merchant, "orders/create", {**payload("shopify", "orders_create.json"), "tags": "exchange:RMA-1042"}
    )
    regular = {**payload("shopify", "orders_create.json"), "id": 820982911946154999, "name": "#1002"}
    shopify.handle_order(merchant, "orders/create", regular)
    publish_pending(merchant)
    with merchant_scope(merchant):
        exchange, purchase = Order.objects.get(exchange_for_rma="RMA-1042"), Order.objects.get(number="#1002")
    assert scheduled(merchant, exchange) == []
    assert scheduled(merchant, purchase) != []  # the same shop's purchases are scheduled as before


def test_a_woocommerce_exchange_order_gets_no_confirmation_nor_journey(merchant):
    meta = [{"id": 2, "key": "_pp_exchange_rma", "value": "RMA-1042"}]
    woo.handle_order(merchant, {**payload("woocommerce", "order_created.json"), "meta_data": meta})
    publish_pending(merchant)
    with merchant_scope(merchant):
        order = Order.objects.get(exchange_for_rma="RMA-1042")
    assert scheduled(merchant, order) == []


def test_only_order_placed_is_kept_from_scheduling(merchant):
    order = Order(exchange_for_rma="RMA-1042")
    assert unscheduled_reason("order.created", order) == "exchange_order"
    assert unscheduled_reason("shipment.created", order) is None  # the exchange's parcel is still followed
    assert unscheduled_reason("order.created", Order(exchange_for_rma="")) is None


def test_an_exchange_is_not_ordering_again(merchant):
    first = place_order(merchant, external_id="1", placed_at=datetime(2025, 3, 1, tzinfo=UTC))
    exchange = place_order(merchant, external_id="2", placed_at=datetime(2025, 3, 9, tzinfo=UTC))
    with merchant_scope(merchant):
        Order.objects.filter(pk=exchange.pk).update(exchange_for_rma="RMA-1")
        data = RuleInput(order=Order.objects.get(pk=first.pk), anchor_at=first.placed_at, language="fr")
        assert ordered_again(data) is False
        Order.objects.filter(pk=exchange.pk).update(exchange_for_rma="")
        assert ordered_again(data) is True
