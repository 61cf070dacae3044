"""POST /api/v1/orders/{id}/refunds: money and items given back, recorded once per refund id."""

from decimal import Decimal

import pytest

from core.scoping import merchant_scope
from orders.models import LineItem, Order, Refund
from tests.orders.test_api import order_body, post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(api, merchant):
    response = post_json(api, "/api/v1/orders", order_body())
    assert response.status_code == 201
    return response.json()


def refunds_url(order):
    return f"/api/v1/orders/{order['id']}/refunds"


def stored(merchant, order):
    with merchant_scope(merchant):
        the_order = Order.objects.get(pk=order["id"])
        items = dict(LineItem.objects.filter(order=the_order).values_list("external_id", "quantity_refunded"))
        return the_order.refunded_amount, the_order.financial_status, items, Refund.objects.count()


def test_a_refund_marks_money_and_items_once(api, merchant, order):
    body = {"external_id": "r-1", "amount": "9.90", "line_items": [{"external_id": "518995019", "quantity": 2}]}

    first = post_json(api, refunds_url(order), body)
    again = post_json(api, refunds_url(order), body)

    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["amount"] == "9.90" and first.json()["currency"] == "EUR"
    assert again.json()["id"] == first.json()["id"]
    assert stored(merchant, order) == (
        Decimal("9.90"),
        "partially_refunded",
        {"466157049": 0, "518995019": 2},
        1,
    )


def test_refunding_everything_makes_the_order_refunded(api, merchant, order):
    response = post_json(api, refunds_url(order), {"external_id": "r-all", "amount": 64.70})

    assert response.status_code == 201
    assert stored(merchant, order)[:2] == (Decimal("64.70"), "refunded")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"external_id": "r-2", "amount": "64.71"}, "amount", "Only 64.70 EUR can still be refunded."),
        ({"external_id": "r-2", "amount": "-1"}, "amount", "greater than or equal to 0"),
        ({"external_id": "r-2", "amount": "1.001"}, "amount", "EUR amounts have at most 2 decimal places."),
        ({"amount": "1.00"}, "external_id", "required"),
        (
            {"external_id": "r-2", "amount": "1", "line_items": [{"external_id": "nope", "quantity": 1}]},
            "line_items[0]",
            "",
        ),
        (
            {"external_id": "r-2", "amount": "1", "line_items": [{"external_id": "466157049", "quantity": 2}]},
            "line_items[0]",
            "Only 1 of this item can still be refunded.",
        ),
        ({"external_id": "r-2", "amount": "1", "line_items": [{"quantity": 1}]}, "line_items", "line_item_id"),
    ],
)
def test_bad_refunds_are_refused_and_change_nothing(api, merchant, order, body, field, message):
    before = stored(merchant, order)

    response = post_json(api, refunds_url(order), body)

    assert response.status_code == 400
    errors = response.json()
    assert any(key.startswith(field) for key in errors), errors
    assert message in str(errors)
    assert stored(merchant, order) == before


def test_another_shops_order_is_not_found(other_api, merchant, order):
    response = post_json(other_api, refunds_url(order), {"external_id": "r-x", "amount": "1.00"})

    assert response.status_code == 404
    assert stored(merchant, order)[3] == 0


def test_the_same_idempotency_key_with_another_body_is_refused(api, order):
    key = {"HTTP_IDEMPOTENCY_KEY": "refund-key-1"}
    assert post_json(api, refunds_url(order), {"external_id": "r-1", "amount": "1.00"}, **key).status_code == 201
    response = post_json(api, refunds_url(order), {"external_id": "r-1", "amount": "2.00"}, **key)
    assert response.status_code == 422
