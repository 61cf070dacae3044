"""Order confirmations go out by a dispatch pass queued after commit: one pass for a burst of orders."""

import pytest
from django.utils import timezone

from core.scoping import merchant_scope
from flows.models import ScheduledMessage
from flows.services import IMMEDIATE_DISPATCH, default_flows_install
from flows.tasks import dispatch_due_messages

from .helpers import place_order, publish_pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch, merchant):
    default_flows_install(merchant=merchant)
    IMMEDIATE_DISPATCH.flag_clear()
    calls = []
    monkeypatch.setattr("flows.tasks.dispatch_due_messages.delay", lambda: calls.append("dispatch"))
    yield calls
    IMMEDIATE_DISPATCH.flag_clear()


def confirm(merchant, external_id, capture):
    with capture(execute=True):
        place_order(merchant, external_id=external_id, customer_external_id=external_id, placed_at=timezone.now())
        publish_pending(merchant)


def test_a_burst_of_confirmations_queues_one_pass_and_the_pass_reopens_the_door(
    merchant, queued, django_capture_on_commit_callbacks, mailoutbox
):
    confirm(merchant, "1001", django_capture_on_commit_callbacks)
    confirm(merchant, "1002", django_capture_on_commit_callbacks)
    assert queued == ["dispatch"]

    dispatch_due_messages()  # the queued pass: clears the flag, then sends both
    assert len(mailoutbox) == 2
    confirm(merchant, "1003", django_capture_on_commit_callbacks)

    assert queued == ["dispatch", "dispatch"]
    with merchant_scope(merchant):
        assert ScheduledMessage.objects.filter(status="scheduled", step__key="order-confirmation").count() == 1
