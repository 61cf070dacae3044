"""The customer's returns pages: /returns/<order token>/ (a portal section)."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from core.scoping import merchant_scope
from orders.models import OrderEvent
from portal.links import order_token
from returns.models import ReturnPolicy, ReturnRequest, ReturnRule
from tests.factories import LineItemFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(merchant):
    with merchant_scope(merchant):
        return ReturnPolicy.objects.create(
            merchant=merchant, methods=["ship_yourself"], fee=Decimal("3"), return_address="Maison Lumière\n12 rue X"
        )


@pytest.fixture
def order(merchant):
    order = OrderFactory(merchant=merchant, placed_at=timezone.now() - timedelta(days=3), discount=Decimal(0))
    LineItemFactory(merchant=merchant, order=order, title="Candle", unit_price=Decimal("30"), quantity=2)
    return order


def page(order, suffix="", **query):
    return f"/returns/{order_token(order)}/{suffix}?lang=en"


def sku(order):
    with merchant_scope(order.merchant):
        return order.line_items.get(title="Candle").sku


def candle(order):
    with merchant_scope(order.merchant):
        return order.line_items.get(title="Candle").pk


def submit(client, order, quantity="1", reason="too_big", submission="0f1e2d3c4b5a69788796a5b4c3d2e1f0"):
    pk = candle(order)
    data = {f"quantity-{pk}": quantity, f"reason-{pk}": reason, "method": "ship_yourself", "submission": submission}
    return client.post(page(order), data)


def test_the_order_link_opens_the_returns_form_with_the_returnable_items(order, policy):
    response = Client().get(page(order))
    html = response.content.decode()
    assert response.status_code == 200 and "Candle" in html and "Request the return" in html
    assert 'href="/track/' in html  # the order's other section, in the navigation


def test_a_request_goes_through_and_shows_its_status_and_refund(order, policy):
    client = Client()
    response = submit(client, order)
    assert response.status_code == 302
    detail = client.get(response["Location"])
    html = detail.content.decode()
    with merchant_scope(order.merchant):
        the_return = ReturnRequest.objects.get()
    assert the_return.rma in html and "Requested" in html and "€27.00" in html and "12 rue X" not in html


def test_a_double_submit_makes_one_return(order, policy):
    client = Client()
    submit(client, order)
    submit(client, order)
    with merchant_scope(order.merchant):
        assert ReturnRequest.objects.count() == 1
        assert OrderEvent.objects.filter(kind="return.requested").count() == 1


@pytest.mark.parametrize(("quantity", "reason"), [("5", "too_big"), ("x", "too_big"), ("1", ""), ("1", "bored")])
def test_bad_choices_come_back_with_a_reason_and_store_nothing(order, policy, quantity, reason):
    response = submit(Client(), order, quantity=quantity, reason=reason)
    assert response.status_code == 400 and "could not be sent" in response.content.decode()
    with merchant_scope(order.merchant):
        assert not ReturnRequest.objects.exists()


def test_nothing_chosen_says_so(order, policy):
    response = submit(Client(), order, quantity="0")
    assert response.status_code == 400 and "at least one item" in response.content.decode()


def test_the_page_speaks_french(order, policy):
    html = Client().get(f"/returns/{order_token(order)}/?lang=fr").content.decode()
    assert "Retourner des articles" in html


def test_a_shop_without_a_return_policy_offers_no_returns(order):
    assert Client().get(page(order)).status_code == 404


def test_a_tampered_link_or_another_orders_return_opens_nothing(order, policy, merchant):
    assert Client().get(f"/returns/{order_token(order)[:-2]}xx/").status_code == 404
    response = submit(Client(), order)
    rma = response["Location"].split("/")[-2]
    other = OrderFactory(merchant=merchant)
    assert Client().get(f"/returns/{order_token(other)}/{rma}/").status_code == 404


def test_the_item_choice_costs_the_same_queries_for_one_item_or_ten(order, policy, django_assert_num_queries):
    """The page bench/returns_portal.py measures: its queries do not grow with the order's items, and a
    second view of an unchanged order is served from the order's cache entry, without a query."""
    ten = OrderFactory(merchant=order.merchant, placed_at=order.placed_at, discount=Decimal(0))
    for n in range(10):
        LineItemFactory(merchant=order.merchant, order=ten, title=f"Item {n}", unit_price=Decimal("12"))
    with django_assert_num_queries(11) as one:  # the cache entry's order, then the form's 10
        Client().get(page(order))
    with django_assert_num_queries(len(one.captured_queries)):
        Client().get(page(ten))
    with django_assert_num_queries(0):
        again = Client().get(page(ten))
    assert again.status_code == 200 and "Item 9" in again.content.decode()


