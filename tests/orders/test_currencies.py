"""Amounts follow their currency's minor unit: 2 decimals for EUR, 3 for KWD, none for JPY."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.money import CURRENCY_CODES, MINOR_UNITS, amount_str, minor_units
from core.scoping import merchant_scope
from orders.models import LineItem, Order
from orders.payloads import order_data
from orders.privacy import DataSubject, export_orders
from orders.services import money_parse
from tests.factories import LineItemFactory, OrderFactory
from tests.orders.test_api import order_body, post_json

# --- The table and the parser ---------------------------------------------------------------------


def test_every_currency_we_accept_has_its_minor_units():
    assert set(MINOR_UNITS) == CURRENCY_CODES
    assert (minor_units("EUR"), minor_units("USD"), minor_units("KWD"), minor_units("tnd")) == (2, 2, 3, 3)
    assert (minor_units("JPY"), minor_units("KRW"), minor_units("CLP"), minor_units("XOF")) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("raw", "currency", "expected"),
    [
        ("12.345", "KWD", "12.345"),
        (12.345, "KWD", "12.345"),  # a float, read through its shortest repr
        ("12.340", "KWD", "12.340"),
        ("12.3450", "KWD", "12.345"),  # trailing zeros are always fine
        ("0.1", "TND", "0.100"),
        ("1000.00", "JPY", "1000"),
        (1000, "JPY", "1000"),
        ("12.50", "EUR", "12.50"),
        ("12.5", "EUR", "12.50"),
    ],
)
def test_money_parse_accepts_the_currency_decimals(raw, currency, expected):
    assert str(money_parse(raw, currency)) == expected


@pytest.mark.parametrize(
    ("raw", "currency", "message"),
    [
        ("12.345", "EUR", "EUR amounts have at most 2 decimal places."),
        ("12.3456", "KWD", "KWD amounts have at most 3 decimal places."),
        ("1000.5", "JPY", "JPY amounts have no decimal places."),
        ("0.001", "usd", "USD amounts have at most 2 decimal places."),
        ("1.2345", "", "Use at most 3 decimal places."),  # no currency: what the columns hold
    ],
)
def test_money_parse_refuses_more_decimals_than_the_currency_has(raw, currency, message):
    with pytest.raises(ValueError, match=message):
        money_parse(raw, currency)


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("12.5", "EUR", "12.50"),
        ("12.500", "EUR", "12.50"),  # as read from a DECIMAL(15, 3) column
        ("12.345", "KWD", "12.345"),
        ("12", "KWD", "12.000"),
        ("1000.000", "JPY", "1000"),
        ("1000.50", "JPY", "1000.5"),  # stored before validation followed the currency: never rounded
        ("999999999999.999", "KWD", "999999999999.999"),
    ],
)
def test_amount_str_shows_the_currency_decimals_and_never_rounds(amount, currency, shown):
    assert amount_str(Decimal(amount), currency) == shown


# --- Through the REST API -------------------------------------------------------------------------


def kwd_body(**overrides):
    return order_body(
        currency="KWD",
        subtotal=None,  # the sum of the lines: 2 × 12.345 + 4.125
        shipping=1.75,  # a JSON number
        discount="1.500",
        total="29.065",
        line_items=[
            {"external_id": "l-1", "title": "Oud perfume", "quantity": 2, "unit_price": "12.345"},
            {"external_id": "l-2", "title": "Dates gift box", "quantity": 1, "unit_price": 4.125},
        ],
        **overrides,
    )


def test_kwd_order_is_stored_exactly_and_shown_with_three_decimals(api, merchant):
    response = post_json(api, "/api/v1/orders", kwd_body())

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["subtotal"], data["shipping"], data["tax"], data["discount"], data["total"]) == (
        "28.815",
        "1.750",
        "0.000",
        "1.500",
        "29.065",
    )
    assert [line["unit_price"] for line in data["line_items"]] == ["12.345", "4.125"]
    with merchant_scope(merchant):
        order = Order.objects.get(pk=data["id"])
        prices = list(LineItem.objects.filter(order=order).values_list("unit_price", flat=True))
    assert (order.subtotal, order.shipping, order.total) == (Decimal("28.815"), Decimal("1.75"), Decimal("29.065"))
    assert prices == [Decimal("12.345"), Decimal("4.125")]
    # Read back from the database, list and detail say the same.
    assert api.get(f"/api/v1/orders/{data['id']}").json()["total"] == "29.065"
    [listed] = api.get("/api/v1/orders").json()["results"]
    assert (listed["total"], listed["line_items"][0]["unit_price"]) == ("29.065", "12.345")


def test_jpy_order_with_trailing_zeros_is_accepted_and_shown_whole(api, merchant):
    body = order_body(
        currency="JPY",
        subtotal="1000.00",
        shipping=0,
        total="1000.00",
        line_items=[{"title": "Matcha", "quantity": 1, "unit_price": "1000.00"}],
    )

    response = post_json(api, "/api/v1/orders", body)

    assert response.status_code == 201, response.json()
    assert (response.json()["total"], response.json()["line_items"][0]["unit_price"]) == ("1000", "1000")
    with merchant_scope(merchant):
        assert Order.objects.get().total == Decimal("1000")


@pytest.mark.parametrize(
    ("currency", "overrides", "field", "message"),
    [
        ("JPY", {"total": "1000.5"}, "total", "JPY amounts have no decimal places."),
        (
            "JPY",
            {"line_items": [{"title": "Matcha", "quantity": 1, "unit_price": 999.5}]},
            "line_items[0].unit_price",
            "JPY amounts have no decimal places.",
        ),
        ("EUR", {"total": "12.345"}, "total", "EUR amounts have at most 2 decimal places."),
        ("KWD", {"shipping": "1.7505"}, "shipping", "KWD amounts have at most 3 decimal places."),
    ],
)
def test_more_decimals_than_the_currency_has_is_a_400_naming_the_field(
    api, merchant, currency, overrides, field, message
):
    lines = [{"title": "Matcha", "quantity": 1, "unit_price": "1000"}]
    body = order_body(currency=currency, subtotal=None, shipping=0, total="1000", line_items=lines)
    body.update(overrides)

    response = post_json(api, "/api/v1/orders", body)

    assert response.status_code == 400
    assert response.json() == {field: [message]}
    with merchant_scope(merchant):
        assert not Order.objects.exists()


def test_refund_in_kwd(api, merchant):
    order = post_json(api, "/api/v1/orders", kwd_body()).json()
    url = f"/api/v1/orders/{order['id']}/refunds"

    refund = post_json(api, url, {"external_id": "r-1", "amount": "2.105"})
    too_fine = post_json(api, url, {"external_id": "r-2", "amount": "0.0005"})
    too_much = post_json(api, url, {"external_id": "r-3", "amount": "27.000"})

    assert refund.status_code == 201, refund.json()
    assert (refund.json()["amount"], refund.json()["currency"]) == ("2.105", "KWD")
    assert too_fine.json() == {"amount": ["KWD amounts have at most 3 decimal places."]}
    assert too_much.json() == {"amount": ["Only 26.960 KWD can still be refunded."]}
    after = api.get(f"/api/v1/orders/{order['id']}").json()
    assert (after["refunded_amount"], after["financial_status"]) == ("2.105", "partially_refunded")
    with merchant_scope(merchant):
        assert Order.objects.get(pk=order["id"]).refunded_amount == Decimal("2.105")


# --- Outbound webhooks, pages -----------------------------------------------------------------------


@pytest.fixture
def kwd_order(merchant):
    with merchant_scope(merchant):
        order = OrderFactory(
            merchant=merchant,
            number="#2045",
            currency="KWD",
            subtotal=Decimal("12.345"),
            shipping=Decimal("1.750"),
            total=Decimal("14.095"),
        )
        LineItemFactory(order=order, title="Oud perfume", quantity=1, unit_price=Decimal("12.345"))
        return order


@pytest.mark.django_db
def test_outbound_webhook_body_has_three_decimals_in_kwd(merchant, kwd_order):
    with merchant_scope(merchant):
        order = order_data(Order.objects.get(pk=kwd_order.pk))  # as read when the body is built

    assert (order["subtotal"], order["shipping"], order["total"], order["refunded_amount"]) == (
        "12.345",
        "1.750",
        "14.095",
        "0.000",
    )
    assert order["line_items"][0]["unit_price"] == "12.345"


@pytest.mark.django_db
def test_order_pages_show_kwd_with_three_decimals(staff_client, owner, merchant, kwd_order):
    detail = staff_client.get(reverse("orders:detail", kwargs={"pk": kwd_order.pk})).text
    listing = staff_client.get(reverse("orders:index")).text
    home = staff_client.get(reverse("home")).text

    assert "KWD\u00a014.095" in detail and "KWD\u00a012.345" in detail and "KWD\u00a01.750" in detail
    assert "KWD\u00a014.095" in listing
    assert "KWD\u00a014.095" in home
    owner.language = "fr"
    owner.save(update_fields=["language"])
    assert "14,095\u00a0KWD" in staff_client.get(reverse("orders:detail", kwargs={"pk": kwd_order.pk})).text


@pytest.mark.django_db
def test_personal_data_export_has_three_decimals_in_kwd(merchant, kwd_order):
    with merchant_scope(merchant):
        [exported] = export_orders(DataSubject(merchant=merchant, order_ids=frozenset({kwd_order.pk})))

    assert (exported["total"], exported["line_items"][0]["unit_price"]) == ("14.095", "12.345")
