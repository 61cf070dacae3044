"""Exchange for another variant of the same item (returns/exchanges.py, catalogue/reservations.py)."""

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import requests
from django.db import connection
from django.test import Client
from django.utils import translation

from catalogue.models import Product, Reservation, Variant
from core.scoping import merchant_scope
from integrations import shop_calls
from integrations.woocommerce import actions as woo_actions
from merchants.credentials import credential_set
from orders import events
from orders.models import OrderEvent
from orders.services import LineItemInput, OrderInput, order_upsert
from portal.links import order_token
from returns.exchanges import exchange_key
from returns.lifecycle import (
    ItemInput,
    ReturnStateError,
    ReturnValidationError,
    return_approve,
    return_cancel,
    return_exchange_fallback,
    return_move,
    return_receive,
    return_reject,
    return_reopen,
    return_request_create,
    return_resolution_change,
    return_resolve,
)
from returns.models import ReturnPolicy, ReturnRequest
from shop_actions import services as shop_action_services
from shop_actions.adapters import adapter_for
from shop_actions.models import ShopAction
from store_credit.models import Entry
from tests.factories import CustomerFactory, LineItemFactory, MerchantFactory, OrderFactory
from tests.integrations.shop_http import ScriptedShop, answer
from tracking.services import shipment_upsert

pytestmark = pytest.mark.django_db
PLACED = datetime.now(UTC) - timedelta(days=5)
# (variant id, title, price, stock, active): the shirt was bought in M.
SIZES = [
    ("V-M", "M", "30", 5, True),
    ("V-S", "S", "30", 1, True),
    ("V-XS", "XS", "25", 3, True),
    ("V-L", "L", "35", 2, True),
    ("V-XL", "XL", "30", 0, True),
    ("V-XXL", "XXL", "30", 4, False),
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def catalogue(merchant, product_id="P-SHIRT", sizes=SIZES):
    with merchant_scope(merchant):
        product = Product.objects.create(merchant=merchant, product_id=product_id, title="Linen shirt", source="api")
        for position, (variant_id, title, price, stock, active) in enumerate(sizes):
            Variant.objects.create(
                merchant=merchant,
                product=product,
                variant_id=variant_id,
                sku=f"SHIRT-{title}",
                title=title,
                position=position,
                price=Decimal(price),
                currency="EUR",
                available=stock,
                active=active,
            )
    return product


def variant(merchant, variant_id):
    with merchant_scope(merchant):
        return Variant.objects.get(merchant=merchant, variant_id=variant_id)


@pytest.fixture
def policy(merchant):
    merchant.default_language = "en"
    merchant.save()
    catalogue(merchant)
    with merchant_scope(merchant):
        return ReturnPolicy.objects.create(
            merchant=merchant,
            methods=["ship_yourself"],
            fee=Decimal("4"),
            resolutions=["exchange_variant", "store_credit", "refund"],
        )


def make_order(merchant, *, guest=False, external_id="820982911946154508", quantity=1):
    with merchant_scope(merchant):
        order = OrderFactory(
            merchant=merchant,
            customer=None if guest else CustomerFactory(merchant=merchant),
            external_id=external_id,
            number=f"#{external_id[-4:]}",
            placed_at=PLACED,
            discount=Decimal(0),
            shipping_name="Jane Martin",
            shipping_address1="12 rue des Lilas",
            shipping_city="Lyon",
        )
        LineItemFactory(
            merchant=merchant,
            order=order,
            title="Linen shirt",
            product_id="P-SHIRT",
            variant_id="V-M",
            variant_title="M",
            unit_price=Decimal("30"),
            quantity=quantity,
        )
    return order


@pytest.fixture
def order(policy, merchant):
    return make_order(merchant)


def shirt(order):
    with merchant_scope(order.merchant):
        return order.line_items.get()


def exchange(order, variant_pk, quantity=1, submission_key=""):
    return return_request_create(
        order=order,
        items=[ItemInput(shirt(order).pk, quantity, "too_big", exchange_variant_id=variant_pk)],
        method="ship_yourself",
        resolution="exchange_variant",
        submission_key=submission_key,
    )


def reservations(merchant):
    with merchant_scope(merchant):
        return list(
            Reservation.objects.filter(merchant=merchant).values_list("variant__variant_id", "quantity", "status")
        )


def actions(merchant):
    with merchant_scope(merchant):
        return list(ShopAction.objects.filter(merchant=merchant, kind="exchange_order"))


def received(request):
    with merchant_scope(request.merchant):
        inspections = {pk: "as_expected" for pk in request.items.values_list("pk", flat=True)}
    return return_receive(request=request, inspections=inspections)


# --- Choosing and reserving ------------------------------------------------------------------------


def test_an_exchange_at_the_same_price_reserves_the_new_size_and_costs_nothing(order, merchant):
    small = variant(merchant, "V-S")
    request = exchange(order, small.pk)
    with merchant_scope(merchant):
        item = request.items.get()
        data = ReturnRequest.objects.get().exchange_status
    assert (request.resolution, request.fee, request.refund_amount, request.credit_amount) == (
        "exchange_variant",
        Decimal(0),
        Decimal(0),
        Decimal(0),
    )
    assert (item.exchange_variant, item.exchange_unit_price, data) == (small, Decimal("30"), "reserved")
    assert reservations(merchant) == [("V-S", 1, "active")]
    from returns.payloads import return_data

    with merchant_scope(merchant):
        shown = return_data(ReturnRequest.objects.get())["exchange_order"]
    assert shown == {
        "id": None,
        "status": "reserved",
        "items": [
            {
                "line_item_id": shirt(order).pk,
                "variant_id": "V-S",
                "sku": "SHIRT-S",
                "title": "S",
                "quantity": 1,
                "unit_price": "30.00",
            }
        ],
        "amount_due": "0.00",
        "payment_url": "",
    }


def test_a_cheaper_size_leaves_the_difference_as_store_credit(policy, merchant):
    order = make_order(merchant, quantity=2)
    request = exchange(order, variant(merchant, "V-XS").pk, quantity=2)
    assert (request.credit_amount, request.bonus_amount, request.fee) == (Decimal("10"), Decimal(0), Decimal(0))


def _other_shops_variant():
    other = MerchantFactory()
    catalogue(other)
    return variant(other, "V-S").pk


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        (lambda m: variant(m, "V-XL").pk, "is out of stock"),
        (lambda m: variant(m, "V-XXL").pk, "not another version of “Linen shirt” on sale"),
        (lambda m: variant(m, "V-OTHER").pk, "not another version of “Linen shirt” on sale"),
        (lambda m: variant(m, "V-M").pk, "not another version of “Linen shirt” on sale"),
        (lambda m: variant(m, "V-L").pk, "costs more than the item you return"),
        (lambda m: 0, "not another version of “Linen shirt” on sale"),
        (lambda m: 987654321, "not another version of “Linen shirt” on sale"),
        (lambda m: _other_shops_variant(), "not another version of “Linen shirt” on sale"),
        (lambda m: None, "Choose the size or colour you want instead of “Linen shirt”"),
    ],
    ids=["sold-out", "inactive", "other-product", "same-variant", "dearer", "forged", "unknown", "other-shop", "none"],
)
def test_a_variant_the_portal_does_not_offer_is_refused_and_nothing_is_stored(order, merchant, chosen, message):
    catalogue(merchant, "P-VASE", [("V-OTHER", "Vase", "30", 9, True)])
    with pytest.raises(ReturnValidationError) as refused:
        exchange(order, chosen(merchant))
    assert message in refused.value.errors["items[0]"]
    with merchant_scope(merchant):
        assert not ReturnRequest.objects.exists()
    assert reservations(merchant) == []


