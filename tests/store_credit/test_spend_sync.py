"""Spends the shop reports: a wallet's code on an order (a WooCommerce coupon line, a discount code) comes back
to the ledger once, from the shop's own webhook payloads (wire_formats.md §1.5, §2.5)."""

import logging
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.scoping import merchant_scope, unscoped
from integrations.shopify import adapter as shopify
from integrations.woocommerce import adapter as woo
from orders.events import event_record, events_publish_pending
from orders.models import Order, OrderEvent
from shop_actions.models import ShopAction
from store_credit.models import Wallet
from tests.factories import CustomerFactory, OrderFactory
from tests.integrations.fixtures import payload

from .conftest import entries_of, issue, wallet_of

pytestmark = pytest.mark.django_db

CODE = "k3v9x2m7q1pa"  # the coupon code in order_created_store_credit.json


@pytest.fixture(autouse=True)
def no_drain_tasks(monkeypatch):
    """Events are published by the test, with events_publish_pending, not by queued drains."""
    monkeypatch.setattr("orders.events.publish_request", lambda: None)


@pytest.fixture
def hugo(merchant):
    """The WooCommerce fixture's customer (customer_id 12), with €40 of credit whose coupon is CODE."""
    with merchant_scope(merchant):
        customer = CustomerFactory(merchant=merchant, external_id="12", email="hugo.bernard@example.org")
    issue(merchant, customer, "40.00", key="return:R-4750-1")
    with merchant_scope(merchant):
        Wallet.objects.filter(customer=customer).update(code=CODE, shop_reference="377", mirror_status="mirrored")
    return customer


def woo_order(merchant, **changes) -> Order:
    data = {**payload("woocommerce", "order_created_store_credit.json"), **changes}
    woo.handle_order(merchant, data)
    events_publish_pending()
    with merchant_scope(merchant):
        return Order.objects.get(external_id=str(data["id"]))


def spends(merchant, customer):
    return [(e.kind, e.amount, e.balance_after, e.source, e.source_ref) for e in entries_of(merchant, customer)[1:]]


def test_a_woocommerce_coupon_of_ours_on_an_order_is_recorded_as_a_spend(merchant, hugo):
    order = woo_order(merchant)

    # 25.00 + 5.00 of tax: the shop's prices include tax, and the coupon paid both.
    assert spends(merchant, hugo) == [("spent", Decimal("-30.00"), Decimal("10.00"), "shop", "#4811")]
    [entry] = entries_of(merchant, hugo)[1:]
    assert entry.key == f"shop_spend:{order.pk}:{CODE.upper()}"
    with merchant_scope(merchant):
        assert OrderEvent.objects.filter(kind="store_credit.spent", customer=hugo).count() == 1
        # The coupon keeps its amount in WooCommerce: it is set to what is left.
        action = ShopAction.objects.get(key=f"store_credit:{entry.key}")
    assert (action.payload["amount"], action.payload["balance_after"]) == ("-30.00", "10.00")


def test_the_same_order_delivered_again_or_updated_records_one_spend(merchant, hugo):
    order = woo_order(merchant)
    woo_order(merchant)  # the same webhook again
    woo_order(merchant, status="completed", date_modified_gmt="2025-04-03T09:00:00")  # an update
    with merchant_scope(merchant):  # an update that names the coupons as changed
        event_record(merchant=merchant, kind="order.updated", order=order, payload={"changed": ["discount_codes"]})
    events_publish_pending()

    assert spends(merchant, hugo) == [("spent", Decimal("-30.00"), Decimal("10.00"), "shop", "#4811")]
    assert wallet_of(merchant, hugo).balance == Decimal("10.00")


def test_a_spend_beyond_the_balance_is_recorded_and_flags_the_wallet_for_staff(merchant, hugo):
    coupon = {"id": 423, "code": CODE.upper(), "discount": "41.67", "discount_tax": "8.33", "meta_data": []}
    woo_order(merchant, coupon_lines=[coupon])

    wallet = wallet_of(merchant, hugo)
    assert (wallet.balance, wallet.overdrawn_at is not None) == (Decimal("-10.00"), True)
    with merchant_scope(merchant):
        action = ShopAction.objects.get(key__startswith="store_credit:shop_spend:")
    assert action.payload["balance_after"] == "-10.00"


