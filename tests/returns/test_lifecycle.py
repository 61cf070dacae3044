"""Returns: what may be returned, for how much, and a return's moves (returns/eligibility.py, lifecycle.py)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.scoping import merchant_scope
from flows.rules import RuleInput, first_stop_reason
from orders.models import OrderEvent
from returns.eligibility import returnable_lines
from returns.lifecycle import (
    ItemInput,
    ReturnStateError,
    ReturnValidationError,
    return_approve,
    return_cancel,
    return_move,
    return_receive,
    return_reject,
    return_request_create,
    return_resolve,
)
from returns.models import ReturnItem, ReturnPolicy, ReturnRequest, ReturnRule, ReturnStatus
from tests.factories import LineItemFactory, OrderFactory

pytestmark = pytest.mark.django_db
PLACED = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
NOW = PLACED + timedelta(days=10)


@pytest.fixture
def order(merchant):
    order = OrderFactory(
        merchant=merchant, placed_at=PLACED, subtotal=Decimal("100"), discount=Decimal("10"), total=Decimal("94.90")
    )
    LineItemFactory(merchant=merchant, order=order, title="Candle", unit_price=Decimal("30"), quantity=2, sku="C-1")
    LineItemFactory(
        merchant=merchant,
        order=order,
        title="Vase",
        unit_price=Decimal("40"),
        quantity=1,
        sku="V-1",
        product_type="Vase",
    )
    return order


def lines(order):
    with merchant_scope(order.merchant):
        return {r.line_item.title: r for r in returnable_lines(order, now=NOW)}


def item(order, title, quantity=1, reason="too_big", comment=""):
    with merchant_scope(order.merchant):
        line = order.line_items.get(title=title)
    return ItemInput(line.pk, quantity, reason, comment)


def create(order, *items, method="ship_yourself", **kwargs):
    return return_request_create(order=order, items=list(items), method=method, now=NOW, **kwargs)


def events(order):
    with merchant_scope(order.merchant):
        return list(OrderEvent.objects.filter(order=order, kind__startswith="return.").values_list("kind", flat=True))


def test_the_discount_is_shared_out_in_proportion_to_each_lines_price(order):
    found = lines(order)
    # 10 off 100: each euro of price carries 0.10 of discount.
    assert found["Candle"].unit_amount == Decimal("27.00") and found["Vase"].unit_amount == Decimal("36.00")
    assert found["Candle"].quantity == 2 and found["Candle"].refusal == ""


def test_returned_and_refunded_quantities_are_no_longer_returnable(order):
    with merchant_scope(order.merchant):
        order.line_items.filter(title="Vase").update(quantity_refunded=1)
    create(order, item(order, "Candle"))
    found = lines(order)
    assert found["Candle"].quantity == 1
    assert found["Vase"].quantity == 0 and "Already returned" in found["Vase"].refusal


def test_the_window_and_final_sale_rules_say_why_an_item_cannot_go_back(order, merchant):
    with merchant_scope(merchant):
        ReturnPolicy.objects.create(merchant=merchant, window_days=5, window_start="order", methods=["ship_yourself"])
        ReturnRule.objects.create(merchant=merchant, match="product_type", value="vase", final_sale=True)
        ReturnRule.objects.create(merchant=merchant, match="sku", value="c-1", window_days=60)
    found = lines(order)
    assert found["Candle"].quantity == 2  # 60 days for this SKU
    assert "Final sale" in found["Vase"].refusal
    with merchant_scope(merchant):
        ReturnRule.objects.filter(match="sku").delete()
    assert "window closed" in lines(order)["Candle"].refusal


def test_a_return_gets_its_rma_amounts_note_and_event(order, merchant):
    with merchant_scope(merchant):
        ReturnPolicy.objects.create(merchant=merchant, fee=Decimal("4.50"), methods=["ship_yourself"])
    request = create(order, item(order, "Candle", 2), item(order, "Vase"))
    assert request.rma == f"R-{order.number.lstrip('#')}-1" and request.status == ReturnStatus.REQUESTED
    assert (request.items_amount, request.fee, request.refund_amount) == (
        Decimal("90.00"),
        Decimal("4.50"),
        Decimal("85.50"),
    )
    assert events(order) == ["return.requested"]
    with merchant_scope(merchant):
        event = OrderEvent.objects.get(order=order, kind="return.requested")
    assert event.payload["rma"] == request.rma and event.payload["refund_amount"] == "85.50"
    assert len(event.payload["items"]) == 2


def test_a_second_submit_of_the_same_form_makes_no_second_return(order):
    first = create(order, item(order, "Candle"), submission_key="form-123")
    again = create(order, item(order, "Candle"), submission_key="form-123")
    assert again.pk == first.pk and events(order) == ["return.requested"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda o: [item(o, "Candle", 3)], "items[0]"),  # more than bought
        (lambda o: [item(o, "Candle", 0)], "items[0]"),
        (lambda o: [item(o, "Candle", reason="bored")], "items[0]"),
        (lambda o: [item(o, "Candle", reason="other")], "items[0]"),  # "other" needs a comment
        (lambda o: [item(o, "Candle"), item(o, "Candle")], "items[1]"),
        (lambda o: [], "items"),
    ],
)
def test_bad_items_are_refused_with_a_reason_and_nothing_is_stored(order, change, field):
    with pytest.raises(ReturnValidationError) as refused:
        create(order, *change(order))
    assert field in refused.value.errors and refused.value.errors[field]
    with merchant_scope(order.merchant):
        assert not ReturnRequest.objects.exists() and not ReturnItem.objects.exists()
    assert events(order) == []


def test_an_unpaid_or_cancelled_order_cannot_be_returned(order):
    with merchant_scope(order.merchant):
        order.financial_status = "pending"
        order.save()
    with pytest.raises(ReturnValidationError, match="not paid"):
        create(order, item(order, "Candle"))


def test_another_shops_item_is_not_part_of_the_order(order, other_merchant):
    stranger = OrderFactory(merchant=other_merchant)
    foreign = LineItemFactory(merchant=other_merchant, order=stranger, quantity=1, unit_price=Decimal("5"))
    with pytest.raises(ReturnValidationError, match="not part of the order"):
        create(order, ItemInput(foreign.pk, 1, "too_big"))


def test_methods_the_shop_does_not_offer_and_keeping_expensive_items_are_refused(order, merchant):
    with pytest.raises(ReturnValidationError, match="methods the shop offers"):
        create(order, item(order, "Candle"), method="label")
    with merchant_scope(merchant):
        ReturnPolicy.objects.create(merchant=merchant, methods=["keep_it"], keep_it_below=Decimal("20"))
    with pytest.raises(ReturnValidationError, match="too much to keep"):
        create(order, item(order, "Candle"), method="keep_it")


def test_a_customer_over_the_yearly_limit_is_told_to_contact_the_shop(order, merchant):
    with merchant_scope(merchant):
        ReturnPolicy.objects.create(merchant=merchant, returns_per_year=1, methods=["ship_yourself"])
    create(order, item(order, "Candle"))
    with pytest.raises(ReturnValidationError, match="12 months"):
        create(order, item(order, "Vase"))


def test_auto_approval_follows_the_policy_but_never_for_damaged_items(order, merchant):
    with merchant_scope(merchant):
        ReturnPolicy.objects.create(merchant=merchant, auto_approve=True, methods=["ship_yourself"])
    assert create(order, item(order, "Candle")).status == ReturnStatus.APPROVED
    assert create(order, item(order, "Vase", reason="damaged")).status == ReturnStatus.REQUESTED
    assert events(order) == ["return.requested", "return.approved", "return.requested"]


def test_moves_follow_the_table_and_each_is_an_event(order, owner):
    request = create(order, item(order, "Candle"))
    return_move(request=request, to="approved", by=owner)
    return_move(request=request, to="received", by=owner)
    resolved = return_move(request=request, to="resolved", by=owner)
    assert resolved.status == "resolved"
    with pytest.raises(ReturnStateError, match="cannot become"):
        return_move(request=request, to="cancelled")
    assert events(order) == ["return.requested", "return.approved", "return.received", "return.resolved"]
    with merchant_scope(order.merchant):
        assert list(request.notes.values_list("status", flat=True)) == ["requested", "approved", "received", "resolved"]


def test_a_rejected_return_gives_its_items_back_to_the_returnable(order):
    request = create(order, item(order, "Candle", 2))
    assert lines(order)["Candle"].quantity == 0
    return_move(request=request, to="rejected", rejection_reason="Worn.")
    assert lines(order)["Candle"].quantity == 2


def test_stop_rules_hold_emails_during_and_after_a_return(order):
    def stops(key):
        with merchant_scope(order.merchant):
            return first_stop_reason([key], RuleInput(order=order, anchor_at=NOW, language="en")) == key

    assert not stops("open_return") and not stops("order_returned")
    request = create(order, item(order, "Candle"))
    assert stops("open_return") and not stops("order_returned")
    return_move(request=request, to="approved")
    return_move(request=request, to="received")
    assert stops("order_returned")


def test_named_moves_carry_what_each_needs(order, owner):
    request = create(order, item(order, "Candle"), item(order, "Vase"))
    with pytest.raises(ReturnValidationError) as missing_reason:
        return_reject(request=request, reason="  ", by=owner)
    assert "reason" in missing_reason.value.errors
    return_approve(request=request, by=owner)
    with merchant_scope(order.merchant):
        candle, vase = request.items.all()
    with pytest.raises(ReturnValidationError):
        return_receive(request=request, inspections={candle.pk: "as_expected"}, by=owner)  # the vase is missing
    with pytest.raises(ReturnValidationError):
        return_receive(request=request, inspections={candle.pk: "as_expected", vase.pk: "burnt"}, by=owner)
    with merchant_scope(order.merchant):
        assert request.items.exclude(inspection="").count() == 0
    return_receive(request=request, inspections={candle.pk: "as_expected", vase.pk: "damaged"}, by=owner)
    assert return_resolve(request=request, by=owner).status == "resolved"
    with merchant_scope(order.merchant):
        assert dict(request.items.values_list("line_item__title", "inspection")) == {
            "Candle": "as_expected",
            "Vase": "damaged",
        }


def test_rejecting_tells_the_customer_why_and_cancelling_frees_the_items(order, owner):
    rejected = return_reject(request=create(order, item(order, "Vase")), reason=" Worn twice. ", by=owner)
    assert (rejected.status, rejected.rejection_reason) == ("rejected", "Worn twice.")
    cancelled = return_cancel(request=create(order, item(order, "Candle", 2)))
    assert cancelled.status == "cancelled" and lines(order)["Candle"].quantity == 2