def test_a_cached_form_gets_this_visits_link_csrf_token_and_submission_key(order, policy):
    first, second = Client(), Client()
    html = [client.get(page(order)).content.decode() for client in (first, second)]
    submissions = [re.search(r'name="submission" value="([0-9a-f]{32})"', text).group(1) for text in html]
    assert submissions[0] != submissions[1] and "__returns_" not in html[1]
    assert f"/returns/{order_token(order)}/" in html[1] or "/track/" in html[1]
    assert second.cookies["csrftoken"] and 'name="csrfmiddlewaretoken"' in html[1]


def test_a_return_made_shows_at_once_on_the_form(order, policy, django_capture_on_commit_callbacks):
    client = Client()
    assert "Request the return" in client.get(page(order)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the return's event drops the order's cache version
        assert submit(client, order, quantity="2").status_code == 302
    html = client.get(page(order)).content.decode()
    assert "Nothing in this order can be returned any more." in html


def test_changing_the_policy_shows_at_once_on_the_form(order, policy, django_capture_on_commit_callbacks):
    client = Client()
    assert "Request the return" in client.get(page(order)).content.decode()
    with django_capture_on_commit_callbacks(execute=True), merchant_scope(order.merchant):
        ReturnRule.objects.create(merchant=order.merchant, match="sku", value=sku(order), final_sale=True)
    assert "Nothing in this order can be returned any more." in client.get(page(order)).content.decode()


def test_the_customer_cancels_their_return_until_the_parcel_leaves(order, policy):
    client = Client()
    detail = submit(client, order)["Location"].split("?")[0]
    assert "Cancel this return" in client.get(detail + "?lang=en").content.decode()
    assert client.post(detail + "cancel/?lang=en").status_code == 302
    with merchant_scope(order.merchant):
        the_return = ReturnRequest.objects.get(order=order)
        assert the_return.status == "cancelled" and the_return.notes.last().text == "Cancelled by the customer."
    again = client.post(detail + "cancel/?lang=en")  # a second click changes nothing
    assert again.status_code == 409 and "can no longer be cancelled" in again.content.decode()


def test_a_return_on_its_way_back_cannot_be_cancelled_by_the_customer(order, policy):
    client = Client()
    detail = submit(client, order)["Location"].split("?")[0]
    with merchant_scope(order.merchant):
        ReturnRequest.objects.filter(order=order).update(status="in_transit")
    assert "Cancel this return" not in client.get(detail + "?lang=en").content.decode()
    assert client.post(detail + "cancel/?lang=fr").status_code == 409
    with merchant_scope(order.merchant):
        assert ReturnRequest.objects.get(order=order).status == "in_transit"


def test_another_orders_link_cannot_cancel_a_return(order, policy, merchant):
    client = Client()
    rma = submit(client, order)["Location"].split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    other = OrderFactory(merchant=merchant, placed_at=order.placed_at)
    assert client.post(f"/returns/{order_token(other)}/{rma}/cancel/").status_code == 404
    with merchant_scope(order.merchant):
        assert ReturnRequest.objects.get(order=order).status == "requested"


def test_the_cached_form_lasts_the_shops_day_not_the_servers(merchant, policy):
    """A Paris shop's window closes at midnight in Paris, an hour before midnight UTC: the form cached
    at 23:30 in Paris is not served at 00:30, when the window has closed."""
    assert str(merchant.tzinfo) == "Europe/Paris"
    policy.window_start, policy.window_days = "order", 30
    with merchant_scope(merchant):
        policy.save()
    placed = datetime(2026, 11, 1, 10, tzinfo=UTC)  # the window's last day: 1 December
    late = OrderFactory(merchant=merchant, placed_at=placed, discount=Decimal(0))
    LineItemFactory(merchant=merchant, order=late, title="Candle", unit_price=Decimal("30"))
    with time_machine.travel(datetime(2026, 12, 1, 22, 30, tzinfo=UTC), tick=False):
        assert "Request the return" in Client().get(page(late)).content.decode()
    with time_machine.travel(datetime(2026, 12, 1, 23, 30, tzinfo=UTC), tick=False):
        html = Client().get(page(late)).content.decode()
    assert "The return window closed on" in html