def test_another_shops_wallet_with_the_same_code_never_matches(merchant, other_merchant, hugo):
    with merchant_scope(other_merchant):
        stranger = CustomerFactory(merchant=other_merchant, external_id="12", email="hugo.bernard@example.org")
    issue(other_merchant, stranger, "40.00", key="return:R-1-1")
    with merchant_scope(other_merchant):
        Wallet.objects.filter(customer=stranger).update(code="zz9x2m7q1paq")
    with merchant_scope(merchant):
        Wallet.objects.filter(customer=hugo).update(code="aa3v9x2m7q1p")  # CODE is now no wallet of this shop
    with merchant_scope(other_merchant):
        OrderFactory(merchant=other_merchant, discount_codes=[{"code": CODE, "amount": "30.00"}])

    woo_order(merchant, coupon_lines=[{"id": 1, "code": "zz9x2m7q1paq", "discount": "30.00", "discount_tax": "0.00"}])
    events_publish_pending()

    assert entries_of(other_merchant, stranger)[1:] == [] and entries_of(merchant, hugo)[1:] == []
    assert wallet_of(other_merchant, stranger).balance == wallet_of(merchant, hugo).balance == Decimal("40.00")


def test_a_code_that_is_no_wallets_is_left_alone(merchant, hugo):
    woo_order(merchant, coupon_lines=[{"id": 314, "code": "bienvenue", "discount": "3.00", "discount_tax": "0.00"}])
    assert entries_of(merchant, hugo)[1:] == []


def test_a_code_of_ours_on_an_order_in_another_currency_is_logged_not_recorded(merchant, hugo, caplog):
    with caplog.at_level(logging.WARNING, logger="store_credit.spend_sync"):
        woo_order(merchant, currency="USD")
    assert entries_of(merchant, hugo)[1:] == []
    assert "in USD, but that credit is in EUR" in caplog.text


def test_a_malformed_coupon_line_is_left_out_and_the_order_still_comes_in(merchant, hugo, caplog):
    lines = [
        "k3v9x2m7q1pa",
        {"id": 2, "code": "", "discount": "5.00"},
        {"id": 3, "code": CODE, "discount": "ten"},
        {"id": 4, "code": "bienvenue", "discount": "3.00", "discount_tax": "0.00"},
    ]
    with caplog.at_level(logging.WARNING, logger="integrations.shopify.adapter"):
        order = woo_order(merchant, coupon_lines=lines)

    assert order.discount_codes == [{"code": "bienvenue", "amount": "3.00", "type": ""}]
    assert [r.getMessage() for r in caplog.records] == [
        f"coupon_lines[{index}] cannot be read: left out of order 4811" for index in (0, 1, 2)
    ]
    assert entries_of(merchant, hugo)[1:] == []


def test_a_shopify_discount_code_of_ours_is_a_spend_the_shop_already_counted(merchant, hugo):
    data = {**payload("shopify", "orders_create.json")}
    data["discount_codes"] = [{"code": CODE.upper(), "amount": "12.00", "type": "fixed_amount"}]
    shopify.handle_order(merchant, "orders/create", data)
    events_publish_pending()

    assert [entry[:3] for entry in spends(merchant, hugo)] == [("spent", Decimal("-12.00"), Decimal("28.00"))]
    with merchant_scope(merchant):
        assert not ShopAction.objects.filter(key__startswith="store_credit:shop_spend:").exists()


def test_publishing_orders_with_codes_reads_the_wallets_once_per_batch(merchant, hugo):
    events_publish_pending()  # the credit's own event

    def queries_to_publish(count: int) -> int:
        with merchant_scope(merchant):
            for _ in range(count):
                order = OrderFactory(merchant=merchant, discount_codes=[{"code": "SPRING10", "amount": "5.00"}])
                event_record(merchant=merchant, kind="order.created", order=order)
        with CaptureQueriesContext(connection) as queries:
            assert events_publish_pending() == count
        return sum('FROM "store_credit_wallet"' in query["sql"] for query in queries.captured_queries)

    assert queries_to_publish(10) == queries_to_publish(20) == 1
    with unscoped():
        assert not OrderEvent.objects.filter(kind="store_credit.spent").exists()
