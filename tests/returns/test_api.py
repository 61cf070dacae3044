"""REST API of returns (returns/api.py): reads, creation on a customer's behalf, and every move."""

import json
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from core.models import IdempotencyRecord
from core.scoping import merchant_scope
from merchants.models import Role
from orders.models import OrderEvent
from returns.lifecycle import ItemInput, return_approve, return_request_create
from returns.models import ReturnItem, ReturnPolicy, ReturnRequest, ReturnStatus
from returns.payloads import return_data
from returns.serializers import ReturnSerializer
from tests.conftest import api_client_for
from tests.factories import LineItemFactory, MerchantFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(merchant):
    order = OrderFactory(merchant=merchant, placed_at=timezone.now() - timedelta(days=3), total=Decimal("94.90"))
    LineItemFactory(merchant=merchant, order=order, title="Candle", unit_price=Decimal("30"), quantity=2)
    LineItemFactory(merchant=merchant, order=order, title="Vase", unit_price=Decimal("40"), quantity=1)
    return order


@pytest.fixture
def policy(merchant):
    with merchant_scope(merchant):
        return ReturnPolicy.objects.create(merchant=merchant, fee=Decimal("4.50"), methods=["ship_yourself", "label"])


def line(order, title):
    with merchant_scope(order.merchant):
        return order.line_items.get(title=title)


def make_return(order, *titles):
    return return_request_create(
        order=order, items=[ItemInput(line(order, t).pk, 1, "too_big") for t in titles], method="ship_yourself"
    )


def body(order, **overrides):
    data = {
        "order_id": order.pk,
        "items": [{"line_item_id": line(order, "Candle").pk, "quantity": 2, "reason": "too_small"}],
        "method": "label",
        "resolution": "refund",
    }
    data.update(overrides)
    return data


def post_json(client, url, data, **headers):
    raw = data if isinstance(data, str) else json.dumps(data)
    return client.post(url, data=raw, content_type="application/json", **headers)


def stored(merchant):
    with merchant_scope(merchant):
        return ReturnRequest.objects.count(), ReturnItem.objects.count()


def status_of(request):
    with merchant_scope(request.merchant):
        return ReturnRequest.objects.get(pk=request.pk).status


# --- The one shape --------------------------------------------------------------------------------


def test_the_api_shows_a_return_exactly_as_its_events_and_webhooks_do(api, order, policy):
    created = post_json(api, "/api/v1/returns", body(order))
    assert created.status_code == 201, created.json()
    data = created.json()
    with merchant_scope(order.merchant):
        request = ReturnRequest.objects.get(pk=data["id"])
        event = OrderEvent.objects.get(order=order, kind="return.requested")
        assert data == return_data(request)
    assert event.payload == data
    assert api.get(f"/api/v1/returns/{request.pk}").json() == data
    assert set(ReturnSerializer().fields) == set(data)  # the schema documents every key, and only those
    assert set(ReturnSerializer().fields["items"].child.fields) == set(data["items"][0])
    assert data["rma"] == f"R-{order.number.lstrip('#')}-1" and data["status"] == "requested"
    assert (data["refund_amount"], data["fee"], data["currency"]) == ("55.50", "4.50", "EUR")
    assert data["items"] == [
        {
            "line_item_id": line(order, "Candle").pk,
            "quantity": 2,
            "reason": "too_small",
            "comment": "",
            "inspection": None,
        }
    ]


# --- Reads -----------------------------------------------------------------------------------------


def test_list_filters_by_status_order_and_creation_date(api, merchant, order):
    older = make_return(order, "Candle")
    with merchant_scope(merchant):
        ReturnRequest.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=2))
    newer = make_return(order, "Vase")
    return_approve(request=newer)
    other_order = OrderFactory(merchant=merchant)
    LineItemFactory(merchant=merchant, order=other_order)
    third = make_return(other_order, "Linen shirt")

    def ids(params=None):
        response = api.get("/api/v1/returns", params or {})
        assert response.status_code == 200, response.json()
        return [r["id"] for r in response.json()["results"]]

    assert ids() == [third.pk, newer.pk, older.pk]  # newest first
    assert ids({"status": "approved"}) == [newer.pk]
    assert ids({"order_id": order.pk}) == [newer.pk, older.pk]
    yesterday = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids({"created_at_before": yesterday}) == [older.pk]
    assert ids({"created_at_after": yesterday, "order_id": order.pk}) == [newer.pk]
    assert api.get("/api/v1/returns", {"limit": 1}).json()["count"] == 3


