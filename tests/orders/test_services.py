from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.scoping import merchant_scope
from orders.models import Customer, LineItem, Order, OrderEvent, Refund
from orders.services import (
    AddressInput,
    CustomerInput,
    LineItemInput,
    OrderInput,
    OrderValidationError,
    RefundLineInput,
    customer_upsert,
    money_parse,
    order_cancel,
    order_upsert,
    refund_record,
)
from tracking.fulfillments import fulfillment_add

PLACED = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


def make_input(**overrides) -> OrderInput:
    values = {
        "external_id": "820982911946154508",
        "number": "#1001",
        "placed_at": PLACED,
        "currency": "EUR",
        "total": "64.70",
        "shipping": "4.90",
        "financial_status": "paid",
        "source_updated_at": PLACED,
        "customer": CustomerInput(
            external_id="c-1", email="Camille@Example.org", first_name="Camille", language="fr-FR"
        ),
        "shipping_address": AddressInput(name="Camille Martin", city="Paris", postal_code="75011", country="fr"),
        "line_items": [
            LineItemInput(external_id="li-1", sku="SHIRT-M", title="Linen shirt", quantity=1, unit_price="49.90"),
            LineItemInput(external_id="li-2", sku="SOCKS", title="Socks", quantity=2, unit_price=Decimal("4.95")),
        ],
    }
    values.update(overrides)
    return OrderInput(**values)


def events(merchant, kind=None):
    with merchant_scope(merchant):
        qs = OrderEvent.objects.order_by("id")
        if kind:
            qs = qs.filter(kind=kind)
        return list(qs)


# --- order_upsert ---------------------------------------------------------------------------


def test_create_stores_order_lines_customer_and_event(merchant):
    order, created = order_upsert(merchant=merchant, data=make_input())

    assert created
    with merchant_scope(merchant):
        order.refresh_from_db()
        assert order.total == Decimal("64.70")
        assert order.subtotal == Decimal("59.80")  # computed from the lines when not given
        assert order.currency == "EUR"
        assert order.shipping_country == "FR"
        assert order.email == "Camille@Example.org"
        assert order.language == "fr"
        assert order.customer.language == "fr"
        assert [(li.sku, li.quantity, li.unit_price) for li in order.line_items.all()] == [
            ("SHIRT-M", 1, Decimal("49.90")),
            ("SOCKS", 2, Decimal("4.95")),
        ]
    assert [(e.kind, e.payload) for e in events(merchant)] == [("order.created", {"order_id": order.pk})]


def test_resending_the_same_order_changes_nothing(merchant):
    first, _ = order_upsert(merchant=merchant, data=make_input())
    again, created = order_upsert(merchant=merchant, data=make_input())

    assert not created
    assert again.pk == first.pk
    with merchant_scope(merchant):
        assert Order.objects.count() == 1
        assert LineItem.objects.count() == 2
        assert Customer.objects.count() == 1
    assert [e.kind for e in events(merchant)] == ["order.created"]


def test_update_records_changed_fields_and_syncs_lines_by_external_id(merchant):
    order, _ = order_upsert(merchant=merchant, data=make_input())
    with merchant_scope(merchant):
        shirt_id = order.line_items.get(external_id="li-1").pk

    newer = make_input(
        source_updated_at=PLACED + timedelta(hours=1),
        total="59.80",
        line_items=[
            LineItemInput(external_id="li-1", sku="SHIRT-M", title="Linen shirt", quantity=1, unit_price="49.90"),
            LineItemInput(external_id="li-3", sku="CAP", title="Cap", quantity=1, unit_price="10.00"),
        ],
    )
    order, created = order_upsert(merchant=merchant, data=newer)

    assert not created
    with merchant_scope(merchant):
        lines = list(order.line_items.all())
        assert [li.external_id for li in lines] == ["li-1", "li-3"]
        assert lines[0].pk == shirt_id  # updated in place, not replaced
        assert order.total == Decimal("59.80")
    updated = events(merchant, "order.updated")
    assert len(updated) == 1
    assert set(updated[0].payload["changed"]) == {"subtotal", "total", "line_items"}


def test_older_version_never_overwrites_a_newer_one(merchant):
    order_upsert(merchant=merchant, data=make_input(source_updated_at=PLACED + timedelta(hours=2), total="70.00"))
    stale = make_input(source_updated_at=PLACED + timedelta(hours=1), total="10.00", number="#OLD")

    order, created = order_upsert(merchant=merchant, data=stale)

    assert not created
    with merchant_scope(merchant):
        order.refresh_from_db()
    assert order.total == Decimal("70.00")
    assert order.number == "#1001"
    assert events(merchant, "order.updated") == []


