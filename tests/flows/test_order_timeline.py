"""The order's emails appear in its JSON, its API timeline and its dashboard page."""

from datetime import UTC, datetime

import pytest
import time_machine

from flows.dispatcher import dispatch_due
from flows.services import default_flows_install

from .helpers import place_order, publish_pending

pytestmark = pytest.mark.django_db

PLACED = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def order_with_emails(merchant):
    default_flows_install(merchant=merchant)
    with time_machine.travel(PLACED, tick=False):
        order = place_order(merchant, placed_at=PLACED)
        publish_pending(merchant)
        dispatch_due()
    return order


def test_order_json_lists_sent_and_scheduled_messages(api, order_with_emails):
    body = api.get(f"/api/v1/orders/{order_with_emails.pk}").json()
    statuses = {message["step"]: message["status"] for message in body["messages"]}
    assert statuses, "the order confirmation and the journey must be listed"
    assert "sent" in statuses.values() and "scheduled" in statuses.values()
    sent = next(message for message in body["messages"] if message["status"] == "sent")
    assert sent["sent_at"] and sent["due_at"]


def test_api_timeline_includes_emails_with_due_time_and_status(api, order_with_emails):
    timeline = api.get(f"/api/v1/orders/{order_with_emails.pk}/timeline").json()
    emails = [entry for entry in timeline if entry["source"] == "flows"]
    assert {entry["payload"]["status"] for entry in emails} >= {"sent", "scheduled"}
    assert all(entry["payload"]["due_at"] for entry in emails)


def test_order_page_shows_emails(staff_client, order_with_emails):
    page = staff_client.get(f"/app/orders/{order_with_emails.pk}/").content.decode()
    assert "(Sent)" in page and "(Scheduled)" in page  # the statuses' labels, not their codes