@pytest.mark.parametrize(
    "params",
    [{"status": "lost"}, {"status": ""}, {"order_id": "1.5"}, {"created_at_after": "yesterday"}, {"order": "1"}],
)
def test_bad_filters_are_a_400_naming_them(api, params):
    response = api.get("/api/v1/returns", params)
    assert response.status_code == 400
    [(name, messages)] = response.json().items()
    assert next(iter(params)).startswith(name) and messages[0]  # a range is named by its filter: created_at


def test_list_query_count_does_not_grow_with_returns(api, merchant, django_assert_num_queries):
    def add_returns(n):
        for _ in range(n):
            order = OrderFactory(merchant=merchant)
            LineItemFactory(merchant=merchant, order=order)
            LineItemFactory(merchant=merchant, order=order, title="Scarf")
            make_return(order, "Linen shirt", "Scarf")

    add_returns(2)
    api.get("/api/v1/returns")  # the key's last_used_at is written once a minute at most
    # api key, count, returns, their items
    with django_assert_num_queries(4):
        assert api.get("/api/v1/returns").status_code == 200
    add_returns(8)
    with django_assert_num_queries(4):
        assert len(api.get("/api/v1/returns").json()["results"]) == 10


def test_another_shops_return_is_a_404_everywhere(other_api, order):
    request = make_return(order, "Candle")
    assert other_api.get(f"/api/v1/returns/{request.pk}").status_code == 404
    assert other_api.get("/api/v1/returns").json()["count"] == 0
    for move in ("approve", "reject", "receive", "resolve", "cancel"):
        assert post_json(other_api, f"/api/v1/returns/{request.pk}/{move}", {"reason": "x"}).status_code == 404
    assert status_of(request) == ReturnStatus.REQUESTED


def test_another_shops_order_cannot_get_a_return(other_api, order):
    response = post_json(other_api, "/api/v1/returns", body(order))
    assert response.status_code == 400 and "order_id" in response.json()
    assert stored(order.merchant) == (0, 0)


# --- Create ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda o: {"order_id": 999_999_999}, "order_id"),
        (lambda o: {"order_id": "abc"}, "order_id"),
        (lambda o: {"items": []}, "items"),
        (lambda o: {"method": "pigeon"}, "method"),
        (lambda o: {"method": "keep_it"}, "method"),  # not offered by this shop
        (lambda o: {"resolution": "store_credit"}, "resolution"),
        (
            lambda o: {"items": [{"line_item_id": line(o, "Candle").pk, "quantity": 3, "reason": "too_small"}]},
            "items[0]",
        ),
        (lambda o: {"items": [{"line_item_id": line(o, "Candle").pk, "quantity": 1, "reason": "bored"}]}, "items[0]"),
        (lambda o: {"items": [{"line_item_id": line(o, "Candle").pk, "quantity": 1, "reason": "other"}]}, "items[0]"),
        (lambda o: {"items": [{"line_item_id": 1, "reason": "too_small"}]}, "items[0].quantity"),
    ],
)
def test_bad_bodies_are_a_400_per_field_and_store_nothing(api, order, policy, change, field):
    response = post_json(api, "/api/v1/returns", body(order, **change(order)))
    assert response.status_code == 400
    errors = response.json()
    assert field in errors and all(isinstance(message, str) and message for message in errors[field])
    assert stored(order.merchant) == (0, 0)


def test_an_unpaid_order_is_refused_on_order_id(api, order, policy):
    with merchant_scope(order.merchant):
        order.financial_status = "pending"
        order.save()
    response = post_json(api, "/api/v1/returns", body(order))
    assert response.status_code == 400 and "not paid" in response.json()["order_id"][0]


def test_not_json_is_a_400(api):
    response = post_json(api, "/api/v1/returns", "{not json")
    assert response.status_code == 400 and "not valid JSON" in response.json()["detail"]