def test_a_guest_exchanges_at_the_same_price_but_not_for_credit(policy, merchant):
    order = make_order(merchant, guest=True)
    with pytest.raises(ReturnValidationError) as refused:
        exchange(order, variant(merchant, "V-XS").pk)
    assert "needs a customer account" in refused.value.errors["resolution"]
    assert exchange(order, variant(merchant, "V-S").pk).exchange_status == "reserved"


def test_the_same_form_submitted_twice_makes_one_exchange_and_one_reservation(order, merchant):
    first = exchange(order, variant(merchant, "V-S").pk, submission_key="a" * 32)
    second = exchange(order, variant(merchant, "V-S").pk, submission_key="a" * 32)
    assert first.pk == second.pk
    assert reservations(merchant) == [("V-S", 1, "active")]


def test_a_reserved_unit_is_no_longer_offered_to_the_next_customer(order, merchant):
    exchange(order, variant(merchant, "V-S").pk)  # the last S
    other = make_order(merchant, external_id="820982911946150000")
    with pytest.raises(ReturnValidationError) as refused:
        exchange(other, variant(merchant, "V-S").pk)
    assert "out of stock" in refused.value.errors["items[0]"]


@pytest.mark.django_db(transaction=True)
def test_two_customers_confirming_the_last_unit_at_once_one_gets_it(policy, merchant):
    orders = [make_order(merchant, external_id=f"82098291194615{n:04d}") for n in range(2)]
    small = variant(merchant, "V-S")
    barrier, outcomes = threading.Barrier(2), []

    def confirm(order):
        try:
            barrier.wait()
            outcomes.append(exchange(order, small.pk))
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test reads
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    made = [o for o in outcomes if isinstance(o, ReturnRequest)]
    refused = [o for o in outcomes if isinstance(o, ReturnValidationError)]
    assert len(made) == 1 and len(refused) == 1, outcomes
    assert "S" in refused[0].errors["items[0]"] and (
        "sold out" in refused[0].errors["items[0]"] or "out of stock" in refused[0].errors["items[0]"]
    )
    assert reservations(merchant) == [("V-S", 1, "active")]
    with merchant_scope(merchant):
        assert ReturnRequest.objects.count() == 1


# --- When the exchange order is asked for --------------------------------------------------------------


