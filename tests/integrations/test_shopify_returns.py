"""Shopify's returns/* webhooks (integrations/shopify/returns.py): returns made in the shop's admin.

Payloads and Admin API answers are our own fixtures, written from wire_formats_2 §1.3 and §2.0.
"""

import json
from decimal import Decimal
from unittest import mock

import pytest
import requests

from core.scoping import merchant_scope
from integrations.inbound import TransientError, delivery_process, delivery_replay
from integrations.models import WebhookDelivery
from merchants.credentials import credential_set
from merchants.services import integration_secret_set
from orders.models import OrderEvent
from returns.lifecycle import ReturnStateError, return_approve, return_move, return_receive
from returns.models import ReturnRequest
from tests.integrations.fixtures import SHOPIFY_SECRET, payload, post_shopify, raw

pytestmark = pytest.mark.django_db
RETURN_ID = "123134564567890"
TOKEN = "shpat_test_0123456789"
GRAPHQL_URL = "https://maison-lumiere.myshopify.com/admin/api/2026-01/graphql.json"


@pytest.fixture(autouse=True)
def no_event_fanout(monkeypatch):
    """Events are recorded (OrderEvent rows) but not fanned out: subscribers have their own tests."""
    monkeypatch.setattr("orders.events.publish_request", lambda: None)


@pytest.fixture
def shop(merchant):
    integration_secret_set(merchant=merchant, provider="shopify", secret=SHOPIFY_SECRET)
    return merchant


@pytest.fixture
def send(client, shop, django_capture_on_commit_callbacks):
    def send(topic, data, **kwargs):
        if isinstance(data, str):
            data = raw("shopify", data)
        with django_capture_on_commit_callbacks(execute=True):
            return post_shopify(client, shop.slug, topic, data, **kwargs)

    return send


@pytest.fixture
def order(send, shop):
    send("orders/create", "orders_create.json")


@pytest.fixture
def token(shop):
    credential_set(shop, "shopify_admin_token", TOKEN)


def answer(status=200, fixture=None, body=None):
    response = requests.Response()
    response.status_code = status
    response._content = raw("shopify", fixture) if fixture else json.dumps(body or {}).encode()
    return response


@pytest.fixture
def admin_api():
    """Shopify's Admin GraphQL endpoint, at the HTTP layer: by default it knows the return's two lines."""
    with mock.patch("integrations.shopify.admin_api.requests.post") as post:
        post.return_value = answer(fixture="admin_api/graphql_return_lines.json")
        yield post


def the_return(merchant):
    with merchant_scope(merchant):
        return ReturnRequest.objects.filter(shop_return_id=RETURN_ID).first()


def items_of(request):
    with merchant_scope(request.merchant):
        return [(i.line_item.external_id, i.quantity, i.reason, i.amount) for i in request.items.order_by("id")]


def deliveries(merchant):
    with merchant_scope(merchant):
        return list(WebhookDelivery.objects.order_by("id"))


def return_events(merchant):
    with merchant_scope(merchant):
        return list(OrderEvent.objects.filter(kind__startswith="return.").order_by("id").values_list("kind", flat=True))


# --- Creation, with and without the Admin API -----------------------------------------------------


def test_a_request_with_a_token_brings_the_returns_lines_from_the_admin_api(send, shop, order, token, admin_api):
    response = send("returns/request", "returns_request.json")

    assert response.status_code == 200
    request = the_return(shop)
    assert (request.status, request.items_unknown, request.rma) == ("requested", False, "R-1001-1")
    # 45.00 and 25.00 less their share of the order's 10 % discount
    assert items_of(request) == [
        ("866550311766439020", 1, "too_small", Decimal("40.50")),
        ("141249953214522974", 1, "damaged", Decimal("22.50")),
    ]
    assert (request.items_amount, request.fee, request.refund_amount) == (Decimal("63"), 0, Decimal("63"))
    [call] = admin_api.call_args_list
    assert call.args == (GRAPHQL_URL,)
    assert call.kwargs["headers"]["X-Shopify-Access-Token"] == TOKEN
    assert call.kwargs["json"]["variables"] == {"id": f"gid://shopify/Return/{RETURN_ID}"}
    assert "returnLineItems" in call.kwargs["json"]["query"]
    assert deliveries(shop)[-1].status == "processed"
    assert return_events(shop) == ["return.requested"]


def test_without_a_token_the_return_waits_for_staff_to_fill_in_its_items(send, shop, order, admin_api):
    send("returns/request", "returns_request.json")

    request = the_return(shop)
    assert (request.status, request.items_unknown, items_of(request)) == ("requested", True, [])
    assert request.refund_amount == 0
    delivery = deliveries(shop)[-1]
    assert delivery.status == "processed" and "no Shopify Admin API token" in delivery.last_error
    admin_api.assert_not_called()


