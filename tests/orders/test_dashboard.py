from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from core.scoping import merchant_scope
from merchants.models import Role
from orders.models import OrderEvent
from orders.services import refund_record
from tests.conftest import login_as
from tests.factories import CustomerFactory, LineItemFactory, MembershipFactory, OrderFactory, UserFactory

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def make_orders(merchant, n, **kwargs):
    with merchant_scope(merchant):
        orders = []
        for i in range(n):
            order = OrderFactory(merchant=merchant, placed_at=START + timedelta(hours=i), **kwargs)
            LineItemFactory(order=order)
            orders.append(order)
        return orders


@pytest.fixture
def alice_order(merchant):
    with merchant_scope(merchant):
        alice = CustomerFactory(merchant=merchant, email="alice@example.org", first_name="Alice", last_name="Durand")
        order = OrderFactory(merchant=merchant, customer=alice, number="#2001", total="54.80")
        LineItemFactory(order=order, title="Linen shirt", sku="SHIRT-M")
        OrderEvent.objects.create(merchant=merchant, order=order, kind="order.created", payload={"order_id": order.pk})
    return order


def staff(merchant, client, role):
    user = UserFactory(email=f"{role}@example.com")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=role)
    return login_as(client, user, merchant)


def test_list_shows_orders(staff_client, alice_order):
    response = staff_client.get(reverse("orders:index"))
    assert response.status_code == 200
    assert "#2001" in response.text
    assert "Alice Durand" in response.text


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"q": "2001"}, "#2001", "#3001"),
        ({"q": "#3001"}, "#3001", "#2001"),
        ({"q": "ALICE@example.org"}, "#2001", "#3001"),
        ({"status": "refunded"}, "#3001", "#2001"),
        ({"status": "paid"}, "#2001", "#3001"),
    ],
)
def test_list_search_and_status(staff_client, merchant, alice_order, params, shown, hidden):
    with merchant_scope(merchant):
        OrderFactory(merchant=merchant, number="#3001", financial_status="refunded")
    response = staff_client.get(reverse("orders:index"), params)
    assert shown in response.text
    assert hidden not in response.text


def test_list_ignores_an_unknown_status(staff_client, alice_order):
    response = staff_client.get(reverse("orders:index"), {"status": "lost"})
    assert response.status_code == 200
    assert "#2001" in response.text


def test_list_is_paginated_and_keeps_filters(staff_client, merchant):
    make_orders(merchant, 30, financial_status="paid")
    first = staff_client.get(reverse("orders:index"), {"status": "paid"})
    assert "Page 1 of 2" in first.text
    assert "status=paid&amp;page=2" in first.text
    second = staff_client.get(reverse("orders:index"), {"status": "paid", "page": 2})
    assert second.text.count('href="/app/orders/') - second.text.count('href="/app/orders/customers/') == 5 + 1


def test_list_query_count_is_fixed(staff_client, merchant, django_assert_num_queries):
    make_orders(merchant, 3)
    staff_client.get(reverse("orders:index"))
    # session, user, membership, the layout's merchant switcher, count, page of orders with customers
    with django_assert_num_queries(4):
        staff_client.get(reverse("orders:index"))
    make_orders(merchant, 20)
    with django_assert_num_queries(4):
        staff_client.get(reverse("orders:index"))


def test_order_page_shows_items_timeline_and_refunds(staff_client, merchant, alice_order):
    refund_record(merchant=merchant, order=alice_order, external_id="r-1", amount="10.00", note="Damaged")
    response = staff_client.get(reverse("orders:detail", kwargs={"pk": alice_order.pk}))

    assert response.status_code == 200
    text = response.text
    assert "Linen shirt" in text
    assert "Order placed" in text
    assert "Refund recorded" in text
    assert "€10.00" in text
    assert "Damaged" in text
    assert "No shipment yet." in text
    assert reverse("orders:cancel", kwargs={"pk": alice_order.pk}) in text


def test_order_page_lists_other_apps_timeline_entries(staff_client, alice_order, monkeypatch):
    from orders import selectors

    def emails(order):
        yield selectors.TimelineEntry(occurred_at=START, kind="email.sent", label="Welcome email sent", source="flows")

    monkeypatch.setattr(selectors, "_timeline_sources", [emails])
    response = staff_client.get(reverse("orders:detail", kwargs={"pk": alice_order.pk}))
    assert "Welcome email sent" in response.text