def test_by_default_the_exchange_order_is_asked_for_when_the_return_is_received(order, merchant):
    request = return_approve(request=exchange(order, variant(merchant, "V-S").pk))
    assert actions(merchant) == []
    received(request)
    (action,) = actions(merchant)
    with merchant_scope(merchant):
        request.refresh_from_db()
    assert (action.kind, action.key, action.platform, request.exchange_action) == (
        "exchange_order",
        exchange_key(request),
        "manual",
        action,
    )
    assert request.exchange_status == "requested"
    assert action.payload == {
        "rma": request.rma,
        "order_external_id": "820982911946154508",
        "customer_external_id": order.customer.external_id,
        "email": order.email,
        "currency": "EUR",
        "lines": [{"variant_external_id": "V-S", "sku": "SHIRT-S", "title": "Linen shirt, S", "quantity": 1}],
        "shipping_address": {
            "name": "Jane Martin",
            "address1": "12 rue des Lilas",
            "address2": "",
            "city": "Lyon",
            "postal_code": "75011",
            "country": "FR",
        },
        "note": f"Exchange for return {request.rma}",
    }


def test_at_the_first_scan_when_the_policy_says_so(order, merchant, policy):
    policy.exchange_ships = "first_scan"
    policy.save()
    request = return_approve(request=exchange(order, variant(merchant, "V-S").pk))
    assert actions(merchant) == []
    return_move(request=request, to="in_transit", text="The carrier scanned the parcel.")
    assert len(actions(merchant)) == 1
    received(request)  # the receipt asks nothing more
    assert len(actions(merchant)) == 1


def test_an_instant_exchange_is_ordered_on_approval_for_customers_below_the_limit(order, merchant, policy):
    policy.exchange_ships, policy.exchange_instant_max_returns = "instant", 1
    policy.save()
    first = return_approve(request=exchange(order, variant(merchant, "V-S").pk))
    assert len(actions(merchant)) == 1 and first.exchange_status == "requested"
    # The same customer's second return: one return already, so theirs waits for the parcel's first scan.
    with merchant_scope(merchant):
        again = OrderFactory(merchant=merchant, customer=order.customer, placed_at=PLACED, discount=Decimal(0))
        LineItemFactory(merchant=merchant, order=again, product_id="P-SHIRT", variant_id="V-M", unit_price=Decimal(30))
    second = return_approve(request=exchange(again, variant(merchant, "V-XS").pk))
    assert len(actions(merchant)) == 1 and second.exchange_status == "reserved"
    return_move(request=second, to="in_transit")
    assert len(actions(merchant)) == 2


def test_a_size_sold_out_meanwhile_is_shown_and_the_customer_takes_a_refund(order, merchant):
    request = return_approve(request=exchange(order, variant(merchant, "V-S").pk))
    with merchant_scope(merchant):
        Variant.objects.filter(variant_id="V-S").update(available=0)  # sold in the shop meanwhile
    request = received(request)
    with merchant_scope(merchant):
        request.refresh_from_db()
        note = request.notes.last().text
        kinds = list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))
    assert request.exchange_status == "sold_out" and actions(merchant) == []
    assert "sold out" in note and "exchange.sold_out" in kinds
    assert reservations(merchant) == [("V-S", 1, "released")]
    with pytest.raises(ReturnStateError, match="sold out"):
        return_resolve(request=request)
    with pytest.raises(ReturnValidationError):
        return_exchange_fallback(request=request, resolution="shop_now")
    changed = return_exchange_fallback(request=request, resolution="refund")
    assert (changed.resolution, changed.refund_amount, changed.fee) == ("refund", Decimal("26"), Decimal("4"))
    with pytest.raises(ReturnStateError):
        return_exchange_fallback(request=changed, resolution="store_credit")


def test_resolving_closes_the_exchange_and_issues_what_a_cheaper_size_leaves(order, merchant):
    request = received(return_approve(request=exchange(order, variant(merchant, "V-XS").pk)))
    closed = return_resolve(request=request)
    with merchant_scope(merchant):
        (entry,) = Entry.objects.filter(merchant=merchant)
    assert (closed.status, closed.credit_entry, entry.amount) == ("closed", entry, Decimal("5"))
    assert len(actions(merchant)) == 1  # asked once, when received


def test_staff_resolving_before_the_parcel_asks_for_the_exchange_order_once(order, merchant):
    request = return_approve(request=exchange(order, variant(merchant, "V-S").pk))
    assert return_resolve(request=request).status == "closed"
    assert len(actions(merchant)) == 1


def kept_exchange(order, policy, variant_pk):
    """The customer keeps the shirt (worth less than the shop's keep-it limit) and gets another size."""
    policy.methods, policy.keep_it_below = ["ship_yourself", "keep_it"], Decimal("50")
    policy.save()
    return return_request_create(
        order=order,
        items=[ItemInput(shirt(order).pk, 1, "too_big", exchange_variant_id=variant_pk)],
        method="keep_it",
        resolution="exchange_variant",
    )


