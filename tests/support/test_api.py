"""POST /api/v1/support-contacts: any other helpdesk's tickets, once each; GET lists them."""

import pytest

from core.scoping import merchant_scope
from orders.models import OrderEvent
from support.models import SupportContact
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/support-contacts"
TICKET = {
    "external_id": "FD-7781",
    "created_at": "2026-03-02T10:15:00+01:00",
    "subject": "Where is my order #1001?",
    "tags": ["shipping"],
    "email": "camille.martin@example.org",
}


def contacts(merchant):
    with merchant_scope(merchant):
        return list(SupportContact.objects.order_by("id"))


def test_a_ticket_is_recorded_classified_and_linked(api, merchant):
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant, number="#1001")

    response = api.post(URL, TICKET, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in ("source", "external_id", "is_wismo", "order_id", "order_number")} == {
        "source": "api",
        "external_id": "FD-7781",
        "is_wismo": True,
        "order_id": order.pk,
        "order_number": "#1001",
    }
    assert body["created_at"] == "2026-03-02T09:15:00Z"


def test_the_same_external_id_again_changes_nothing(api, merchant):
    first = api.post(URL, TICKET, format="json").json()

    again = api.post(URL, {**TICKET, "subject": "Invoice", "is_wismo": False}, format="json")

    assert again.status_code == 200
    assert again.json() == first
    [contact] = contacts(merchant)
    assert (contact.subject, contact.is_wismo) == ("Where is my order #1001?", True)


def test_an_idempotency_key_replays_the_first_answer(api, merchant):
    first = api.post(URL, TICKET, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = api.post(URL, TICKET, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    conflict = api.post(URL, {**TICKET, "external_id": "other"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, second.status_code, conflict.status_code) == (201, 201, 422)
    assert second.json() == first.json()
    assert len(contacts(merchant)) == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"external_id": ""}, "external_id"),
        ({"external_id": "x" * 129}, "external_id"),
        ({"created_at": "yesterday"}, "created_at"),
        ({"created_at": "2026-03-02T10:15:00"}, "created_at"),  # no offset
        ({"created_at": "2099-01-01T00:00:00Z"}, "created_at"),
        ({"tags": "wismo"}, "tags"),
        ({"tags": ["x" * 65]}, "tags"),
        ({"email": "not-an-email"}, "email"),
        ({"is_wismo": "maybe"}, "is_wismo"),
        ({"is_wismo": 1}, "is_wismo"),
        ({"order_number": 1001}, "order_number"),
        ({"tags": [1]}, "tags"),
        ({"subject": "a\x00b"}, "subject"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(api, merchant, change, field):
    response = api.post(URL, {**TICKET, **change}, format="json")

    assert response.status_code == 400
    assert field in str(response.json())
    assert contacts(merchant) == []


def test_a_missing_created_at_is_named(api, merchant):
    response = api.post(URL, {"external_id": "1"}, format="json")

    assert response.status_code == 400
    assert "created_at" in response.json()


def test_shops_see_only_their_own_contacts(api, other_api, merchant, other_merchant):
    api.post(URL, TICKET, format="json")
    other = other_api.post(URL, TICKET, format="json")

    assert other.status_code == 201  # the same helpdesk id in another shop is another ticket
    assert [row["id"] for row in other_api.get(URL).json()["results"]] == [other.json()["id"]]
    assert len(contacts(merchant)) == len(contacts(other_merchant)) == 1


def test_a_ticket_never_links_to_another_shops_order(other_api, merchant, other_merchant):
    with merchant_scope(merchant):
        OrderFactory(merchant=merchant, number="#1001", email="camille.martin@example.org", customer=None)

    body = other_api.post(URL, TICKET, format="json").json()

    assert body["order_id"] is None


def test_the_list_takes_three_queries_whatever_its_length(api, merchant, django_assert_num_queries):
    for number in range(5):
        api.post(URL, {**TICKET, "external_id": f"T-{number}"}, format="json")

    # the API key, the count, the page (with each contact's order)
    with django_assert_num_queries(3):
        response = api.get(URL)

    assert response.json()["count"] == 5


def test_an_unknown_query_parameter_is_refused(api):
    assert api.get(URL + "?wismo=1").status_code == 400


def test_a_linked_ticket_is_on_its_orders_timeline_once(api, merchant):
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant, number="#1001")

    api.post(URL, TICKET, format="json")
    api.post(URL, TICKET, format="json")

    with merchant_scope(merchant):
        events = list(OrderEvent.objects.filter(kind="support.contact_received").values("order_id", "payload"))
    assert events == [
        {
            "order_id": order.pk,
            "payload": {"source": "api", "source_name": "REST API", "external_id": "FD-7781", "is_wismo": True},
        }
    ]
