"""Points taken back on every return, whatever its resolution, and once when the shop also reports the
refund; the Nth order's bonus taken back with its order (and earned again when it is restored).

The order of these tests: two shirts at 30 and a vase at 60 (subtotal 120: 120 points, pending),
5 shipping and 20 tax (total 145). A share of the order is worth 120 × amount / 145 points, half up.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue.models import Product, Variant
from core.scoping import merchant_scope, unscoped
from flows.services import default_flows_install
from loyalty import handlers, services, tiers
from loyalty.models import EntryKind, LoyaltySettings, Source
from orders import events
from orders.events import events_publish_pending
from orders.models import OrderEvent
from orders.services import OrderValidationError, RefundLineInput, refund_record
from portal.links import customer_token
from returns.lifecycle import ItemInput, ReturnValidationError, return_approve, return_request_create, return_resolve
from returns.models import BonusKind, ReturnPolicy, ReturnRequest
from shop_actions.models import ShopAction
from shop_actions.services import shop_action_confirm, shop_action_perform
from tests.factories import CustomerFactory, LineItemFactory

from .conftest import account_of, cancel, entries_of, place, restore
from .test_emails import NOW, at, body_of, loyalty_emails, speaks
from .test_properties import _assert_ledger_holds

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(merchant):
    with merchant_scope(merchant):
        product = Product.objects.create(merchant=merchant, product_id="P-SHIRT", title="Shirt", source="api")
        for position, (variant_id, price) in enumerate([("V-M", "30"), ("V-S", "30"), ("V-XS", "25")]):
            Variant.objects.create(
                merchant=merchant,
                product=product,
                variant_id=variant_id,
                sku=variant_id,
                title=variant_id,
                position=position,
                price=Decimal(price),
                currency="EUR",
                available=5,
                active=True,
            )
        return ReturnPolicy.objects.create(
            merchant=merchant,
            methods=["ship_yourself", "keep_it"],
            keep_it_below=Decimal("100"),
            fee=Decimal("5"),
            resolutions=["refund", "store_credit", "shop_now", "exchange_variant"],
            credit_bonus_kind=BonusKind.FLAT,
            credit_bonus=Decimal("10"),
        )


def shop_order(merchant, customer, number="#1043"):
    order = place(merchant, customer, number=number)
    with merchant_scope(merchant):
        LineItemFactory(
            merchant=merchant,
            order=order,
            title="Shirt",
            product_id="P-SHIRT",
            variant_id="V-M",
            unit_price=Decimal("30"),
            quantity=2,
        )
        LineItemFactory(merchant=merchant, order=order, title="Vase", unit_price=Decimal("60"), quantity=1)
    return order


def line(order, title):
    with merchant_scope(order.merchant):
        return order.line_items.get(title=title)


def variant(merchant, variant_id):
    with merchant_scope(merchant):
        return Variant.objects.get(variant_id=variant_id).pk


def returned(order, *, resolution="store_credit", method="ship_yourself", quantity=1, swap_to=None):
    """A return of shirts, approved; `swap_to`: the variant of an exchange."""
    item = ItemInput(line(order, "Shirt").pk, quantity, "too_big", exchange_variant_id=swap_to)
    request = return_request_create(order=order, items=[item], method=method, resolution=resolution)
    return return_approve(request=request)


def resolve(request):
    """Resolved by staff; a kept item's return resolved itself when approved."""
    resolved = request if request.status == "resolved" else return_resolve(request=request)
    events_publish_pending()
    return resolved


def shop_refund(order, amount, *, lines, external_id="shop-1"):
    """The shop's refund webhook: the amount and the items it gives back."""
    items = [RefundLineInput(line_item_id=line(order, title).pk, quantity=quantity) for title, quantity in lines]
    made, _created = refund_record(
        merchant=order.merchant,
        order=order,
        external_id=external_id,
        amount=Decimal(amount),
        line_items=items,
        source="shopify",
    )
    events_publish_pending()
    return made


def reversals(merchant, customer) -> list[tuple[str, int]]:
    """(source, points taken back) of each reversal."""
    return [
        (entry.source, -entry.points + entry.debt)
        for entry in entries_of(merchant, customer)
        if entry.kind == EntryKind.REVERSED
    ]