def test_a_kept_items_exchange_is_ordered_and_closed_when_approved_once(order, merchant, policy):
    request = kept_exchange(order, policy, variant(merchant, "V-XS").pk)  # €5 cheaper: €5 of credit
    assert request.status == "requested" and actions(merchant) == []
    closed = return_approve(request=request)
    assert (closed.status, closed.exchange_status) == ("closed", "requested")
    with pytest.raises(ReturnStateError):
        return_approve(request=request)  # a double click
    with pytest.raises(ReturnStateError):
        return_resolve(request=closed)
    (action,) = actions(merchant)
    assert action.key == exchange_key(request) and action.payload["lines"][0]["variant_external_id"] == "V-XS"
    with merchant_scope(merchant):
        (entry,) = Entry.objects.filter(merchant=merchant)
        statuses = list(closed.notes.exclude(status="").values_list("status", flat=True))
        assert not ShopAction.objects.filter(kind="refund").exists()  # nothing to refund, nothing ships back
        assert closed.shipment is None and closed.label_url == ""
    assert entry.amount == Decimal("5") and statuses == ["requested", "approved", "resolved", "closed"]


def test_a_kept_items_exchange_sold_out_at_approval_waits_for_the_customers_other_choice(order, merchant, policy):
    request = kept_exchange(order, policy, variant(merchant, "V-S").pk)
    with merchant_scope(merchant):
        Variant.objects.filter(variant_id="V-S").update(available=0)  # sold in the shop meanwhile
    approved = return_approve(request=request)
    assert (approved.status, approved.exchange_status, actions(merchant)) == ("approved", "sold_out", [])
    html = Client().get(f"/returns/{order_token(order)}/{request.rma}/?lang=en").content.decode()
    assert "Keep the items: you do not need to send anything back." in html and "Your refund follows" not in html
    refunded = return_exchange_fallback(request=approved, resolution="refund")
    assert (refunded.status, refunded.refund_amount, refunded.fee) == ("resolved", Decimal("30"), Decimal(0))
    with merchant_scope(merchant):
        (refund,) = ShopAction.objects.filter(kind="refund")
    assert refund.payload["restock"] is False  # kept: nothing comes back to the shelves


def test_a_cancelled_exchange_releases_its_units(order, merchant):
    request = exchange(order, variant(merchant, "V-S").pk)
    return_cancel(request=request)
    assert reservations(merchant) == [("V-S", 1, "released")]


def test_a_reopened_exchange_takes_its_units_again(order, merchant):
    request = exchange(order, variant(merchant, "V-S").pk)
    return_cancel(request=request)
    reopened = return_reopen(request=request)
    assert (reopened.status, reopened.exchange_status) == ("requested", "reserved")
    assert reservations(merchant) == [("V-S", 1, "active")]
    # Taken again, it is what the exchange order is made from.
    received(return_approve(request=reopened))
    assert len(actions(merchant)) == 1


def test_a_reopened_exchange_whose_size_sold_out_meanwhile_offers_credit_or_a_refund(order, merchant):
    request = exchange(order, variant(merchant, "V-S").pk)
    return_reject(request=request, reason="No tag on it")
    exchange(make_order(merchant, external_id="820982911946150001"), variant(merchant, "V-S").pk)  # the last S
    reopened = return_reopen(request=request)
    assert (reopened.status, reopened.exchange_status, reopened.rejection_reason) == ("requested", "sold_out", "")
    assert sorted(reservations(merchant)) == [("V-S", 1, "active"), ("V-S", 1, "released")]
    with merchant_scope(merchant):
        told = OrderEvent.objects.filter(order=order, kind="exchange.sold_out").count()
    assert told == 1
    assert return_exchange_fallback(request=reopened, resolution="refund").resolution == "refund"


def test_staff_reopen_a_rejected_return_of_their_shop_only(order, merchant, staff_client, other_merchant):
    request = exchange(order, variant(merchant, "V-S").pk)
    page = staff_client.get(f"/app/returns/{request.pk}/").content.decode()
    assert "Reopen the return" not in page
    assert staff_client.post(f"/app/returns/{request.pk}/reopen/").status_code == 409  # requested: nothing to reopen
    return_reject(request=request, reason="No tag on it")
    assert "Reopen the return" in staff_client.get(f"/app/returns/{request.pk}/").content.decode()
    catalogue(other_merchant)
    with merchant_scope(other_merchant):
        ReturnPolicy.objects.create(
            merchant=other_merchant, methods=["ship_yourself"], resolutions=["exchange_variant"]
        )
    theirs = exchange(make_order(other_merchant, external_id="820982911946150002"), variant(other_merchant, "V-S").pk)
    return_reject(request=theirs, reason="No tag on it")
    assert staff_client.post(f"/app/returns/{theirs.pk}/reopen/").status_code == 404
    with merchant_scope(other_merchant):
        assert ReturnRequest.objects.get(pk=theirs.pk).status == "rejected"
    assert staff_client.post(f"/app/returns/{request.pk}/reopen/").status_code == 302
    with merchant_scope(merchant):
        request.refresh_from_db()
    assert (request.status, request.exchange_status) == ("requested", "reserved")
    assert reservations(merchant) == [("V-S", 1, "active")]


