"""POST /api/v1/reviews and reading reviews back (feedback/review_api.py): bad input, other shops' ids,
resending the same review, Idempotency-Key, events and query counts."""

import json

import pytest

from core.scoping import merchant_scope
from feedback.models_reviews import Review
from orders.models import OrderEvent
from orders.selectors import customer_timeline
from tests.factories import CustomerFactory, OrderFactory

from .reviews_support import rows

pytestmark = pytest.mark.django_db
URL = "/api/v1/reviews"


@pytest.fixture
def order(merchant):
    return OrderFactory(merchant=merchant)


def body(order=None, **overrides):
    data = {
        "order_id": order.pk if order else None,
        "product_id": "p-candle",
        "rating": 4,
        "platform": "judgeme",
        "external_id": "jm-123",
        "url": "https://shop.example.com/products/candle#review-123",
        "created_at": "2026-11-20T10:00:00Z",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def post(client, data, **headers):
    return client.post(URL, data=json.dumps(data), content_type="application/json", **headers)


def reported_events(merchant):
    with merchant_scope(merchant):
        return list(OrderEvent.objects.filter(merchant=merchant, kind="review.reported"))


def test_a_review_is_recorded_once_with_its_event(api, merchant, order):
    answer = post(api, body(order))
    assert answer.status_code == 201
    data = answer.json()
    assert data["order_id"] == order.pk and data["customer_id"] == order.customer_id  # the order's customer
    assert (data["rating"], data["platform"], data["external_id"]) == (4, "judgeme", "jm-123")
    (event,) = reported_events(merchant)
    assert event.order_id == order.pk and event.payload == data
    again = post(api, body(order))
    assert again.status_code == 200 and again.json() == data  # sending it again changes nothing
    assert len(rows(merchant, Review)) == 1 and len(reported_events(merchant)) == 1


def test_the_same_id_with_other_data_is_a_conflict_and_changes_nothing(api, merchant, order):
    first = post(api, body(order)).json()
    answer = post(api, body(order, rating=1, url=""))
    assert answer.status_code == 409
    assert answer.json()["fields"] == ["rating", "url"] and answer.json()["review"] == first
    (review,) = rows(merchant, Review)
    assert review.rating == 4 and len(reported_events(merchant)) == 1


def test_the_same_id_on_another_platform_is_another_review(api, merchant, order):
    assert post(api, body(order)).status_code == 201
    assert post(api, body(order, platform="google")).status_code == 201
    assert len(rows(merchant, Review)) == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "five"}, "rating"),
        ({"platform": "amazon"}, "platform"),
        ({"external_id": ""}, "external_id"),
        ({"external_id": "x" * 129}, "external_id"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"created_at": "yesterday"}, "created_at"),
        ({"order_id": None}, "order_id"),
        ({"order_id": 0}, "order_id"),
        ({"product_id": "p" * 65}, "product_id"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(api, merchant, order, overrides, field):
    answer = post(api, body(order, **overrides))
    assert answer.status_code == 400
    assert field in answer.json() and answer.json()[field][0]
    assert rows(merchant, Review) == [] and reported_events(merchant) == []


def test_a_missing_field_is_named(api, merchant, order):
    data = body(order)
    del data["rating"], data["created_at"]
    answer = post(api, data)
    assert answer.status_code == 400 and {"rating", "created_at"} <= set(answer.json())


def test_another_shops_order_or_customer_reads_as_missing(api, merchant, other_merchant):
    foreign = OrderFactory(merchant=other_merchant)
    by_order = post(api, body(foreign))
    assert by_order.status_code == 400 and by_order.json() == {"order_id": ["No order with this id in your shop."]}
    by_customer = post(api, body(customer_id=foreign.customer_id))
    assert by_customer.json() == {"customer_id": ["No customer with this id in your shop."]}
    assert rows(merchant, Review) == [] and rows(other_merchant, Review) == []


def test_a_customer_who_did_not_place_the_order_is_refused(api, merchant, order):
    stranger = CustomerFactory(merchant=merchant)
    answer = post(api, body(order, customer_id=stranger.pk))
    assert answer.status_code == 400 and "customer_id" in answer.json()


def test_a_review_by_customer_shows_on_their_page(api, merchant):
    customer = CustomerFactory(merchant=merchant)
    answer = post(api, body(customer_id=customer.pk, platform="google", url=""))
    assert answer.status_code == 201 and answer.json()["order_id"] is None
    with merchant_scope(merchant):
        entries = [entry for entry in customer_timeline(customer) if entry.kind == "review.reported"]
    assert [(entry.label, entry.detail) for entry in entries] == [("Review reported", "4/5 · Google")]


def test_idempotency_key_replays_the_first_answer(api, merchant, order):
    first = post(api, body(order), HTTP_IDEMPOTENCY_KEY="rev-1")
    again = post(api, body(order), HTTP_IDEMPOTENCY_KEY="rev-1")
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    other = post(api, body(order, external_id="jm-124"), HTTP_IDEMPOTENCY_KEY="rev-1")
    assert other.status_code == 422
    assert len(rows(merchant, Review)) == 1


def test_list_and_detail_are_the_shops_own(api, other_api, merchant, order, django_assert_num_queries):
    for number in range(3):
        post(api, body(order, external_id=f"jm-{number}"))
    with django_assert_num_queries(3):  # the key, the count, the page: no query per review
        listed = api.get(URL)
    assert listed.status_code == 200 and listed.json()["count"] == 3
    review_id = listed.json()["results"][0]["id"]
    assert api.get(f"{URL}/{review_id}").json()["external_id"].startswith("jm-")
    assert other_api.get(f"{URL}/{review_id}").status_code == 404
    assert other_api.get(URL).json()["count"] == 0
    assert api.get(URL, {"platform": "google"}).json()["count"] == 0
    assert api.get(URL, {"plaform": "google"}).status_code == 400


def test_review_reported_goes_to_subscribed_webhooks_with_the_review(api, merchant, order, settings):
    from orders.events import event_publish
    from orders.selectors import order_timeline
    from outbound import services as webhooks
    from outbound.models import OutboundMessage

    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    webhooks.endpoint_create(merchant=merchant, url="http://127.0.0.1:9/hook", event_types=["review.*"])
    data = post(api, body(order)).json()
    (event,) = reported_events(merchant)
    event_publish(event_id=event.pk)
    with merchant_scope(merchant):
        (message,) = OutboundMessage.objects.filter(merchant=merchant)
        entries = [entry for entry in order_timeline(order) if entry.kind == "review.reported"]
    sent = json.loads(message.body)
    assert message.event_type == "review.reported" and sent["data"] == data
    assert [(entry.label, entry.detail) for entry in entries] == [("Review reported", "4/5 · Judge.me")]