def reversed_events(merchant) -> int:
    with merchant_scope(merchant):
        return OrderEvent.objects.filter(kind="loyalty.points_reversed").count()


# --- Every resolution -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resolution", "method", "swap_to", "taken_back"),
    [
        ("refund", "ship_yourself", None, 21),  # 30 less the 5 fee refunded: 120 × 25 / 145 = 20.7
        ("refund", "keep_it", None, 25),  # kept: 30 refunded without fee, 120 × 30 / 145 = 24.8
        ("store_credit", "ship_yourself", None, 25),  # 40 credited, of which 10 the shop's bonus: 30
        ("shop_now", "ship_yourself", None, 25),
        ("exchange_variant", "ship_yourself", "V-XS", 4),  # 5 left by the cheaper size: 120 × 5 / 145 = 4.1
    ],
)
def test_every_resolution_takes_back_the_share_it_gives_back(
    merchant, customer, program, policy, resolution, method, swap_to, taken_back
):
    order = shop_order(merchant, customer)
    swap = variant(merchant, swap_to) if swap_to else None
    resolve(returned(order, resolution=resolution, method=method, swap_to=swap))

    assert reversals(merchant, customer) == [("return", taken_back)]
    assert account_of(merchant, customer).pending == 120 - taken_back  # pending points first
    assert reversed_events(merchant) == 1  # the "points reversed" email's event


@pytest.mark.parametrize("how", ["return", "refund"])
def test_points_earned_are_taken_back_after_the_program_is_turned_off(merchant, customer, program, policy, how):
    order = shop_order(merchant, customer)
    request = returned(order, resolution="refund")
    events_publish_pending()
    services.loyalty_settings_update(merchant=merchant, enabled=False)
    if how == "return":
        resolve(request)
    else:
        shop_refund(order, "25.00", lines=[("Shirt", 1)])

    assert reversals(merchant, customer) == [(how, 21)]  # the same books whichever way it comes back


def test_an_even_exchange_keeps_the_goods_value_and_its_points(merchant, customer, program, policy):
    order = shop_order(merchant, customer)
    resolve(returned(order, resolution="exchange_variant", swap_to=variant(merchant, "V-S")))

    assert reversals(merchant, customer) == []
    assert account_of(merchant, customer).pending == 120 and reversed_events(merchant) == 0


def test_a_return_taking_back_points_already_spent_records_the_rest_as_debt(merchant, customer, program, policy):
    with merchant_scope(merchant):
        LoyaltySettings.objects.filter(merchant=merchant).update(pending_days=0)  # available at once
    order = shop_order(merchant, customer)
    services.points_spend(merchant=merchant, customer=customer, points=110, source=Source.REWARD, key="spent")
    resolve(returned(order, quantity=2))  # 60 of 145: 49.7, 50 points

    account = account_of(merchant, customer)
    assert (account.available, account.pending, account.debt) == (0, 0, 40)


def test_a_redelivered_resolution_takes_back_once(merchant, customer, program, policy):
    order = shop_order(merchant, customer)
    request = resolve(returned(order))
    with merchant_scope(merchant):
        event = OrderEvent.objects.get(kind="return.resolved")
    handlers.on_return_resolved(event)  # the sweep publishes it again
    services.points_reverse_for_return(request=request)  # a retried task

    assert reversals(merchant, customer) == [("return", 25)] and reversed_events(merchant) == 1


# --- The return and the shop's refund of it: once ----------------------------------------------------------


def test_a_return_resolved_here_then_refunded_by_the_shop_takes_back_once(merchant, customer, program, policy):
    order = shop_order(merchant, customer)
    request = resolve(returned(order, resolution="refund"))
    shop_refund(order, "25.00", lines=[("Shirt", 1)], external_id="77")  # the shop's webhook
    with merchant_scope(merchant):
        action = ShopAction.objects.get(kind="refund")
    action = shop_action_perform(action_id=action.pk, claim_token=action.claim_token)  # by hand: waits for staff
    shop_action_confirm(action=action, result={"reference": "77"})  # who confirm it
    events_publish_pending()

    with merchant_scope(merchant):
        assert ReturnRequest.objects.get(pk=request.pk).status == "closed"
    assert reversals(merchant, customer) == [("return", 21)]
    assert reversed_events(merchant) == 1


