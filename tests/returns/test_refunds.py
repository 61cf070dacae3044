"""A resolved return refunds the customer in the shop, exactly once (returns/refunds.py, lifecycle.return_resolve)."""

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from core.scoping import merchant_scope, unscoped
from integrations import shop_calls
from integrations.shopify.adapter import handle_refund
from integrations.woocommerce import actions as woo_actions
from integrations.woocommerce.adapter import handle_order
from merchants.credentials import credential_set
from orders.models import Order, OrderEvent, Refund
from returns.eligibility import returnable_lines
from returns.lifecycle import ItemInput, ReturnStateError, return_approve, return_request_create, return_resolve
from returns.models import ReturnPolicy, ReturnRequest
from shop_actions import services as shop_action_services
from shop_actions.models import ShopAction
from tests.factories import LineItemFactory, OrderFactory
from tests.integrations.fixtures import payload
from tests.integrations.shop_http import ScriptedShop, answer
from tests.integrations.test_refund_adapters import PAYMENTS, REFUNDED, USER_ERRORS

PLACED = datetime.now(UTC) - timedelta(days=5)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def http(monkeypatch):
    shop = ScriptedShop()
    monkeypatch.setattr(shop_calls.requests, "request", shop)
    return shop


def make_order(merchant, platform="api"):
    with merchant_scope(merchant):
        order = OrderFactory(
            merchant=merchant,
            external_id="820982911946154508",
            number="#1042",
            placed_at=PLACED,
            source_platform=platform,
            subtotal=Decimal("100"),
            discount=Decimal("0"),
            total=Decimal("100"),
        )
        LineItemFactory(
            merchant=merchant,
            order=order,
            title="Candle",
            external_id="487817672276298554",
            unit_price=Decimal("30"),
            quantity=2,
        )
        LineItemFactory(
            merchant=merchant,
            order=order,
            title="Vase",
            external_id="487817672276298555",
            unit_price=Decimal("40"),
            quantity=1,
        )
    return order


def approved_return(order, quantity=1, fee=Decimal(0)):
    with merchant_scope(order.merchant):
        ReturnPolicy.objects.update_or_create(
            merchant=order.merchant, defaults={"methods": ["ship_yourself"], "fee": fee}
        )
        candle = order.line_items.get(title="Candle")
    request = return_request_create(
        order=order, items=[ItemInput(candle.pk, quantity, "too_big")], method="ship_yourself"
    )
    return return_approve(request=request)


def candles_returnable(order):
    with merchant_scope(order.merchant):
        return {r.line_item.title: r.quantity for r in returnable_lines(order, now=datetime.now(UTC))}["Candle"]


def candle(order):
    with merchant_scope(order.merchant):
        return order.line_items.get(title="Candle")


@pytest.fixture
def on_shopify(merchant):
    merchant.shopify_domain = "maison-lumiere.myshopify.com"
    merchant.default_language = "en"  # notes on the return are written in the merchant's language
    merchant.save()
    credential_set(merchant, "shopify_admin_token", "shpat_0123456789abcdef")
    return merchant


def webhook_refund(order, refund_id="930000000001", quantity=1, at="2026-03-02T10:15:00-05:00"):
    """refunds/create as Shopify sends it (wire_formats_2.md §1.2) for the refund of one candle."""
    return {
        "id": int(refund_id),
        "order_id": int(order.external_id),
        "created_at": at,
        "processed_at": at,
        "note": "Return R-1042-1",
        "restock": True,
        "refund_line_items": [
            {
                "id": 1,
                "line_item_id": 487817672276298554,
                "quantity": quantity,
                "restock_type": "return",
                "subtotal": 30.0,
                "total_tax": 0.0,
            }
        ],
        "transactions": [
            {
                "id": 3,
                "order_id": int(order.external_id),
                "kind": "refund",
                "gateway": "shopify_payments",
                "status": "success",
                "amount": "30.00",
                "currency": "EUR",
                "parent_id": 801038806,
            }
        ],
    }