def test_staff_cannot_make_a_return_an_exchange_nor_undo_one_already_ordered(order, merchant):
    with merchant_scope(merchant):
        line = shirt(order)
    plain = return_request_create(
        order=order, items=[ItemInput(line.pk, 1, "too_big")], method="ship_yourself", resolution="refund"
    )
    with pytest.raises(ReturnValidationError, match="Only the customer chooses an exchange"):
        return_resolution_change(request=plain, resolution="exchange_variant")
    return_cancel(request=plain)
    ordered = received(return_approve(request=exchange(order, variant(merchant, "V-S").pk)))
    with pytest.raises(ReturnStateError, match="asked of the shop already"):
        return_resolution_change(request=ordered, resolution="refund")


# --- The shop's exchange order ---------------------------------------------------------------------------


@pytest.fixture
def http(monkeypatch):
    shop = ScriptedShop()
    monkeypatch.setattr(shop_calls.requests, "request", shop)
    return shop


@pytest.fixture
def on_woo(merchant, monkeypatch):
    merchant.woocommerce_url = "https://shop.maison-lumiere.example"
    merchant.save()
    credential_set(merchant, "woocommerce_consumer_key", "ck_live")
    credential_set(merchant, "woocommerce_consumer_secret", "cs_live")
    monkeypatch.setattr(woo_actions, "vet_url", lambda url: None)  # no DNS in tests
    return merchant


def woo_exchange_order(merchant, policy):
    order = make_order(merchant)
    with merchant_scope(merchant):
        order.source_platform = "woocommerce"
        order.save()
    return order


def test_a_timeout_is_retried_visibly_and_the_exchange_order_is_made_once(
    on_woo, policy, http, django_capture_on_commit_callbacks
):
    order = woo_exchange_order(on_woo, policy)
    request = return_approve(request=exchange(order, variant(on_woo, "V-S").pk))
    http.then(requests.Timeout("read timed out"))
    with django_capture_on_commit_callbacks(execute=True):
        received(request)
    (action,) = actions(on_woo)
    assert (action.platform, action.status, action.attempt_count) == ("woocommerce", "pending", 1)
    assert action.last_error  # staff see why on the action's page
    with merchant_scope(on_woo):
        request.refresh_from_db()
    assert request.exchange_status == "requested"

    made = {"id": 4810, "number": "4810", "meta_data": [{"key": "_pp_exchange_rma", "value": request.rma}]}
    http.then(answer(200, []), answer(201, made))
    with merchant_scope(on_woo):
        ShopAction.objects.filter(pk=action.pk).update(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        shop_action_services.shop_actions_claim_due()
    posts = [sent for sent in http.sent if sent.method == "POST"]
    assert len(posts) == 1  # the timed-out attempt never reached the shop's order list: one order
    with merchant_scope(on_woo):
        action.refresh_from_db()
        request.refresh_from_db()
        kinds = list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))
    assert (action.status, request.exchange_status) == ("succeeded", "created")
    assert kinds.count("exchange.created") == 1
    assert reservations(on_woo) == [("V-S", 1, "used")]

    # A worker that lost the answer asks again: the shop's order is found by its mark, none is made.
    http.then(answer(200, [made]))
    again = adapter_for("woocommerce").perform(
        merchant=on_woo, action_kind="exchange_order", payload=action.payload, idempotency_key=action.key
    )
    assert again["order_external_id"] == "4810"
    assert len([sent for sent in http.sent if sent.method == "POST"]) == 1


def test_the_exchange_order_is_linked_when_it_comes_back_and_its_parcel_ships_it(order, merchant):
    request = received(return_approve(request=exchange(order, variant(merchant, "V-S").pk)))
    events.events_publish_pending()
    exchange_input = OrderInput(
        external_id="9000001",
        number="#9001",
        placed_at=datetime.now(UTC),
        currency="EUR",
        total=Decimal(0),
        line_items=[LineItemInput(title="Linen shirt", quantity=1, unit_price=Decimal(0), variant_id="V-S")],
        email=order.email,
        exchange_for_rma=request.rma,
    )
    new_order, _created = order_upsert(merchant=merchant, data=exchange_input)
    events.events_publish_pending()
    with merchant_scope(merchant):
        request.refresh_from_db()
    assert request.exchange_order == new_order
    with merchant_scope(merchant):
        shipment_upsert(merchant=merchant, order=new_order, tracking_number="1Z999AA10123456784")
        shipment_upsert(merchant=merchant, order=new_order, tracking_number="1Z999AA10123456793")  # a second parcel
    events.events_publish_pending()
    with merchant_scope(merchant):
        request.refresh_from_db()
        shipped = list(OrderEvent.objects.filter(order=order, kind="exchange.shipped"))
    assert request.exchange_status == "sent" and len(shipped) == 1
    assert shipped[0].payload["exchange_shipment"]["tracking_number"] == "1Z999AA10123456784"
    assert shipped[0].payload["exchange_order"]["id"] == new_order.pk


# --- The portal and the API ----------------------------------------------------------------------------