@pytest.mark.parametrize("resolution", ["refund", "store_credit"])
def test_a_return_refunded_by_the_shop_before_it_is_resolved_here_takes_back_once(
    merchant, customer, program, policy, resolution
):
    order = shop_order(merchant, customer)
    request = returned(order, resolution=resolution)
    shop_refund(order, "30.00", lines=[("Shirt", 1)])  # the merchant refunded it in the shop first
    resolve(request)

    assert reversals(merchant, customer) == [("refund", 25)]
    assert reversed_events(merchant) == 1


def test_a_refund_of_the_returned_items_and_more_takes_back_only_the_rest(merchant, customer, program, policy):
    order = shop_order(merchant, customer)
    resolve(returned(order))  # a shirt for store credit: 25
    shop_refund(order, "90.00", lines=[("Shirt", 1), ("Vase", 1)])  # 120 × 90 / 145 = 74.5: 74, of which 25 taken

    assert reversals(merchant, customer) == [("return", 25), ("refund", 49)]


@pytest.mark.parametrize("refund_first", [True, False])
def test_in_either_order_a_return_and_a_smaller_refund_of_it_take_back_the_larger_share(
    merchant, customer, program, policy, refund_first
):
    order = shop_order(merchant, customer)
    request = returned(order)  # store credit for a shirt: 25
    if refund_first:
        shop_refund(order, "10.00", lines=[("Shirt", 1)])  # the shop also gave 10 back: 120 × 10 / 145 = 8.3
    resolve(request)
    if not refund_first:
        shop_refund(order, "10.00", lines=[("Shirt", 1)])

    assert sum(points for _source, points in reversals(merchant, customer)) == 25


def test_a_refund_made_before_the_return_is_of_other_units(merchant, customer, program, policy):
    order = shop_order(merchant, customer)
    shop_refund(order, "30.00", lines=[("Shirt", 1)])  # 25
    resolve(returned(order))  # the other shirt: the refunded one cannot be returned

    assert reversals(merchant, customer) == [("refund", 25), ("return", 25)]


# --- Batches and shops ---------------------------------------------------------------------------------------


def test_a_batch_of_resolutions_reads_its_returns_once(merchant, customer, program, policy):
    requests = [returned(shop_order(merchant, customer, number=f"#{n}")) for n in range(3)]
    events_publish_pending()
    for request in requests:
        return_resolve(request=request)
    with CaptureQueriesContext(connection) as queries:
        events_publish_pending()

    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "returns_returnrequest"')]
    assert len(reads) == 1
    assert [points for _source, points in reversals(merchant, customer)] == [25, 25, 25]


def test_resolutions_add_no_query_per_event_while_the_program_is_off(merchant, customer, policy, monkeypatch):
    monkeypatch.setattr(events, "_subscribers", [("return.resolved", handlers.on_return_resolved)])

    def queries_to_publish(count: int) -> int:
        with merchant_scope(merchant):
            order = shop_order(merchant, CustomerFactory(merchant=merchant))
        for _ in range(count):
            events.event_record(merchant=merchant, kind="return.resolved", order=order, payload={"id": 0})
        with CaptureQueriesContext(connection) as queries:
            events_publish_pending()
        return len(queries)

    assert queries_to_publish(2) == queries_to_publish(6)


def test_a_return_of_one_shop_never_touches_another(merchant, other_merchant, customer, program, policy):
    services.loyalty_settings_update(merchant=other_merchant, enabled=True, pending_days=30)
    with merchant_scope(other_merchant):
        stranger = CustomerFactory(merchant=other_merchant, email=customer.email)
    place(other_merchant, stranger, number="#1043")
    resolve(returned(shop_order(merchant, customer)))

    assert reversals(merchant, customer) == [("return", 25)]
    assert account_of(other_merchant, stranger).pending == 120 and reversals(other_merchant, stranger) == []


