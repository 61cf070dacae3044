"""The dispatcher's steps on databases without PostgreSQL's single statements (SQLite: the demo).

Run here on PostgreSQL with those statements switched off: the same outcomes, through the ORM.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings

from core.scoping import merchant_scope
from flows import dispatcher
from flows.dispatcher import dispatch_due
from flows.models import Message, MessageStatus, ScheduledMessage
from flows.services import default_flows_install

from . import backends
from .test_dispatcher import NOW, at, confirmations, statuses

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def portable(monkeypatch, merchant):
    monkeypatch.setattr(dispatcher, "_native", lambda: False)
    default_flows_install(merchant=merchant)


def test_due_messages_are_sent_once_and_recorded(merchant):
    confirmations(merchant, 3)
    with at(NOW):
        assert dispatch_due().sent == 3
        assert dispatch_due().sent == 0

    assert len(mail.outbox) == 3
    assert statuses(merchant) == [(MessageStatus.SENT, "")] * 3
    with merchant_scope(merchant):
        messages = list(Message.objects.all())
    assert len(messages) == 3 and all(m.sent_at == NOW and m.provider_message_id for m in messages)


@override_settings(EMAIL_BACKEND="tests.flows.backends.FlakyBackend")
def test_a_transient_error_is_retried(merchant):
    backends.FlakyBackend.failures = 1
    confirmations(merchant, 1)
    with at(NOW):
        assert dispatch_due().retried == 1
    with at(NOW + timedelta(minutes=1)):
        assert dispatch_due().sent == 1
    assert len(mail.outbox) == 1


@override_settings(EMAIL_BACKEND="tests.flows.backends.RejectingBackend")
def test_a_permanent_error_is_recorded(merchant):
    confirmations(merchant, 1)
    with at(NOW):
        assert dispatch_due().failed == 1
    with merchant_scope(merchant):
        assert "550" in Message.objects.get().error
        assert ScheduledMessage.objects.get(step__key="order-confirmation").status == MessageStatus.FAILED