def test_same_external_id_for_two_merchants_gives_two_orders(merchant, other_merchant):
    mine, _ = order_upsert(merchant=merchant, data=make_input())
    theirs, created = order_upsert(merchant=other_merchant, data=make_input())

    assert created
    assert mine.pk != theirs.pk
    with merchant_scope(other_merchant):
        assert Customer.objects.count() == 1


def test_a_guest_is_one_customer_per_email(merchant):
    first, _ = order_upsert(merchant=merchant, data=make_input(customer=None, email="guest@example.org"))
    second, _ = order_upsert(
        merchant=merchant, data=make_input(external_id="2002", customer=None, email="Guest@Example.org")
    )
    assert first.email == "guest@example.org"
    assert first.customer_id is not None and second.customer_id == first.customer_id
    with merchant_scope(merchant):
        guest = Customer.objects.get()
    assert (guest.email.lower(), guest.external_id) == ("guest@example.org", "")


def test_a_guest_who_signs_up_keeps_their_customer(merchant):
    guest_order, _ = order_upsert(merchant=merchant, data=make_input(customer=None, email="guest@example.org"))
    account = CustomerInput(external_id="cus-9", email="guest@example.org", first_name="Lou")
    later, _ = order_upsert(merchant=merchant, data=make_input(external_id="2003", customer=account))
    assert later.customer_id == guest_order.customer_id
    with merchant_scope(merchant):
        assert Customer.objects.get().external_id == "cus-9"


def test_an_order_without_customer_or_email_has_no_customer(merchant):
    order, _ = order_upsert(merchant=merchant, data=make_input(customer=None, email=""))
    assert order.customer_id is None


def test_input_that_cancels_records_order_cancelled(merchant):
    order_upsert(merchant=merchant, data=make_input())
    cancelled = make_input(
        source_updated_at=PLACED + timedelta(days=1),
        cancelled_at=PLACED + timedelta(days=1),
        cancel_reason="customer",
    )
    order, _ = order_upsert(merchant=merchant, data=cancelled)

    assert order.cancelled_at == PLACED + timedelta(days=1)
    (event,) = events(merchant, "order.cancelled")
    assert event.payload == {"order_id": order.pk, "reason": "customer"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"line_items": []}, "line_items"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "ABC"}, "currency"),
        ({"total": "-1.00"}, "total"),
        ({"total": "abc"}, "total"),
        ({"total": "1.005"}, "total"),
        ({"shipping": float("nan")}, "shipping"),
        ({"email": "not-an-email"}, "email"),
        ({"external_id": ""}, "external_id"),
        ({"placed_at": datetime(2025, 3, 1, 10, 0)}, "placed_at"),  # noqa: DTZ001 - naive on purpose
        ({"financial_status": "kinda_paid"}, "financial_status"),
        ({"customer": CustomerInput(email="nope@")}, "customer.email"),
        ({"shipping_address": AddressInput(country="France")}, "shipping_address.country"),
    ],
)
def test_invalid_input_names_the_field_and_writes_nothing(merchant, overrides, field):
    with pytest.raises(OrderValidationError) as caught:
        order_upsert(merchant=merchant, data=make_input(**overrides))

    assert field in caught.value.errors
    with merchant_scope(merchant):
        assert not Order.objects.exists()
        assert not Customer.objects.exists()
        assert not OrderEvent.objects.exists()


def test_bad_line_item_is_named_by_position(merchant):
    lines = [
        LineItemInput(title="Shirt", quantity=1, unit_price="10"),
        LineItemInput(title="", quantity=0, unit_price="-2"),
    ]
    with pytest.raises(OrderValidationError) as caught:
        order_upsert(merchant=merchant, data=make_input(line_items=lines))

    assert set(caught.value.errors) == {"line_items[1].title", "line_items[1].quantity", "line_items[1].unit_price"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12.5", Decimal("12.50")), (12, Decimal("12.00")), (19.99, Decimal("19.99")), (Decimal("0.10"), Decimal("0.10"))],
)
def test_money_parse_is_exact(raw, expected):
    assert money_parse(raw, "EUR") == expected
    assert str(money_parse(raw, "EUR")) == str(expected)


@pytest.mark.parametrize("raw", [True, None, "", "1e400", "Infinity", "-0.01", "0.001", [1]])
def test_money_parse_refuses_what_is_not_an_amount(raw):
    with pytest.raises(ValueError, match=r"."):
        money_parse(raw, "EUR")


# --- customer_upsert --------------------------------------------------------------------------