# --- What resolving asks -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_resolving_asks_the_shop_once_for_the_refund_in_the_same_transaction(merchant):
    order = make_order(merchant)
    request = approved_return(order, quantity=2, fee=Decimal("5"))
    resolved = return_resolve(request=request)
    assert resolved.status == "resolved"
    with merchant_scope(merchant):
        action = ShopAction.objects.get()
        assert ReturnRequest.objects.get().refund_action == action
    assert (action.kind, action.platform, action.key, action.order) == (
        "refund",
        "manual",
        "return:R-1042-1:refund",
        order,
    )
    assert action.payload == {
        "order_external_id": "820982911946154508",
        "order_number": "#1042",
        "rma": "R-1042-1",
        "amount": "55.00",
        "currency": "EUR",
        "reason": "Retour R-1042-1",  # in the merchant's language, as the shop shows it
        "restock": True,
        "line_items": [
            {"line_item_id": candle(order).pk, "external_id": "487817672276298554", "quantity": 2, "amount": "55.00"}
        ],
    }
    with pytest.raises(ReturnStateError):
        return_resolve(request=request)
    with merchant_scope(merchant):
        assert ShopAction.objects.count() == 1


@pytest.mark.django_db
def test_nothing_to_refund_closes_at_once_without_asking_the_shop(merchant):
    order = make_order(merchant)
    request = approved_return(order, fee=Decimal("100"))  # the fee is capped at the items' amount
    assert return_resolve(request=request).status == "closed"
    with merchant_scope(merchant):
        assert not ShopAction.objects.exists()


# --- Shopify: done, failed, retried ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_shopify_refund_records_the_refund_and_closes_the_return(
    on_shopify, http, django_capture_on_commit_callbacks
):
    order = make_order(on_shopify, "shopify")
    request = approved_return(order)
    http.then(answer(200, PAYMENTS), answer(200, REFUNDED))
    with django_capture_on_commit_callbacks(execute=True):
        return_resolve(request=request)
    with merchant_scope(on_shopify):
        request.refresh_from_db()
        action = ShopAction.objects.get()
        refund = Refund.objects.get()
        kinds = list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))
    assert (action.status, action.platform, request.status, request.refund) == (
        "succeeded",
        "shopify",
        "closed",
        refund,
    )
    assert (refund.external_id, refund.amount, refund.source) == ("930000000001", Decimal("30.000"), "returns")
    assert refund.line_items == [{"line_item_id": candle(order).pk, "quantity": 1}]
    assert kinds.count("return.closed") == 1 and kinds.count("order.refunded") == 1
    assert candle(order).quantity_refunded == 1
    assert candles_returnable(order) == 1  # two bought, one returned and refunded: counted once


@pytest.mark.django_db
def test_the_shops_refunds_create_webhook_for_our_refund_adds_nothing(
    on_shopify, http, django_capture_on_commit_callbacks
):
    order = make_order(on_shopify, "shopify")
    http.then(answer(200, PAYMENTS), answer(200, REFUNDED))
    with django_capture_on_commit_callbacks(execute=True):
        return_resolve(request=approved_return(order))
    with merchant_scope(on_shopify):
        handle_refund(on_shopify, webhook_refund(order))
        handle_refund(on_shopify, webhook_refund(order))  # redelivered
        order.refresh_from_db()
        assert Refund.objects.count() == 1
    assert order.refunded_amount == Decimal("30")
    assert candle(order).quantity_refunded == 1
    assert candles_returnable(order) == 1


@pytest.mark.django_db
def test_when_the_webhook_comes_before_the_answer_the_refund_is_recorded_once(
    on_shopify, http, django_capture_on_commit_callbacks
):
    order = make_order(on_shopify, "shopify")
    request = approved_return(order)
    with merchant_scope(on_shopify):
        handle_refund(on_shopify, webhook_refund(order))  # Shopify notified us before our worker stored its answer
    http.then(answer(200, PAYMENTS), answer(200, REFUNDED))
    with django_capture_on_commit_callbacks(execute=True):
        return_resolve(request=request)
    with merchant_scope(on_shopify):
        request.refresh_from_db()
        order.refresh_from_db()
        assert Refund.objects.count() == 1 and request.refund == Refund.objects.get()
    assert request.status == "closed" and order.refunded_amount == Decimal("30")
    assert candle(order).quantity_refunded == 1 and candles_returnable(order) == 1


