"""/returns/: order number and email open the order's returns page; one answer for any miss; limited."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from core.scoping import merchant_scope
from portal.links import order_token
from returns.models import ReturnPolicy
from tests.factories import OrderFactory
from tracking.tokens import tracking_page_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(merchant):
    with merchant_scope(merchant):
        ReturnPolicy.objects.create(merchant=merchant, methods=["ship_yourself"], fee=Decimal(0))
        return OrderFactory(merchant=merchant, number="#1001", email="camille@example.org")


def look_up(number="#1001", email="camille@example.org", client=None, **extra):
    return (client or Client()).post("/returns/?lang=en", {"order_number": number, "email": email}, **extra)


def test_the_form_speaks_the_visitors_language(client):
    assert "Return an item" in client.get("/returns/?lang=en").content.decode()
    assert "Retourner un article" in client.get("/returns/?lang=fr").content.decode()


def test_number_and_email_open_the_orders_returns_page(order):
    response = look_up(email="CAMILLE@example.org")
    assert response.status_code == 302
    assert response["Location"] == f"/returns/{order_token(order)}/?lang=en"


def test_a_shop_without_returns_opens_the_orders_tracking_page(order):
    with merchant_scope(order.merchant):
        ReturnPolicy.objects.filter(merchant=order.merchant).update(enabled=False)
    response = look_up()
    assert response.status_code == 302 and response["Location"] == f"{tracking_page_path(order)}?lang=en"


def test_a_wrong_email_and_an_unknown_order_get_one_answer(order):
    def page(response):
        html = response.content.decode()
        for typed in ("#1001", "#9999", "someone@example.org", "camille@example.org"):
            html = html.replace(typed, "")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    wrong_email, no_order = look_up(email="someone@example.org"), look_up(number="#9999")
    assert wrong_email.status_code == no_order.status_code == 404 and page(wrong_email) == page(no_order)


def test_bad_input_is_a_400_with_the_form(order):
    response = look_up(number="", email="not-an-email")
    assert response.status_code == 400 and "Enter a valid email address." in response.content.decode()


def test_one_order_number_is_limited_whoever_asks(order):
    for n in range(20):
        assert look_up(email=f"guess{n}@example.org", REMOTE_ADDR=f"203.0.113.{n}").status_code == 404
    response = look_up(REMOTE_ADDR="198.51.100.1")  # even the right pair, from a new client
    assert response.status_code == 429 and "Too many attempts" in response.content.decode()
    assert look_up(number="#2002", REMOTE_ADDR="198.51.100.2").status_code == 404  # other orders still answer
