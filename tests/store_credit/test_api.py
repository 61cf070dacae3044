from decimal import Decimal

import pytest

from merchants.models import Role
from tests.conftest import api_client_for

from .conftest import entries_of, issue, spend, wallet_of

pytestmark = pytest.mark.django_db


def url(customer, tail=""):
    return f"/api/v1/customers/{customer.pk}/store-credit{tail}"


def test_a_customers_balances_and_entries_newest_first(api, merchant, customer, django_assert_num_queries):
    issue(merchant, customer, "30.00", key="a")
    issue(merchant, customer, "1000", key="b", currency="JPY")
    spend(merchant, customer, "12.50", key="portal:1")
    with django_assert_num_queries(6):  # key, last use, customer, wallets, count, page
        answer = api.get(url(customer), {"limit": 2})
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert [(w["currency"], w["balance"]) for w in body["wallets"]] == [("JPY", "1000"), ("EUR", "17.50")]
    assert body["entries"]["count"] == 3
    assert [(e["kind"], e["amount"], e["currency"]) for e in body["entries"]["results"]] == [
        ("spent", "-12.50", "EUR"),
        ("issued", "1000", "JPY"),
    ]
    assert body["entries"]["next"]


def test_another_shops_customer_is_a_404(other_api, merchant, customer):
    issue(merchant, customer, "30.00")
    assert other_api.get(url(customer)).status_code == 404
    answer = other_api.post(
        url(customer, "/adjustments"), {"amount": "5", "currency": "EUR", "reason": "x"}, format="json"
    )
    assert answer.status_code == 404
    assert wallet_of(merchant, customer).balance == Decimal("30.00")


def test_an_admin_adjusts_once_per_idempotency_key(api, merchant, customer):
    payload = {"amount": "10.00", "currency": "EUR", "reason": "Late delivery, goodwill"}
    first = api.post(url(customer, "/adjustments"), payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post(url(customer, "/adjustments"), payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.json()
    assert again.status_code == 201 and again.json() == first.json()
    body = first.json()
    assert (body["kind"], body["amount"], body["note"], body["wallet"]["balance"]) == (
        "adjusted",
        "10.00",
        "Late delivery, goodwill",
        "10.00",
    )
    assert len(entries_of(merchant, customer)) == 1


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"amount": "1.234", "currency": "EUR", "reason": "x"}, "amount", "at most 2 decimals"),
        ({"amount": "5", "currency": "XYZ", "reason": "x"}, "currency", "Unknown currency"),
        ({"amount": "-50", "currency": "EUR", "reason": "x"}, "amount", "Only 30.00 EUR"),
        ({"amount": "5", "currency": "EUR", "reason": " "}, "reason", "may not be blank"),
        ({"amount": "5", "currency": "EUR"}, "reason", "required"),
        ({"amount": "abc", "currency": "EUR", "reason": "x"}, "amount", "as a number"),
        ({"amount": "0", "currency": "EUR", "reason": "x"}, "amount", "not be zero"),
    ],
)
def test_bad_adjustments_are_400_and_change_nothing(api, merchant, customer, payload, field, message):
    issue(merchant, customer, "30.00")
    answer = api.post(url(customer, "/adjustments"), payload, format="json")
    assert answer.status_code == 400
    assert message in " ".join(answer.json()[field])
    assert len(entries_of(merchant, customer)) == 1


def test_an_agent_key_cannot_adjust(merchant, customer):
    agent = api_client_for(merchant, role=Role.AGENT)
    answer = agent.post(url(customer, "/adjustments"), {"amount": "5", "currency": "EUR", "reason": "x"}, format="json")
    assert answer.status_code == 403
    assert "admin role" in answer.json()["detail"]
    assert entries_of(merchant, customer) == []


def test_bad_pagination_is_a_400(api, customer):
    assert api.get(url(customer), {"limit": "abc"}).status_code == 400
    assert api.get(url(customer), {"page": "2"}).status_code == 400
