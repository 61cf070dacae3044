"""Scheduled messages change status only through the transition table (flows/message_status.py)."""

import re
from pathlib import Path

import pytest
from django.utils import timezone

from core.scoping import merchant_scope
from flows.message_status import TRANSITIONS, TransitionError, checked, scheduled_messages_move
from flows.models import MessageStatus, ScheduledMessage

from .helpers import place_order, publish_pending

FLOWS = Path(__file__).resolve().parents[2] / "flows"


def test_every_status_has_its_moves_and_finished_ones_have_none():
    assert set(TRANSITIONS) == set(MessageStatus.values)
    for finished in (MessageStatus.SENT, MessageStatus.SKIPPED, MessageStatus.FAILED, MessageStatus.CANCELLED):
        assert TRANSITIONS[finished] == frozenset()


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [("sent", "scheduled"), ("skipped", "scheduled"), ("scheduled", "sent"), ("cancelled", "sending")],
)
def test_a_move_outside_the_table_is_refused(from_status, to_status):
    with pytest.raises(TransitionError):
        checked(from_status, to_status)


@pytest.mark.django_db
def test_a_move_leaves_rows_that_already_moved_alone(merchant):
    place_order(merchant, placed_at=timezone.now())
    publish_pending(merchant)
    with merchant_scope(merchant):
        rows = ScheduledMessage.objects.filter(merchant=merchant)
        first = rows.order_by("pk").first()
        total = rows.filter(status=MessageStatus.SCHEDULED).count()
        assert total >= 2
        scheduled_messages_move(rows.filter(pk=first.pk), from_status="scheduled", to_status="cancelled")
        moved = scheduled_messages_move(rows, from_status="scheduled", to_status="skipped", skip_reason="test")
        assert moved == total - 1
        first.refresh_from_db()
        assert first.status == MessageStatus.CANCELLED


def test_no_status_is_written_around_the_table():
    pattern = re.compile(r"\.update\(\s*status=|\.status\s*=\s*MessageStatus\.")
    offenders = [
        path.name
        for path in FLOWS.glob("*.py")
        if path.name != "message_status.py" and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