def test_customer_matched_by_external_id_first(merchant):
    first, created = customer_upsert(merchant=merchant, data=CustomerInput(external_id="42", email="a@example.org"))
    again, created_again = customer_upsert(
        merchant=merchant, data=CustomerInput(external_id="42", email="new@example.org", first_name="Léa")
    )
    assert created and not created_again
    assert again.pk == first.pk
    assert (again.email, again.first_name) == ("new@example.org", "Léa")


def test_customer_matched_by_email_case_insensitively(merchant):
    first, _ = customer_upsert(merchant=merchant, data=CustomerInput(email="Lea@Example.org"))
    again, created = customer_upsert(merchant=merchant, data=CustomerInput(email="lea@example.ORG", external_id="7"))

    assert not created
    assert again.pk == first.pk
    assert again.external_id == "7"  # now known by the shop's id too


def test_customer_with_another_shop_id_is_another_person(merchant):
    first, _ = customer_upsert(merchant=merchant, data=CustomerInput(email="shared@example.org", external_id="1"))
    second, created = customer_upsert(
        merchant=merchant, data=CustomerInput(email="shared@example.org", external_id="2")
    )
    assert created
    assert second.pk != first.pk


def test_customer_blank_values_do_not_erase(merchant):
    customer_upsert(merchant=merchant, data=CustomerInput(email="a@example.org", first_name="Léa", language="fr"))
    customer, _ = customer_upsert(merchant=merchant, data=CustomerInput(email="a@example.org", language="de"))
    assert (customer.first_name, customer.language) == ("Léa", "fr")


def test_customer_needs_email_or_external_id(merchant):
    with pytest.raises(OrderValidationError) as caught:
        customer_upsert(merchant=merchant, data=CustomerInput(first_name="Nobody"))
    assert "email" in caught.value.errors


# --- order_cancel -------------------------------------------------------------------------------


def test_cancel_once(merchant):
    order, _ = order_upsert(merchant=merchant, data=make_input())

    order, cancelled = order_cancel(merchant=merchant, order=order, reason="customer")
    again, cancelled_again = order_cancel(merchant=merchant, order=order, reason="other")

    assert cancelled and not cancelled_again
    assert again.cancel_reason == "customer"
    assert len(events(merchant, "order.cancelled")) == 1


# --- refund_record ------------------------------------------------------------------------------


def test_partial_then_full_refund(merchant):
    order, _ = order_upsert(merchant=merchant, data=make_input())
    with merchant_scope(merchant):
        socks = order.line_items.get(sku="SOCKS")

    refund, created = refund_record(
        merchant=merchant,
        order=order,
        external_id="r-1",
        amount="4.95",
        line_items=[RefundLineInput(line_item_external_id="li-2", quantity=1)],
    )
    assert created
    with merchant_scope(merchant):
        order.refresh_from_db()
        socks.refresh_from_db()
    assert order.financial_status == "partially_refunded"
    assert order.refunded_amount == Decimal("4.95")
    assert socks.quantity_refunded == 1
    (event,) = events(merchant, "order.refunded")
    assert event.payload["amount"] == "4.95"
    assert event.payload["currency"] == "EUR"
    assert event.payload["line_items"] == [{"line_item_id": socks.pk, "quantity": 1}]

    refund_record(merchant=merchant, order=order, external_id="r-2", amount="59.75")
    with merchant_scope(merchant):
        order.refresh_from_db()
    assert order.financial_status == "refunded"
    assert order.refunded_amount == Decimal("64.70")


def test_refund_is_idempotent_per_external_id(merchant):
    order, _ = order_upsert(merchant=merchant, data=make_input())
    first, _ = refund_record(merchant=merchant, order=order, external_id="r-1", amount="10.00")
    again, created = refund_record(merchant=merchant, order=order, external_id="r-1", amount="10.00")

    assert not created
    assert again.pk == first.pk
    with merchant_scope(merchant):
        order.refresh_from_db()
        assert Refund.objects.count() == 1
    assert order.refunded_amount == Decimal("10.00")
    assert len(events(merchant, "order.refunded")) == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": "100.00"}, "amount"),  # more than the order's total
        ({"amount": "-1"}, "amount"),
        ({"amount": "1", "external_id": ""}, "external_id"),
        (
            {"amount": "1", "line_items": [RefundLineInput(line_item_external_id="li-2", quantity=3)]},
            "line_items[0].quantity",
        ),
        (
            {"amount": "1", "line_items": [RefundLineInput(line_item_id=999999, quantity=1)]},
            "line_items[0].line_item_id",
        ),
    ],
)
def test_bad_refund_writes_nothing(merchant, kwargs, field):
    order, _ = order_upsert(merchant=merchant, data=make_input())
    with pytest.raises(OrderValidationError) as caught:
        refund_record(merchant=merchant, order=order, **{"external_id": "r-1", **kwargs})

    assert field in caught.value.errors
    with merchant_scope(merchant):
        order.refresh_from_db()
        assert not Refund.objects.exists()
        assert not LineItem.objects.filter(quantity_refunded__gt=0).exists()
    assert order.refunded_amount == Decimal("0.00")
    assert order.financial_status == "paid"