def test_an_idempotency_key_makes_one_return_of_two_posts(api, order, policy):
    first = post_json(api, "/api/v1/returns", body(order), HTTP_IDEMPOTENCY_KEY="ret-1")
    again = post_json(api, "/api/v1/returns", body(order), HTTP_IDEMPOTENCY_KEY="ret-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert stored(order.merchant) == (1, 1)
    other = post_json(api, "/api/v1/returns", body(order, method="ship_yourself"), HTTP_IDEMPOTENCY_KEY="ret-1")
    assert other.status_code == 422


def test_without_a_key_the_items_already_returned_are_refused(api, order, policy):
    assert post_json(api, "/api/v1/returns", body(order)).status_code == 201
    second = post_json(api, "/api/v1/returns", body(order))
    assert second.status_code == 400 and "items[0]" in second.json()
    assert stored(order.merchant) == (1, 1)


def test_a_viewer_key_reads_but_cannot_create_or_move(merchant, order, policy):
    viewer = api_client_for(merchant, role=Role.VIEWER)
    request = make_return(order, "Vase")
    assert viewer.get("/api/v1/returns").status_code == 200
    assert viewer.get(f"/api/v1/returns/{request.pk}").status_code == 200
    assert post_json(viewer, "/api/v1/returns", body(order)).status_code == 403
    assert post_json(viewer, f"/api/v1/returns/{request.pk}/approve", {}).status_code == 403
    assert stored(merchant) == (1, 1) and status_of(request) == ReturnStatus.REQUESTED


def test_an_agent_key_may_create_and_move(merchant, order, policy):
    agent = api_client_for(merchant, role=Role.AGENT)
    created = post_json(agent, "/api/v1/returns", body(order))
    assert created.status_code == 201
    assert post_json(agent, f"/api/v1/returns/{created.json()['id']}/approve", {}).json()["status"] == "approved"


# --- Moves -----------------------------------------------------------------------------------------


def test_a_return_goes_through_every_move(api, order, policy):
    request = make_return(order, "Candle", "Vase")
    url = f"/api/v1/returns/{request.pk}"
    approved = post_json(api, f"{url}/approve", {})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    received = post_json(
        api,
        f"{url}/receive",
        {
            "items": [
                {"line_item_id": line(order, "Candle").pk, "inspection": "as_expected"},
                {"line_item_id": line(order, "Vase").pk, "inspection": "damaged"},
            ]
        },
    )
    assert received.status_code == 200, received.json()
    assert [i["inspection"] for i in received.json()["items"]] == ["as_expected", "damaged"]
    resolved = post_json(api, f"{url}/resolve", {})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    with merchant_scope(order.merchant):
        kinds = list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True).order_by("id"))
    assert kinds[-4:] == ["return.requested", "return.approved", "return.received", "return.resolved"]


def test_receive_by_return_item_id(api, order):
    request = make_return(order, "Candle")
    return_approve(request=request)
    with merchant_scope(order.merchant):
        item_id = request.items.get().pk
    response = post_json(
        api, f"/api/v1/returns/{request.pk}/receive", {"items": [{"id": item_id, "inspection": "missing"}]}
    )
    assert response.status_code == 200 and response.json()["items"][0]["inspection"] == "missing"


@pytest.mark.parametrize(
    ("items", "field"),
    [
        (lambda o: [], "items"),
        (lambda o: [{"inspection": "as_expected"}], "items[0].id"),
        (lambda o: [{"line_item_id": line(o, "Candle").pk, "inspection": "smelly"}], "items[0].inspection"),
        (lambda o: [{"line_item_id": line(o, "Vase").pk, "inspection": "as_expected"}], "items[0]"),  # not returned
        (
            lambda o: [
                {"line_item_id": line(o, "Candle").pk, "inspection": "as_expected"},
                {"line_item_id": line(o, "Candle").pk, "inspection": "damaged"},
            ],
            "items[1]",
        ),
    ],
)
def test_bad_receive_bodies_are_a_400_and_change_nothing(api, order, items, field):
    request = make_return(order, "Candle")
    return_approve(request=request)
    response = post_json(api, f"/api/v1/returns/{request.pk}/receive", {"items": items(order)})
    assert response.status_code == 400 and field in response.json()
    assert status_of(request) == ReturnStatus.APPROVED


def test_receive_must_cover_every_item_of_the_return(api, order):
    request = make_return(order, "Candle", "Vase")
    return_approve(request=request)
    only_one = {"items": [{"line_item_id": line(order, "Candle").pk, "inspection": "as_expected"}]}
    response = post_json(api, f"/api/v1/returns/{request.pk}/receive", only_one)
    assert response.status_code == 400 and "every item" in response.json()["items"][0]
    with merchant_scope(order.merchant):
        assert not ReturnItem.objects.exclude(inspection="").exists()