# --- The Nth order's bonus ---------------------------------------------------------------------------------


def bonus_on_second_order(merchant, points=50):
    tiers.tiers_save(
        merchant=merchant,
        rules={
            "tier_basis": "points",
            "tier_period": "calendar_year",
            "bonus_order_number": 2,
            "bonus_points": points,
            "birthday_points": 0,
            "members_only": False,
        },
        rows=[],
        removed=[],
    )


def bonus_entries(merchant, customer) -> list[tuple[str, int]]:
    return [
        (entry.kind, entry.points - entry.debt)
        for entry in entries_of(merchant, customer)
        if entry.source == Source.BONUS
    ]


def test_a_cancelled_nth_order_loses_its_bonus_and_a_restored_one_earns_it_again(merchant, customer, program):
    bonus_on_second_order(merchant)
    place(merchant, customer, number="#1")
    second = place(merchant, customer, number="#2")
    cancel(merchant, second)
    with merchant_scope(merchant):
        OrderEvent.objects.filter(kind="order.cancelled").update(published_at=None)
    events_publish_pending()  # the cancellation redelivered
    assert bonus_entries(merchant, customer) == [("earned", 50), ("reversed", -50)]

    restore(merchant, second)
    assert bonus_entries(merchant, customer)[-1] == ("earned", 50)
    cancel(merchant, second)
    assert bonus_entries(merchant, customer) == [("earned", 50), ("reversed", -50)] * 2
    assert account_of(merchant, customer).pending == 120  # the first order's points alone


def test_the_bonus_goes_when_all_of_its_order_is_refunded_not_before(merchant, customer, program, policy):
    bonus_on_second_order(merchant)
    place(merchant, customer, number="#1")
    second = shop_order(merchant, customer, number="#2")
    shop_refund(second, "30.00", lines=[("Shirt", 1)])
    assert bonus_entries(merchant, customer) == [("earned", 50)]

    shop_refund(second, "115.00", lines=[("Shirt", 1), ("Vase", 1)], external_id="shop-2")
    assert bonus_entries(merchant, customer) == [("earned", 50), ("reversed", -50)]
    assert account_of(merchant, customer).pending == 120  # the order's points and its bonus all gone


def test_the_bonus_goes_when_all_of_its_order_comes_back_for_store_credit(merchant, customer, program, policy):
    bonus_on_second_order(merchant)
    place(merchant, customer, number="#1")
    second = shop_order(merchant, customer, number="#2")
    resolve(returned(second, quantity=2))
    assert bonus_entries(merchant, customer) == [("earned", 50)]  # the vase is kept

    vase = ItemInput(line(second, "Vase").pk, 1, "too_big")
    request = return_request_create(order=second, items=[vase], method="ship_yourself", resolution="store_credit")
    resolve(return_approve(request=request))
    assert bonus_entries(merchant, customer) == [("earned", 50), ("reversed", -50)]


def test_a_bonus_spent_before_its_order_is_cancelled_is_owed(merchant, customer, program):
    with merchant_scope(merchant):
        LoyaltySettings.objects.filter(merchant=merchant).update(pending_days=0)
    bonus_on_second_order(merchant, points=300)
    place(merchant, customer, number="#1")
    second = place(merchant, customer, number="#2")
    services.points_spend(merchant=merchant, customer=customer, points=500, source=Source.REWARD, key="spent")
    cancel(merchant, second)  # its 120 points were available: they stay; the bonus is owed

    account = account_of(merchant, customer)
    assert (account.available, account.debt) == (0, 260)  # 300 taken back from the 40 left
    with unscoped():
        assert OrderEvent.objects.filter(kind="loyalty.points_reversed").count() == 1


# --- What the customer is told -----------------------------------------------------------------------------