def test_refunded_quantities_survive_a_later_order_update(merchant):
    order, _ = order_upsert(merchant=merchant, data=make_input())
    refund_record(
        merchant=merchant,
        order=order,
        external_id="r-1",
        amount="4.95",
        line_items=[RefundLineInput(line_item_external_id="li-2", quantity=1)],
    )
    order_upsert(
        merchant=merchant, data=replace(make_input(), source_updated_at=PLACED + timedelta(hours=3), tax="1.00")
    )
    with merchant_scope(merchant):
        assert LineItem.objects.get(external_id="li-2").quantity_refunded == 1


# --- fulfillment_add ----------------------------------------------------------------------------


def test_fulfillment_of_the_whole_order(merchant):
    order, _ = order_upsert(merchant=merchant, data=make_input())

    shipment, created = fulfillment_add(
        merchant=merchant, order=order, tracking_number="1Z999AA10123456784", carrier="UPS", external_id="f-1"
    )
    again, created_again = fulfillment_add(
        merchant=merchant, order=order, tracking_number="1Z999AA10123456784", carrier="UPS", external_id="f-1"
    )

    assert created and not created_again
    assert again.pk == shipment.pk
    with merchant_scope(merchant):
        order.refresh_from_db()
        assert order.shipments.count() == 1
    assert order.fulfillment_status == "fulfilled"
    assert [e.payload for e in events(merchant, "order.fulfilled")] == [{"order_id": order.pk}]
    assert len(events(merchant, "shipment.created")) == 1


def test_fulfillment_item_by_item(merchant):
    order, _ = order_upsert(merchant=merchant, data=make_input())

    fulfillment_add(merchant=merchant, order=order, tracking_number="6A12345678901", line_item_external_ids=["li-1"])
    with merchant_scope(merchant):
        order.refresh_from_db()
    assert order.fulfillment_status == "partial"
    assert events(merchant, "order.fulfilled") == []
    assert events(merchant, "order.updated")[-1].payload["changed"] == ["fulfillment_status"]

    with merchant_scope(merchant):
        socks = order.line_items.get(external_id="li-2")
    fulfillment_add(merchant=merchant, order=order, tracking_number="6A12345678902", line_item_ids=[socks.pk])
    with merchant_scope(merchant):
        order.refresh_from_db()
    assert order.fulfillment_status == "fulfilled"
    assert len(events(merchant, "order.fulfilled")) == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tracking_number": ""}, "tracking_number"),
        ({"tracking_number": "X" * 65}, "tracking_number"),
        ({"tracking_number": "6A1", "line_item_ids": [999999]}, "line_item_ids"),
        ({"tracking_number": "6A1", "line_item_external_ids": ["nope"]}, "line_item_external_ids"),
    ],
)
def test_bad_fulfillment_writes_nothing(merchant, kwargs, field):
    order, _ = order_upsert(merchant=merchant, data=make_input())
    with pytest.raises(OrderValidationError) as caught:
        fulfillment_add(merchant=merchant, order=order, **kwargs)

    assert field in caught.value.errors
    with merchant_scope(merchant):
        order.refresh_from_db()
        assert not order.shipments.exists()
    assert order.fulfillment_status == "unfulfilled"


def test_shop_marking_the_order_fulfilled_records_order_fulfilled_once(merchant):
    order_upsert(merchant=merchant, data=make_input())
    shipped = make_input(source_updated_at=PLACED + timedelta(days=1), fulfillment_status="fulfilled")
    order_upsert(merchant=merchant, data=shipped)
    order_upsert(merchant=merchant, data=replace(shipped, source_updated_at=PLACED + timedelta(days=2)))

    assert len(events(merchant, "order.fulfilled")) == 1


def test_update_without_a_version_time_keeps_the_known_one(merchant):
    order_upsert(merchant=merchant, data=make_input(source_updated_at=PLACED + timedelta(hours=5)))
    order_upsert(merchant=merchant, data=make_input(source_updated_at=None, tax="1.00"))
    stale, _ = order_upsert(merchant=merchant, data=make_input(source_updated_at=PLACED, tax="9.00"))

    with merchant_scope(merchant):
        stale.refresh_from_db()
    assert stale.source_updated_at == PLACED + timedelta(hours=5)
    assert stale.tax == Decimal("1.00")