@pytest.mark.parametrize(
    ("shopify_answer", "why"),
    [
        (answer(401, body={"errors": "[API] Invalid API key or access token"}), "refused the request (401)"),
        (answer(fixture="admin_api/graphql_return_not_found.json"), "knows no such return"),
        (answer(body={"errors": [{"message": "Field 'return' doesn't exist"}]}), "refused the query"),
        (answer(body={"data": {"return": {"returnLineItems": {"nodes": [{"quantity": "one"}]}}}}), "whole number"),
    ],
)
def test_when_shopify_cannot_tell_the_lines_the_items_are_unknown(
    send, shop, order, token, admin_api, shopify_answer, why
):
    admin_api.return_value = shopify_answer
    send("returns/request", "returns_request.json")

    request = the_return(shop)
    assert request.items_unknown and items_of(request) == []
    assert why in deliveries(shop)[-1].last_error


def test_a_line_the_order_does_not_have_leaves_the_items_to_staff(send, shop, order, token, admin_api):
    lines = payload("shopify", "admin_api/graphql_return_lines.json")
    lines["data"]["return"]["returnLineItems"]["nodes"][1]["fulfillmentLineItem"]["lineItem"] = {
        "id": "gid://shopify/LineItem/1",
        "sku": "NOPE",
    }
    admin_api.return_value = answer(body=lines)
    send("returns/request", "returns_request.json")

    request = the_return(shop)
    assert request.items_unknown and [i[0] for i in items_of(request)] == ["866550311766439020"]
    assert "Line item 1 matches no item of the order." in deliveries(shop)[-1].last_error


def test_a_quantity_the_order_does_not_have_leaves_the_items_to_staff(send, shop, order, token, admin_api):
    lines = payload("shopify", "admin_api/graphql_return_lines.json")
    lines["data"]["return"]["returnLineItems"]["nodes"][0]["quantity"] = 10**30
    admin_api.return_value = answer(body=lines)
    send("returns/request", "returns_request.json")

    request = the_return(shop)
    assert request.items_unknown and [i[0] for i in items_of(request)] == ["141249953214522974"]
    assert "866550311766439020: 1000000000000000000000000000000 is not a quantity" in deliveries(shop)[-1].last_error


def test_a_shop_domain_that_is_not_myshopify_is_never_called(send, shop, order, token, admin_api):
    send("returns/request", "returns_request.json", headers={"X-Shopify-Shop-Domain": "evil.example.com"})

    assert the_return(shop).items_unknown
    admin_api.assert_not_called()


def test_a_throttled_admin_api_is_asked_again_later(
    client, shop, order, token, admin_api, django_capture_on_commit_callbacks
):
    admin_api.return_value = answer(fixture="admin_api/graphql_throttled.json")
    with django_capture_on_commit_callbacks(execute=False):
        post_shopify(client, shop.slug, "returns/request", raw("shopify", "returns_request.json"))
    delivery = deliveries(shop)[-1]
    with pytest.raises(TransientError):
        delivery_process(delivery_pk=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "throttling us; will ask again. Will retry." in delivery.last_error
    assert the_return(shop) is None

    admin_api.return_value = answer(fixture="admin_api/graphql_return_lines.json")
    with django_capture_on_commit_callbacks(execute=True):
        delivery_replay(merchant=shop, delivery=delivery)
    assert not the_return(shop).items_unknown and len(items_of(the_return(shop))) == 2


@pytest.mark.parametrize("error", [requests.ConnectionError("refused"), requests.Timeout("slow")])
def test_an_admin_api_that_does_not_answer_is_asked_again_later(
    client, shop, order, token, admin_api, error, django_capture_on_commit_callbacks
):
    admin_api.side_effect = error
    with django_capture_on_commit_callbacks(execute=False):
        post_shopify(client, shop.slug, "returns/request", raw("shopify", "returns_request.json"))
    with pytest.raises(TransientError):
        delivery_process(delivery_pk=deliveries(shop)[-1].pk)
    assert the_return(shop) is None


# --- Redelivery and statuses -----------------------------------------------------------------------


def test_redeliveries_and_later_topics_create_nothing_twice(send, shop, order, token, admin_api):
    send("returns/request", "returns_request.json", webhook_id="b54557e4-request")
    again = send("returns/request", "returns_request.json", webhook_id="b54557e4-request")
    assert again.json() == {"status": "duplicate"}
    send("returns/request", "returns_request.json")  # the same return, told by another delivery
    send("returns/approve", "returns_approve.json")

    with merchant_scope(shop):
        assert ReturnRequest.objects.count() == 1
    assert the_return(shop).status == "approved"
    assert admin_api.call_count == 1  # the lines are asked for once, when the return is new
    assert return_events(shop) == ["return.requested", "return.approved"]


def test_a_return_follows_shopify_from_request_to_close_and_back(send, shop, order):
    send("returns/request", "returns_request.json")
    send("returns/approve", "returns_approve.json")
    send("returns/close", "returns_close.json")
    assert the_return(shop).status == "closed"
    # Closed only after resolved: the table's way there, each move an event (never a refund of ours).
    assert return_events(shop) == ["return.requested", "return.approved", "return.resolved", "return.closed"]

    send("returns/reopen", "returns_reopen.json")
    assert the_return(shop).status == "requested"
    send("returns/cancel", "returns_cancel.json")
    assert the_return(shop).status == "cancelled"
    assert return_events(shop)[-2:] == ["return.requested", "return.cancelled"]
    assert all(d.status == "processed" for d in deliveries(shop))


def test_an_approval_heard_first_creates_the_return_with_the_shops_fee(send, shop, order, token, admin_api):
    send("returns/approve", "returns_approve.json")

    request = the_return(shop)
    assert request.status == "approved"
    assert (request.fee, request.refund_amount) == (Decimal("5.0"), Decimal("58.00"))
    assert return_events(shop) == ["return.requested", "return.approved"]
    send("returns/request", "returns_request.json")  # arriving late: changes nothing
    assert the_return(shop).status == "approved" and len(return_events(shop)) == 2


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("en", "The return period has ended. Bought more than 60 days ago."),
        ("fr", "Le délai de retour est dépassé. Bought more than 60 days ago."),
    ],
)
def test_a_decline_rejects_with_shopifys_reason_in_the_shops_language_and_its_note(send, shop, order, language, reason):
    shop.default_language = language
    shop.save()
    send("returns/request", "returns_request.json")
    send("returns/decline", "returns_decline.json")

    request = the_return(shop)
    assert request.status == "rejected"
    assert request.rejection_reason == reason  # the customer reads it