def test_the_portal_offers_the_other_sizes_with_the_unavailable_ones_disabled(order, merchant):
    html = Client().get(f"/returns/{order_token(order)}/?lang=en").content.decode()
    small, sold_out, dearer = (variant(merchant, v) for v in ("V-S", "V-XL", "V-L"))
    assert f'<option value="{small.pk}" data-price-minor="3000">S · €30.00</option>' in html
    assert f'<option value="{sold_out.pk}" data-price-minor="3000" disabled>XL · €30.00 · out of stock</option>' in html
    assert f'<option value="{dearer.pk}" data-price-minor="3500" disabled>L · €35.00 · costs more</option>' in html
    assert "XXL" not in html and 'value="exchange_variant" checked' in html


def portal_post(order, variant_value):
    line = shirt(order)
    return Client().post(
        f"/returns/{order_token(order)}/?lang=en",
        {
            f"quantity-{line.pk}": "1",
            f"reason-{line.pk}": "too_big",
            f"exchange-{line.pk}": variant_value,
            "method": "ship_yourself",
            "resolution": "exchange_variant",
            "submission": "b" * 32,
        },
    )


def test_the_portal_confirms_an_exchange_and_refuses_a_tampered_choice(order, merchant):
    response = portal_post(order, "12ab")
    assert response.status_code == 400 and "not another version of “Linen shirt” on sale" in response.content.decode()
    response = portal_post(order, str(variant(merchant, "V-XL").pk))
    assert response.status_code == 400 and "out of stock" in response.content.decode()
    with merchant_scope(merchant):
        assert not ReturnRequest.objects.exists()
    response = portal_post(order, str(variant(merchant, "V-S").pk))
    assert response.status_code == 302
    assert portal_post(order, str(variant(merchant, "V-S").pk)).status_code == 302  # a double click: one return
    assert reservations(merchant) == [("V-S", 1, "active")]


def test_the_api_creates_an_exchange_and_shows_it(order, merchant, api):
    line = shirt(order)
    body = {
        "order_id": order.pk,
        "method": "ship_yourself",
        "resolution": "exchange_variant",
        "items": [{"line_item_id": line.pk, "quantity": 1, "reason": "too_big", "exchange_variant_id": 0}],
    }
    assert api.post("/api/v1/returns", body, format="json").status_code == 400  # not a valid id
    body["items"][0]["exchange_variant_id"] = _other_shops_variant()
    refused = api.post("/api/v1/returns", body, format="json")
    assert refused.status_code == 400 and "on sale" in str(refused.json())
    body["items"][0]["exchange_variant_id"] = variant(merchant, "V-S").pk
    created = api.post("/api/v1/returns", body, format="json")
    assert created.status_code == 201, created.json()
    shown = api.get(f"/api/v1/returns/{created.json()['id']}").json()
    assert shown["resolution"] == "exchange_variant"
    assert shown["exchange_order"]["id"] is None and shown["exchange_order"]["items"][0]["variant_id"] == "V-S"


def test_the_customer_whose_size_sold_out_chooses_store_credit_on_their_page(order, merchant):
    request = return_approve(request=exchange(order, variant(merchant, "V-S").pk))
    with merchant_scope(merchant):
        Variant.objects.filter(variant_id="V-S").update(available=0)
    received(request)
    page = f"/returns/{order_token(order)}/{request.rma}/?lang=en"
    html = Client().get(page).content.decode()
    assert "sold out before we could send it" in html and "Store credit of €30.00" in html
    assert "A refund of €26.00" in html
    instead = f"/returns/{order_token(order)}/{request.rma}/exchange/instead/?lang=en"
    assert Client().post(instead, {"resolution": "shop_now"}).status_code == 400
    assert Client().post(instead, {"resolution": "store_credit"}).status_code == 302
    assert Client().post(instead, {"resolution": "refund"}).status_code == 409  # chosen already
    other = make_order(MerchantFactory(), external_id="820982911946159999")
    assert Client().post(f"/returns/{order_token(other)}/{request.rma}/exchange/instead/").status_code == 404
    with merchant_scope(merchant):
        request.refresh_from_db()
    assert (request.resolution, request.credit_amount) == ("store_credit", Decimal("30"))
    return_resolve(request=request)
    html = Client().get(page).content.decode()
    assert "Your store credit has been added to your account." in html and "original payment" not in html


def test_staff_see_the_exchange_and_a_sold_out_one_on_the_return_page(order, merchant, staff_client):
    request = return_approve(request=exchange(order, variant(merchant, "V-S").pk))
    html = staff_client.get(f"/app/returns/{request.pk}/").content.decode()
    assert "New item reserved" in html and "1 × Linen shirt — S (SHIRT-S)" in html
    assert 'value="exchange_variant"' not in html  # staff never choose an exchange for the customer
    with merchant_scope(merchant):
        Variant.objects.filter(variant_id="V-S").update(available=0)
    received(request)
    html = staff_client.get(f"/app/returns/{request.pk}/").content.decode()
    assert "The new item sold out before the exchange order was made" in html
    refused = staff_client.post(f"/app/returns/{request.pk}/resolve/")
    assert refused.status_code == 409 and "sold out" in refused.content.decode()