@pytest.mark.django_db
def test_a_refused_refund_leaves_the_return_resolved_and_staff_retry_it(
    on_shopify, http, django_capture_on_commit_callbacks
):
    order = make_order(on_shopify, "shopify")
    request = approved_return(order)
    http.then(answer(200, PAYMENTS), answer(200, USER_ERRORS))
    with django_capture_on_commit_callbacks(execute=True):
        return_resolve(request=request)
    with merchant_scope(on_shopify):
        request.refresh_from_db()
        action = ShopAction.objects.get()
        note = request.notes.last().text
        assert not Refund.objects.exists()
    assert (action.status, request.status) == ("failed", "resolved")
    assert "Amount cannot be greater than the refundable amount" in action.last_error
    assert "The refund failed" in note and "Amount cannot be greater" in note
    assert candles_returnable(order) == 1  # still counted as returned

    http.then(answer(200, PAYMENTS), answer(200, REFUNDED))
    with django_capture_on_commit_callbacks(execute=True):
        shop_action_services.shop_action_retry(action=action)
    with merchant_scope(on_shopify):
        request.refresh_from_db()
        assert Refund.objects.count() == 1
    assert request.status == "closed"
    assert http.sent[1].json["query"] == http.sent[3].json["query"]  # the same idempotency key


# --- Manual ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_shop_access_staff_refund_by_hand_and_confirm(merchant, owner, django_capture_on_commit_callbacks):
    merchant.default_language = "en"  # the instructions are written in the merchant's language
    merchant.save()
    order = make_order(merchant, "shopify")  # a Shopify shop that gave no token: manual
    request = approved_return(order)
    with django_capture_on_commit_callbacks(execute=True):
        return_resolve(request=request)
    with merchant_scope(merchant):
        action = ShopAction.objects.get()
    assert (action.platform, action.status) == ("manual", "waiting_for_staff")
    assert "Refund €30.00 on order #1042" in action.last_error
    shop_action_services.shop_action_confirm(action=action, result={"reference": "930000000001"}, confirmed_by=owner)
    with merchant_scope(merchant):
        request.refresh_from_db()
        handle_refund(merchant, webhook_refund(order))  # the shop's webhook for the refund staff made
        assert Refund.objects.count() == 1
    assert request.status == "closed" and request.refund.external_id == "930000000001"
    assert candles_returnable(order) == 1


@pytest.mark.django_db
def test_a_reference_typed_for_two_returns_records_two_refunds(merchant, owner, django_capture_on_commit_callbacks):
    order = make_order(merchant)
    first, second = approved_return(order), approved_return(order)
    with django_capture_on_commit_callbacks(execute=True):
        return_resolve(request=first)
        return_resolve(request=second)
    with merchant_scope(merchant):
        for action in ShopAction.objects.all():
            shop_action_services.shop_action_confirm(action=action, result={"reference": "done"}, confirmed_by=owner)
        external_ids = sorted(Refund.objects.values_list("external_id", flat=True))
    assert external_ids[0] == "done" and external_ids[1] in ("return:R-1042-1", "return:R-1042-2")
    assert candle(order).quantity_refunded == 2 and candles_returnable(order) == 0


# --- A refund done by hand in the shop: staff's reference and the shop's webhook ------------------------


def resolved_waiting_for_staff(merchant, django_capture_on_commit_callbacks):
    """A Shopify order's return, resolved: no shop access, so its refund waits for staff (manual)."""
    order = make_order(merchant, "shopify")
    request = approved_return(order)
    with django_capture_on_commit_callbacks(execute=True):
        return_resolve(request=request)
    return order, request


def confirm_by_hand(request, owner, reference, django_capture_on_commit_callbacks):
    with merchant_scope(request.merchant):
        action = ShopAction.objects.get(key=f"return:{request.rma}:refund")
        with django_capture_on_commit_callbacks(execute=True):
            shop_action_services.shop_action_confirm(action=action, result={"reference": reference}, confirmed_by=owner)


def shop_reports(order, refund_id, quantity=1, at=None):
    """Shopify's refunds/create for a refund staff made in its admin (no shop access given: a manual action)."""
    at = (at or datetime.now(UTC)).isoformat()
    with merchant_scope(order.merchant):
        handle_refund(order.merchant, webhook_refund(order, refund_id=refund_id, quantity=quantity, at=at))


def refunds_of(order):
    with merchant_scope(order.merchant):
        order.refresh_from_db()
        return sorted(Refund.objects.filter(order=order).values_list("external_id", "other_external_id", "amount"))