def test_a_move_our_table_does_not_allow_is_left_with_a_note_for_staff(send, shop, order, token, admin_api):
    send("returns/request", "returns_request.json")
    request = return_approve(request=the_return(shop))
    with merchant_scope(shop):
        inspections = {item.pk: "as_expected" for item in request.items.all()}
    return_receive(request=request, inspections=inspections)

    send("returns/cancel", "returns_cancel.json")

    assert the_return(shop).status == "received"
    delivery = deliveries(shop)[-1]
    assert delivery.status == "processed"
    assert "made return R-1001-1 cancelled, but here it is received: left as it is." in delivery.last_error


def test_only_the_shop_reopens_a_closed_return(send, shop, order):
    send("returns/approve", "returns_approve.json")
    send("returns/close", "returns_close.json")
    with pytest.raises(ReturnStateError):
        return_move(request=the_return(shop), to="requested")  # staff, the API, the customer
    assert the_return(shop).status == "closed"


# --- What the door and the handler refuse -----------------------------------------------------------


def test_a_return_of_an_order_we_do_not_know_is_retried(client, shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = post_shopify(client, shop.slug, "returns/close", raw("shopify", "returns_close.json"))
    assert response.status_code == 200
    delivery = deliveries(shop)[-1]
    with pytest.raises(TransientError):
        delivery_process(delivery_pk=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.last_error == "Order 820982911946154508 has not been received yet. Will retry."
    assert the_return(shop) is None


@pytest.mark.parametrize(
    ("topic", "body", "message"),
    [
        ("returns/request", {"id": 1}, "needs the field(s): order"),
        ("returns/approve", {"id": 1, "order": 42}, "order must be a JSON object"),
        ("returns/decline", {"id": 1, "order": {"id": "#1001"}}, "order.id must be an integer id"),
        ("returns/close", {"id": 1, "order": {"id": 820982911946154508}}, "needs the field(s): order_id"),
        ("returns/cancel", {"id": "R1", "order_id": 820982911946154508}, "id must be an integer id"),
        (
            "returns/approve",
            {
                **payload("shopify", "returns_approve.json"),
                "return_shipping_fees": [{"price": {"shop_money": {"amount": "free"}}}],
            },
            "return_shipping_fees[0]",
        ),
    ],
)
def test_payloads_of_the_wrong_shape_are_stored_failed_and_answered_200(send, shop, order, topic, body, message):
    response = send(topic, body)

    assert response.status_code == 200  # resending cannot fix it, and Shopify drops failing subscriptions
    delivery = deliveries(shop)[-1]
    assert delivery.status == "failed" and message in delivery.last_error
    assert the_return(shop) is None