# --- A dearer variant: the difference paid by the customer through the shop -------------------------------

PAYMENT_URL = "https://shop.maison-lumiere.example/checkout/order-pay/4811/?pay_for_order=true&key=wc_order_8Kx2"


def allow_dearer(policy, largest=None):
    with merchant_scope(policy.merchant):
        ReturnPolicy.objects.filter(pk=policy.pk).update(exchange_dearer=True, exchange_dearer_max=largest)


def test_a_dearer_size_is_refused_with_a_clear_message_unless_the_shop_allows_it(order, merchant, policy):
    response = portal_post(order, str(variant(merchant, "V-L").pk))
    assert response.status_code == 400
    assert "the shop does not take the difference" in response.content.decode()
    with merchant_scope(merchant):
        assert not ReturnRequest.objects.exists()
    assert reservations(merchant) == []
    allow_dearer(policy)
    request = exchange(order, variant(merchant, "V-L").pk)
    assert (request.exchange_due, request.credit_amount, request.refund_amount) == (Decimal(5), 0, 0)
    assert reservations(merchant) == [("V-L", 1, "active")]


def test_a_difference_above_the_shops_largest_is_refused_and_nothing_is_stored(policy, merchant):
    allow_dearer(policy, largest=Decimal("8"))
    order = make_order(merchant, quantity=2)
    with pytest.raises(ReturnValidationError) as refused:
        exchange(order, variant(merchant, "V-L").pk, quantity=2)  # 2 × 5.00
    assert refused.value.errors["resolution"] == (
        "Together the new items cost €10.00 more than those you return; the shop takes at most €8.00: "
        "choose cheaper ones, or another resolution."
    )
    allow_dearer(policy, largest=Decimal("4"))
    with pytest.raises(ReturnValidationError) as refused:
        exchange(order, variant(merchant, "V-L").pk)
    assert "costs €5.00 more than the item you return; the shop takes at most €4.00" in refused.value.errors["items[0]"]
    with merchant_scope(merchant):
        assert not ReturnRequest.objects.exists()
    assert reservations(merchant) == []


def test_the_portal_shows_the_difference_to_pay_in_the_customers_language(order, merchant, policy):
    allow_dearer(policy)
    dearer = variant(merchant, "V-L")
    html = Client().get(f"/returns/{order_token(order)}/?lang=en").content.decode()
    assert (
        f'<option value="{dearer.pk}" data-price-minor="3500" data-to-pay-minor="500">L · €35.00 · €5.00 more to pay'
        in html
    )
    french = Client().get(f"/returns/{order_token(order)}/?lang=fr").content.decode()
    assert "L · 35,00\u00a0€ · 5,00\u00a0€ de plus à régler" in french
    assert portal_post(order, str(dearer.pk)).status_code == 302
    with merchant_scope(merchant):
        request = ReturnRequest.objects.get()
    page = Client().get(f"/returns/{order_token(order)}/{request.rma}/?lang=en").content.decode()
    assert "Difference to pay in the shop" in page and "you pay the difference in the shop" in page


def woo_order(merchant):
    order = make_order(merchant)
    with merchant_scope(merchant):
        order.source_platform = "woocommerce"
        order.save()
    return order


def shop_sends(merchant, request, financial_status: str, external_id="4811"):
    """The exchange order as the shop's orders webhook brings it, marked with the return's number."""
    data = OrderInput(
        external_id=external_id,
        number=f"#{external_id}",
        placed_at=datetime.now(UTC),
        currency="EUR",
        total=Decimal(5),
        financial_status=financial_status,
        line_items=[LineItemInput(title="Linen shirt", quantity=1, unit_price=Decimal(35), variant_id="V-L")],
        email="jane@example.com",
        exchange_for_rma=request.rma,
    )
    made, _created = order_upsert(merchant=merchant, data=data)
    events.events_publish_pending()
    return made


def fresh(request):
    with merchant_scope(request.merchant):
        return ReturnRequest.objects.get(pk=request.pk)


def kinds(order, kind):
    with merchant_scope(order.merchant):
        return OrderEvent.objects.filter(order=order, kind=kind).count()


