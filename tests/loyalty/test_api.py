import pytest

from merchants.models import Role
from tests.conftest import api_client_for

from .conftest import account_of, adjust, entries_of, place

pytestmark = pytest.mark.django_db


def url(customer, tail=""):
    return f"/api/v1/customers/{customer.pk}/loyalty{tail}"


def test_a_customers_points_and_entries_newest_first(api, merchant, customer, program, django_assert_num_queries):
    place(merchant, customer)
    adjust(merchant, customer, 15)
    with django_assert_num_queries(7):  # key, last use, customer, account, count, page, tiers (none)
        answer = api.get(url(customer), {"limit": 1})
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["available"], body["pending"], body["debt"]) == (15, 120, 0)
    assert body["entries"]["count"] == 2
    [latest] = body["entries"]["results"]
    assert (latest["kind"], latest["points"], latest["note"]) == ("adjusted", 15, "Goodwill")
    assert body["entries"]["next"]


def test_a_customer_without_points_has_zeros(api, customer):
    body = api.get(url(customer)).json()
    assert (body["available"], body["pending"], body["entries"]["count"]) == (0, 0, 0)


def test_another_shops_customer_is_a_404(other_api, merchant, customer):
    adjust(merchant, customer, 30)
    assert other_api.get(url(customer)).status_code == 404
    answer = other_api.post(url(customer, "/adjustments"), {"points": 5, "reason": "x"}, format="json")
    assert answer.status_code == 404
    assert account_of(merchant, customer).available == 30


def test_an_adjustment_is_made_once_per_idempotency_key(api, merchant, customer):
    payload = {"points": 40, "reason": "Late delivery"}
    first = api.post(url(customer, "/adjustments"), payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post(url(customer, "/adjustments"), payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.json()
    assert again.status_code == 201 and again.json() == first.json()
    body = first.json()
    assert (body["kind"], body["source"], body["points"], body["account"]["available"]) == ("adjusted", "api", 40, 40)
    assert len(entries_of(merchant, customer)) == 1


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"points": "-50", "reason": "x"}, "points", "Only 30 points are available"),
        ({"points": "12.5", "reason": "x"}, "points", "whole number"),
        ({"points": "0", "reason": "x"}, "points", "not be zero"),
        ({"points": "5000000", "reason": "x"}, "points", "At most"),
        ({"points": "5", "reason": " "}, "reason", "may not be blank"),
        ({"points": "5"}, "reason", "required"),
    ],
)
def test_bad_adjustments_are_400_and_change_nothing(api, merchant, customer, payload, field, message):
    adjust(merchant, customer, 30)
    answer = api.post(url(customer, "/adjustments"), payload, format="json")
    assert answer.status_code == 400
    assert message in " ".join(answer.json()[field])
    assert len(entries_of(merchant, customer)) == 1


def test_a_viewer_key_cannot_adjust(merchant, customer):
    viewer = api_client_for(merchant, role=Role.VIEWER)
    answer = viewer.post(url(customer, "/adjustments"), {"points": 5, "reason": "x"}, format="json")
    assert answer.status_code == 403
    assert entries_of(merchant, customer) == []


def test_bad_pagination_is_a_400(api, customer):
    assert api.get(url(customer), {"limit": "abc"}).status_code == 400