@pytest.fixture
def emails_on(merchant, program):
    default_flows_install(merchant=merchant)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["taken back 25 points because order #1043 was refunded or returned", "95 points on their way"]),
        ("fr", ["retiré 25 points car la commande #1043 a été remboursée ou retournée", "95 points en attente"]),
    ],
)
def test_a_return_for_store_credit_emails_the_points_taken_back(merchant, customer, emails_on, policy, language, words):
    speaks(merchant, customer, language)
    with at(NOW):
        order = shop_order(merchant, customer)
    loyalty_emails(NOW)
    with at(NOW + timedelta(hours=1)):
        resolve(returned(order))
    [email] = loyalty_emails(NOW + timedelta(hours=1))
    for word in words:
        assert word in body_of(email), word


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "taken back 50 points given as the bonus for order #2, which was cancelled or returned"),
        ("fr", "retiré 50 points accordés en bonus pour la commande #2, annulée ou retournée"),
    ],
)
def test_the_bonus_taken_back_is_emailed_with_its_reason(merchant, customer, emails_on, language, words):
    speaks(merchant, customer, language)
    bonus_on_second_order(merchant)
    with at(NOW):
        place(merchant, customer, number="#1", placed_at=NOW)
        second = place(merchant, customer, number="#2", placed_at=NOW)
    loyalty_emails(NOW)
    with at(NOW + timedelta(hours=1)):
        cancel(merchant, second)
    bodies = [body_of(email) for email in loyalty_emails(NOW + timedelta(hours=1))]
    assert len(bodies) == 2  # the order's points, and its bonus
    assert any(words in body for body in bodies), bodies


# --- Any mix of returns and the shop's refunds of them ---------------------------------------------------------


def share(amount) -> int:
    """The points of `amount` out of the order's 145, half up."""
    return int((120 * Decimal(amount) / 145).to_integral_value(rounding=ROUND_HALF_UP))


a_return = st.tuples(
    st.sampled_from(["Shirt", "Vase"]),
    st.integers(min_value=1, max_value=2),
    st.sampled_from(["refund", "store_credit", "shop_now"]),
    st.sampled_from(["no", "before", "after"]),  # the shop's refund of the same items, and when
)


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(returns=st.lists(a_return, min_size=1, max_size=4))
def test_any_mix_of_returns_and_their_refunds_takes_each_back_once(merchant, program, policy, returns):
    with merchant_scope(merchant):
        customer = CustomerFactory(merchant=merchant)
    order = shop_order(merchant, customer, number=f"#{customer.pk}")  # one shop for every example: RMAs differ
    bound = 0
    for step, (title, quantity, resolution, shop_refunds) in enumerate(returns):
        item = ItemInput(line(order, title).pk, quantity, "too_big")
        try:
            request = return_request_create(order=order, items=[item], method="ship_yourself", resolution=resolution)
        except ReturnValidationError:
            continue  # nothing left of that line to return
        request = return_approve(request=request)
        refund = (line(order, title).unit_price * quantity, [(title, quantity)], f"shop-{step}")
        refunded = shop_refunds != "no"
        try:
            if shop_refunds == "before":
                shop_refund(order, refund[0], lines=refund[1], external_id=refund[2])
            resolve(request)
            if shop_refunds == "after":
                shop_refund(order, refund[0], lines=refund[1], external_id=refund[2])
        except OrderValidationError:
            bound += share(refund[0])  # the shop had nothing left to refund of it: at most its share
        else:
            bound += max(share(request.refund_amount or request.items_amount), share(refund[0]) if refunded else 0)
    _assert_ledger_holds(merchant, customer)
    total = sum(points for _source, points in reversals(merchant, customer))
    assert total <= min(bound, 120)  # the larger of a return's and its refund's shares, never both


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Bonus for order #2 taken back", "Bonus for order #2", "Item returned or refunded (#1)"]),
        ("fr", ["Bonus pour la commande #2 retiré", "Bonus pour la commande #2", "Article retourné"]),
    ],
)
def test_the_loyalty_page_names_the_bonus_taken_back_and_the_return(
    merchant, customer, program, policy, language, words
):
    bonus_on_second_order(merchant)
    first = shop_order(merchant, customer, number="#1")
    second = place(merchant, customer, number="#2")
    resolve(returned(first))
    cancel(merchant, second)
    html = Client().get(f"/points/{customer_token(customer)}/?lang={language}").content.decode()
    for word in words:
        assert word in html, word