def test_the_exchange_order_is_made_unpaid_and_stands_once_the_shop_reports_it_paid(
    on_woo, policy, http, django_capture_on_commit_callbacks, staff_client
):
    allow_dearer(policy)
    order = woo_order(on_woo)
    request = return_approve(request=exchange(order, variant(on_woo, "V-L").pk))
    pending = {"id": 4811, "number": "4811", "status": "pending", "payment_url": PAYMENT_URL}
    http.then(answer(200, []), answer(201, pending))
    with django_capture_on_commit_callbacks(execute=True):
        received(request)
    (action,) = actions(on_woo)
    assert action.payload["amount_due"] == "5.00" and action.payload["lines"][0]["unit_price"] == "35.00"
    posted = next(sent for sent in http.sent if sent.method == "POST").json
    assert (posted["status"], posted["set_paid"], posted["fee_lines"][0]["total"]) == ("pending", False, "-30.00")
    request = fresh(request)
    assert (request.exchange_status, request.exchange_payment_url) == ("unpaid", PAYMENT_URL)
    assert reservations(on_woo) == [("V-L", 1, "active")]  # still set aside, not yet the shop's to count
    assert (kinds(order, "exchange.payment_due"), kinds(order, "exchange.created")) == (1, 0)
    page = Client().get(f"/returns/{order_token(order)}/{request.rma}/?lang=fr").content.decode()
    assert f'href="{PAYMENT_URL.replace("&", "&amp;")}"' in page and "Régler 5,00\u00a0€ dans la boutique" in page
    staff_page = staff_client.get(f"/app/returns/{request.pk}/").content.decode()
    assert "Waiting for the customer to pay the difference" in staff_page
    assert "Difference the customer pays" in staff_page and "€5.00" in staff_page

    shop_sends(on_woo, request, "pending")  # the webhook of the order as made: not paid yet
    assert fresh(request).exchange_status == "unpaid"
    shop_sends(on_woo, request, "paid")  # the customer paid: processing
    request = fresh(request)
    assert (request.exchange_status, request.exchange_order.external_id) == ("created", "4811")
    assert reservations(on_woo) == [("V-L", 1, "used")]
    shop_sends(on_woo, request, "paid")  # a redelivered webhook changes nothing
    events.events_publish_pending()
    assert kinds(order, "exchange.created") == 1
    with merchant_scope(on_woo):
        assert not Entry.objects.exists()  # a dearer exchange leaves no store credit


def test_a_paid_order_arriving_before_the_shops_answer_makes_the_exchange_stand_at_once(
    on_woo, policy, http, django_capture_on_commit_callbacks
):
    allow_dearer(policy)
    order = woo_order(on_woo)
    request = return_approve(request=exchange(order, variant(on_woo, "V-L").pk))
    http.then(requests.Timeout("read timed out"))
    with django_capture_on_commit_callbacks(execute=True):
        received(request)
    shop_sends(on_woo, request, "paid")  # paid at once by the customer, before our retry learns of the order
    assert fresh(request).exchange_status == "requested"
    http.then(
        answer(
            200,
            [
                {
                    "id": 4811,
                    "number": "4811",
                    "payment_url": PAYMENT_URL,
                    "meta_data": [{"key": "_pp_exchange_rma", "value": request.rma}],
                }
            ],
        )
    )
    with merchant_scope(on_woo):
        ShopAction.objects.update(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        shop_action_services.shop_actions_claim_due()
    assert fresh(request).exchange_status == "created"
    assert (kinds(order, "exchange.payment_due"), kinds(order, "exchange.created")) == (0, 1)


def test_another_shops_paid_order_with_the_same_return_number_changes_nothing(
    on_woo, policy, http, django_capture_on_commit_callbacks
):
    allow_dearer(policy)
    order = woo_order(on_woo)
    request = return_approve(request=exchange(order, variant(on_woo, "V-L").pk))
    http.then(answer(200, []), answer(201, {"id": 4811, "number": "4811", "payment_url": PAYMENT_URL}))
    with django_capture_on_commit_callbacks(execute=True):
        received(request)
    shop_sends(MerchantFactory(), request, "paid")
    assert fresh(request).exchange_status == "unpaid"
    assert reservations(on_woo) == [("V-L", 1, "active")]


def test_a_payment_link_that_is_not_https_is_never_shown(on_woo, policy, http, django_capture_on_commit_callbacks):
    allow_dearer(policy)
    order = woo_order(on_woo)
    request = return_approve(request=exchange(order, variant(on_woo, "V-L").pk))
    http.then(answer(200, []), answer(201, {"id": 4811, "number": "4811", "payment_url": "javascript:alert(1)"}))
    with django_capture_on_commit_callbacks(execute=True):
        received(request)
    (action,) = actions(on_woo)
    assert action.status != "succeeded"  # the adapter wants the shop's link: asked again later, visibly
    assert fresh(request).exchange_payment_url == ""


def test_an_admin_allows_dearer_exchanges_up_to_a_difference(staff_client, merchant):
    form = {"window_days": "30", "window_start": "delivery", "methods": ["ship_yourself"]}
    refused = staff_client.post("/app/settings/returns/", {**form, "exchange_dearer_max": "20"})
    assert refused.status_code == 400 and "Offer dearer sizes or colours first" in refused.content.decode()
    with merchant_scope(merchant):
        assert not ReturnPolicy.objects.filter(exchange_dearer_max__isnull=False).exists()
    bad = staff_client.post("/app/settings/returns/", {**form, "exchange_dearer": "on", "exchange_dearer_max": "2.555"})
    assert bad.status_code == 400
    saved = staff_client.post("/app/settings/returns/", {**form, "exchange_dearer": "on", "exchange_dearer_max": "20"})
    assert saved.status_code == 302
    with merchant_scope(merchant):
        policy = ReturnPolicy.objects.get(merchant=merchant)
    assert (policy.exchange_dearer, policy.exchange_dearer_max) == (True, Decimal("20"))
