"""ESP tracking events (django-anymail's tracking signal) recorded on messages."""

from datetime import UTC, datetime

import pytest
import time_machine
from anymail.signals import AnymailTrackingEvent, tracking
from django.core import mail
from django.test import override_settings

from flows.dispatcher import dispatch_due
from flows.models import Message, MessageEvent, Suppression
from merchants.scoping import merchant_scope
from tests.factories import MerchantFactory

from .helpers import place_order, publish_pending

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def sent(merchant):
    with override_settings(EMAIL_BACKEND="anymail.backends.test.EmailBackend"), time_machine.travel(NOW, tick=False):
        place_order(merchant, placed_at=NOW)
        publish_pending(merchant)
        dispatch_due()
    with merchant_scope(merchant):
        return Message.objects.get()


def send_event(event_type, message_id, event_id="evt-1", **kwargs):
    event = AnymailTrackingEvent(
        event_type=event_type,
        message_id=message_id,
        event_id=event_id,
        timestamp=NOW,
        recipient="camille@example.org",
        **kwargs,
    )
    tracking.send(sender=object, event=event, esp_name="Test")


@pytest.mark.django_db
def test_provider_message_id_is_stored(sent):
    assert sent.provider_message_id == str(mail.outbox[0].anymail_status.message_id)
    assert sent.sent_at is not None


@pytest.mark.django_db
def test_events_are_recorded_once_per_event_id(merchant, sent):
    send_event("delivered", sent.provider_message_id, "evt-1")
    send_event("delivered", sent.provider_message_id, "evt-1")  # the ESP retried the webhook
    send_event("opened", sent.provider_message_id, "evt-2")
    with merchant_scope(merchant):
        sent.refresh_from_db()
        assert MessageEvent.objects.filter(message=sent).count() == 2
    assert sent.delivered_at == NOW and sent.opened_at == NOW


@pytest.mark.django_db
def test_hard_bounce_suppresses_all_email_and_complaint_marketing(merchant, sent):
    send_event("bounced", sent.provider_message_id, "evt-b", reject_reason="bounced")
    send_event("complained", sent.provider_message_id, "evt-c")
    with merchant_scope(merchant):
        assert set(Suppression.objects.values_list("reason", "scope")) == {
            ("bounced", "all"),
            ("complained", "marketing"),
        }


@pytest.mark.django_db
def test_soft_rejections_and_unknown_messages_change_nothing(merchant, sent):
    send_event("rejected", sent.provider_message_id, "evt-r", reject_reason="blocked")
    send_event("bounced", "not-ours", "evt-x")
    with merchant_scope(merchant):
        assert not Suppression.objects.exists()
        assert not MessageEvent.objects.exists()


@pytest.mark.django_db
def test_an_event_only_touches_the_merchant_who_sent_the_message(merchant, sent):
    other = MerchantFactory()
    send_event("bounced", sent.provider_message_id, "evt-b", reject_reason="bounced")
    with merchant_scope(other):
        assert not Suppression.objects.exists()