def test_agent_cancels_from_the_page(client, merchant, alice_order):
    agent = staff(merchant, client, Role.AGENT)
    url = reverse("orders:cancel", kwargs={"pk": alice_order.pk})

    response = agent.post(url, {"reason": "customer"}, follow=True)

    assert response.status_code == 200
    assert "is cancelled" in response.text
    with merchant_scope(merchant):
        alice_order.refresh_from_db()
        assert alice_order.cancel_reason == "customer"
        assert OrderEvent.objects.filter(order=alice_order, kind="order.cancelled").count() == 1
    again = agent.post(url, {"reason": "customer"}, follow=True)
    assert "already cancelled" in again.text


def test_cancel_needs_a_known_reason(staff_client, merchant, alice_order):
    response = staff_client.post(
        reverse("orders:cancel", kwargs={"pk": alice_order.pk}), {"reason": "bored"}, follow=True
    )
    assert "Choose a reason" in response.text
    with merchant_scope(merchant):
        alice_order.refresh_from_db()
    assert alice_order.cancelled_at is None


def test_viewer_cannot_cancel(client, merchant, alice_order):
    viewer = staff(merchant, client, Role.VIEWER)
    page = viewer.get(reverse("orders:detail", kwargs={"pk": alice_order.pk}))
    assert reverse("orders:cancel", kwargs={"pk": alice_order.pk}) not in page.text

    response = viewer.post(reverse("orders:cancel", kwargs={"pk": alice_order.pk}), {"reason": "customer"})
    assert response.status_code == 403
    with merchant_scope(merchant):
        alice_order.refresh_from_db()
    assert alice_order.cancelled_at is None


def test_cancel_is_post_only(staff_client, alice_order):
    assert staff_client.get(reverse("orders:cancel", kwargs={"pk": alice_order.pk})).status_code == 405


def test_customer_page_lists_their_orders(staff_client, merchant, alice_order):
    with merchant_scope(merchant):
        OrderFactory(merchant=merchant, number="#9999")  # someone else's
    response = staff_client.get(reverse("orders:customer", kwargs={"pk": alice_order.customer_id}))
    assert response.status_code == 200
    assert "alice@example.org" in response.text
    assert "#2001" in response.text
    assert "#9999" not in response.text


def test_other_merchants_staff_get_404(client, other_merchant, merchant, alice_order):
    outsider = UserFactory(email="outsider@example.com")
    with merchant_scope(other_merchant):
        MembershipFactory(merchant=other_merchant, user=outsider, role=Role.OWNER)
    login_as(client, outsider, other_merchant)

    assert "#2001" not in client.get(reverse("orders:index"), {"q": "2001"}).text
    assert client.get(reverse("orders:detail", kwargs={"pk": alice_order.pk})).status_code == 404
    assert client.get(reverse("orders:customer", kwargs={"pk": alice_order.customer_id})).status_code == 404
    assert client.post(reverse("orders:cancel", kwargs={"pk": alice_order.pk}), {"reason": "fraud"}).status_code == 404
    with merchant_scope(merchant):
        alice_order.refresh_from_db()
    assert alice_order.cancelled_at is None


def test_anonymous_is_sent_to_login(client, alice_order):
    response = client.get(reverse("orders:detail", kwargs={"pk": alice_order.pk}))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_pages_speak_french(staff_client, owner, alice_order):
    owner.language = "fr"  # staff pages follow the language of the person's profile
    owner.save(update_fields=["language"])
    response = staff_client.get(reverse("orders:detail", kwargs={"pk": alice_order.pk}))
    assert "Commande #2001" in response.text
    assert "Chronologie" in response.text
    assert "Commande passée" in response.text
    listing = staff_client.get(reverse("orders:index"))
    assert "Numéro de commande ou e-mail" in listing.text


def test_order_page_query_count_does_not_grow_with_items_and_shipments(
    staff_client, merchant, alice_order, django_assert_max_num_queries
):
    from tracking.fulfillments import fulfillment_add

    url = reverse("orders:detail", kwargs={"pk": alice_order.pk})
    staff_client.get(url)
    with django_assert_max_num_queries(20) as small:
        staff_client.get(url)
    with merchant_scope(merchant):
        items = [LineItemFactory(order=alice_order) for _ in range(5)]
    for number, item in enumerate(items):
        fulfillment_add(
            merchant=merchant, order=alice_order, tracking_number=f"6A1234567890{number}", line_item_ids=[item.pk]
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = staff_client.get(url)
    assert response.text.count("6A1234567890") >= 5