@pytest.mark.django_db
def test_staff_confirming_first_then_the_shops_webhook_records_the_refund_once(
    merchant, owner, django_capture_on_commit_callbacks
):
    order, request = resolved_waiting_for_staff(merchant, django_capture_on_commit_callbacks)
    confirm_by_hand(request, owner, "RF-88", django_capture_on_commit_callbacks)
    shop_reports(order, "930000000001")  # the refund staff made in Shopify's admin, under Shopify's id
    shop_reports(order, "930000000001")  # redelivered

    assert refunds_of(order) == [("RF-88", "930000000001", Decimal("30.00"))]
    assert order.refunded_amount == Decimal("30") and candle(order).quantity_refunded == 1
    assert candles_returnable(order) == 1
    with merchant_scope(merchant):
        request.refresh_from_db()
        assert request.status == "closed" and request.refund.external_id == "RF-88"
        assert OrderEvent.objects.filter(order=order, kind="order.refunded").count() == 1


@pytest.mark.django_db
def test_the_shops_webhook_first_then_staff_confirming_records_the_refund_once(
    merchant, owner, django_capture_on_commit_callbacks
):
    order, request = resolved_waiting_for_staff(merchant, django_capture_on_commit_callbacks)
    shop_reports(order, "930000000001")  # staff refunded in Shopify; its webhook came before they confirmed
    confirm_by_hand(request, owner, "RF-88", django_capture_on_commit_callbacks)

    assert refunds_of(order) == [("930000000001", "RF-88", Decimal("30.00"))]
    assert order.refunded_amount == Decimal("30") and candle(order).quantity_refunded == 1
    with merchant_scope(merchant):
        request.refresh_from_db()
        assert request.status == "closed" and request.refund.external_id == "930000000001"


@pytest.mark.django_db
def test_a_second_refund_of_the_same_amount_and_items_is_still_recorded(
    merchant, owner, django_capture_on_commit_callbacks
):
    order, request = resolved_waiting_for_staff(merchant, django_capture_on_commit_callbacks)
    confirm_by_hand(request, owner, "RF-88", django_capture_on_commit_callbacks)
    shop_reports(order, "930000000001")  # the return's refund, matched to staff's reference
    shop_reports(order, "930000000002")  # the shop refunds the other candle too: a refund of its own

    assert refunds_of(order) == [
        ("930000000002", "", Decimal("30.00")),
        ("RF-88", "930000000001", Decimal("30.00")),
    ]
    assert order.refunded_amount == Decimal("60") and candle(order).quantity_refunded == 2


@pytest.mark.django_db
def test_a_refund_of_other_items_or_weeks_apart_is_not_taken_for_the_same(
    merchant, owner, django_capture_on_commit_callbacks
):
    order, request = resolved_waiting_for_staff(merchant, django_capture_on_commit_callbacks)
    shop_reports(order, "930000000009", at=datetime.now(UTC) - timedelta(days=20))  # an older refund
    confirm_by_hand(request, owner, "RF-88", django_capture_on_commit_callbacks)
    assert [external_id for external_id, _other, _amount in refunds_of(order)] == ["930000000009", "RF-88"]
    assert order.refunded_amount == Decimal("60")


# --- Two staff at once, on the real database -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_staff_resolving_at_once_make_one_action_and_one_refund(on_shopify, http):
    order = make_order(on_shopify, "shopify")
    request = approved_return(order)
    with unscoped():  # both staff loaded the return before either pressed the button
        copies = [ReturnRequest.objects.get(pk=request.pk), ReturnRequest.objects.get(pk=request.pk)]
    http.then(answer(200, PAYMENTS), answer(200, REFUNDED))
    barrier, outcomes = threading.Barrier(2), []

    def staff(copy):
        try:
            barrier.wait()
            outcomes.append(return_resolve(request=copy).status)
        except ReturnStateError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=staff, args=(copy,)) for copy in copies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "resolved"]
    with unscoped():
        assert ShopAction.objects.count() == 1 and Refund.objects.count() == 1
        assert ReturnRequest.objects.get().status == "closed"
    assert [sent.json["query"].split("(")[0].split()[-1] for sent in http.sent] == ["OrderPayments", "RefundForReturn"]


# --- WooCommerce: its order webhooks list our refund, without items ---------------------------------

WOO_CREATED = {
    "id": 4761,
    "amount": "16.50",
    "reason": "Return R-4750-1",
    "refunded_payment": True,
    "meta_data": [{"id": 1, "key": "_pp_idempotency_key", "value": "return:R-4750-1:refund"}],
    "line_items": [
        {"id": 320, "quantity": -1, "total": "-16.50", "meta_data": [{"key": "_refunded_item_id", "value": "311"}]}
    ],
}


