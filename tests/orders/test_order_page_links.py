"""The order page links to the customer's tracking page and the shipments, and offers cancellation only
while it makes sense; the overview's latest orders open their order."""

import pytest
from django.urls import reverse

from core.scoping import merchant_scope
from orders.models import Order
from tests.factories import LineItemFactory, OrderFactory
from tracking.fulfillments import fulfillment_add
from tracking.tokens import tracking_page_path


@pytest.fixture
def order(merchant):
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant, number="#2001", source_platform="api")
        LineItemFactory(order=order, title="Linen shirt", quantity=2, unit_price="19.50")
    return order


def detail(client, order):
    return client.get(reverse("orders:detail", kwargs={"pk": order.pk}))


def test_an_unshipped_order_links_to_its_tracking_page_and_offers_a_danger_cancel(staff_client, order):
    html = detail(staff_client, order).content.decode()
    assert f'href="{tracking_page_path(order)}"' in html
    assert '<button type="submit" class="danger">Cancel order</button>' in html
    assert "REST API" in html  # the source by name, not "api"
    assert '<td class="num">€19.50</td><td class="num">€39.00</td>' in html  # unit price, then the line's total


def test_a_shipped_order_links_its_shipment_and_explains_why_it_cannot_be_cancelled(staff_client, merchant, order):
    fulfillment_add(merchant=merchant, order=order, tracking_number="6A12345678901")
    with merchant_scope(merchant):
        shipment = order.shipments.get()
    html = detail(staff_client, order).content.decode()
    assert f'href="{reverse("tracking:detail", kwargs={"pk": shipment.pk})}"' in html
    assert "Cancel order" not in html
    assert "can no longer be cancelled" in html


def test_cancelling_a_shipped_order_is_refused_and_changes_nothing(staff_client, merchant, order):
    fulfillment_add(merchant=merchant, order=order, tracking_number="6A12345678901")
    response = staff_client.post(reverse("orders:cancel", kwargs={"pk": order.pk}), {"reason": "customer"})
    assert response.status_code == 409
    assert "can no longer be cancelled" in response.content.decode()
    with merchant_scope(merchant):
        assert Order.objects.get(pk=order.pk).cancelled_at is None


def test_the_overviews_latest_orders_open_their_order(staff_client, order):
    html = staff_client.get(reverse("home")).content.decode()
    assert f'<tr class="row-link"><td><a href="{reverse("orders:detail", kwargs={"pk": order.pk})}">#2001</a>' in html