def test_reject_needs_a_reason_the_customer_then_reads(api, order):
    request = make_return(order, "Candle")
    url = f"/api/v1/returns/{request.pk}/reject"
    assert set(post_json(api, url, {}).json()) == {"reason"}
    assert post_json(api, url, {"reason": "   "}).status_code == 400
    assert status_of(request) == ReturnStatus.REQUESTED
    rejected = post_json(api, url, {"reason": "Worn and washed."})
    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["rejection_reason"]) == ("rejected", "Worn and washed.")


@pytest.mark.parametrize(
    ("move", "data"),
    [
        ("approve", {}),
        ("reject", {"reason": "Too late."}),
        ("resolve", {}),
        ("cancel", {}),
        ("receive", {"items": [{"line_item_id": None, "inspection": "as_expected"}]}),
    ],
)
def test_a_move_the_status_does_not_allow_is_a_409_with_a_message(api, order, move, data):
    request = make_return(order, "Candle")
    post_json(api, f"/api/v1/returns/{request.pk}/reject", {"reason": "Worn."})
    if move == "receive":
        data = {"items": [{"line_item_id": line(order, "Candle").pk, "inspection": "as_expected"}]}
    response = post_json(api, f"/api/v1/returns/{request.pk}/{move}", data)
    assert response.status_code == 409
    assert "rejected" in response.json()["detail"]
    assert status_of(request) == ReturnStatus.REJECTED


def test_a_repeated_move_with_its_key_answers_the_first_result(api, order):
    request = make_return(order, "Candle")
    url = f"/api/v1/returns/{request.pk}/cancel"
    first = post_json(api, url, {}, HTTP_IDEMPOTENCY_KEY="cancel-1")
    again = post_json(api, url, {}, HTTP_IDEMPOTENCY_KEY="cancel-1")
    assert first.status_code == again.status_code == 200 and again.json() == first.json()
    with merchant_scope(order.merchant):
        assert OrderEvent.objects.filter(order=order, kind="return.cancelled").count() == 1
        assert IdempotencyRecord.objects.count() == 1
    assert post_json(api, url, {}).status_code == 409  # without the key, a second cancel is refused


# --- Racing requests --------------------------------------------------------------------------------


def race(monkeypatch, service_name: str, merchant, url: str, data: dict, **headers) -> list[int]:
    """Send the same POST twice at once; both reach the lifecycle service before either calls it."""
    from returns import lifecycle

    both_inside = threading.Barrier(2, timeout=10)
    real_service = getattr(lifecycle, service_name)

    def service_after_both_arrive(**kwargs):
        both_inside.wait()
        return real_service(**kwargs)

    monkeypatch.setattr(lifecycle, service_name, service_after_both_arrive)
    statuses = []

    def send():
        try:
            statuses.append(post_json(api_client_for(merchant), url, data, **headers).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(statuses)


@pytest.mark.django_db(transaction=True)
def test_two_agents_approving_at_once_one_wins_the_other_is_told(monkeypatch):
    merchant = MerchantFactory()
    order = OrderFactory(merchant=merchant)
    LineItemFactory(merchant=merchant, order=order, title="Candle")
    request = make_return(order, "Candle")

    statuses = race(monkeypatch, "return_approve", merchant, f"/api/v1/returns/{request.pk}/approve", {})

    assert statuses == [200, 409]
    with merchant_scope(merchant):
        assert OrderEvent.objects.filter(kind="return.approved").count() == 1


@pytest.mark.parametrize(("headers", "expected"), [({}, [201, 400]), ({"HTTP_IDEMPOTENCY_KEY": "k"}, [201, 201])])
@pytest.mark.django_db(transaction=True)
def test_two_creates_of_the_same_items_at_once_make_one_return(monkeypatch, headers, expected):
    merchant = MerchantFactory()
    order = OrderFactory(merchant=merchant)
    LineItemFactory(merchant=merchant, order=order, title="Candle", quantity=1)
    items = [{"line_item_id": line(order, "Candle").pk, "quantity": 1, "reason": "too_big"}]
    data = body(order, method="ship_yourself", items=items)

    # Without a key the second is told the item is returned already; with one, both get the return.
    assert race(monkeypatch, "return_request_create", merchant, "/api/v1/returns", data, **headers) == expected
    assert stored(merchant) == (1, 1)