@pytest.fixture
def woo_order(merchant, monkeypatch):
    merchant.woocommerce_url = "https://shop.maison-lumiere.example"
    merchant.default_language = "en"
    merchant.save()
    credential_set(merchant, "woocommerce_consumer_key", "ck_live")
    credential_set(merchant, "woocommerce_consumer_secret", "cs_live")
    monkeypatch.setattr(woo_actions, "vet_url", lambda url: None)  # no DNS in tests
    with merchant_scope(merchant):
        handle_order(merchant, payload("woocommerce", "order_created.json"))  # 2 candles (item 311) at 16.50
        ReturnPolicy.objects.create(merchant=merchant, methods=["ship_yourself"], window_days=5000)
        order = Order.objects.get(external_id="4750")
        line = order.line_items.get(external_id="311")
    request = return_approve(
        request=return_request_create(order=order, items=[ItemInput(line.pk, 1, "too_big")], method="ship_yourself")
    )
    return order, line, request


def woo_refund_webhook(merchant):
    body = payload("woocommerce", "order_created.json")
    body["refunds"] = [{"id": 4761, "reason": "Return R-4750-1", "total": "-16.50"}]
    with merchant_scope(merchant):
        handle_order(merchant, body)


def returnable(order, line):
    with merchant_scope(order.merchant):
        return {r.line_item.pk: r.quantity for r in returnable_lines(order, now=datetime.now(UTC))}[line.pk]


@pytest.mark.django_db
def test_a_woocommerce_refund_is_recorded_once_whichever_comes_first(
    merchant, woo_order, http, django_capture_on_commit_callbacks
):
    order, line, request = woo_order
    http.then(answer(200, []), answer(201, WOO_CREATED))
    with django_capture_on_commit_callbacks(execute=True):
        return_resolve(request=request)
    woo_refund_webhook(merchant)  # order.updated after our refund, listing it
    woo_refund_webhook(merchant)  # and redelivered
    with merchant_scope(merchant):
        request.refresh_from_db()
        order.refresh_from_db()
        line.refresh_from_db()
        assert Refund.objects.count() == 1 and request.refund.external_id == "4761"
    assert request.status == "closed" and order.refunded_amount == Decimal("16.50")
    assert line.quantity_refunded == 1 and returnable(order, line) == 1


@pytest.mark.django_db
def test_a_woocommerce_webhook_before_our_answer_still_counts_the_items_once(
    merchant, woo_order, http, django_capture_on_commit_callbacks
):
    order, line, request = woo_order
    woo_refund_webhook(merchant)  # WooCommerce told us before our worker stored its answer: no items listed
    http.then(answer(200, []), answer(201, WOO_CREATED))
    with django_capture_on_commit_callbacks(execute=True):
        return_resolve(request=request)
    with merchant_scope(merchant):
        request.refresh_from_db()
        line.refresh_from_db()
        assert Refund.objects.count() == 1 and request.refund.line_items == []
    assert request.status == "closed" and line.quantity_refunded == 0
    assert returnable(order, line) == 1  # the return still counts its candle: 2 bought, 1 returned


@pytest.mark.django_db
def test_staff_confirm_a_manual_refund_on_the_shop_actions_page(
    merchant, staff_client, django_capture_on_commit_callbacks
):
    merchant.default_language = "en"
    merchant.save()
    order = make_order(merchant)
    request = approved_return(order)
    with django_capture_on_commit_callbacks(execute=True):
        return_resolve(request=request)
    with merchant_scope(merchant):
        action = ShopAction.objects.get()
    page = staff_client.get(reverse("shop_actions:detail", kwargs={"pk": action.pk})).text
    assert "Refund €30.00 on order #1042" in page
    confirm = reverse("shop_actions:confirm", kwargs={"pk": action.pk})
    assert staff_client.post(confirm, {"reference": ""}).status_code == 400  # a reference is required
    with merchant_scope(merchant):
        request.refresh_from_db()
        assert request.status == "resolved" and not Refund.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.post(confirm, {"reference": "  #R-88 "}).status_code == 302
        assert staff_client.post(confirm, {"reference": "#R-88"}).status_code == 409  # a double submit
    with merchant_scope(merchant):
        request.refresh_from_db()
        assert Refund.objects.count() == 1
    assert request.status == "closed" and request.refund.external_id == "#R-88"
