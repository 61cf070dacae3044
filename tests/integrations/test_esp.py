"""ESP tracking events (django-anymail's tracking signal) recorded on messages."""

import base64
from datetime import UTC, datetime

import pytest
import time_machine
from anymail.signals import AnymailTrackingEvent, tracking
from django.core import mail
from django.test import override_settings

from core.scoping import merchant_scope
from flows.dispatcher import dispatch_due
from flows.models import Message, MessageEvent, Suppression
from integrations.esp.urls import esp_webhook_problems
from tests.factories import MerchantFactory
from tests.flows.helpers import place_order, publish_pending

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def sent(merchant):
    with override_settings(EMAIL_BACKEND="anymail.backends.test.EmailBackend"), time_machine.travel(NOW, tick=False):
        place_order(merchant, placed_at=NOW)
        publish_pending(merchant)
        dispatch_due()
    with merchant_scope(merchant):
        return Message.objects.get()


def send_event(event_type, message_id, event_id="evt-1", recipient_override=None, **kwargs):
    event = AnymailTrackingEvent(
        event_type=event_type,
        message_id=message_id,
        event_id=event_id,
        timestamp=NOW,
        recipient=recipient_override or "camille@example.org",
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


# --- The webhook door ----------------------------------------------------------------------

SECRET = "provider-user:a-long-random-password"


def postmark_bounce(message_id, email="camille@example.org"):
    return {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": "HardBounce",
        "TypeCode": 1,
        "MessageID": message_id,
        "Email": email,
        "BouncedAt": "2025-06-02T09:05:00Z",
        "Description": "The server was unable to deliver your message.",
    }


def post_postmark(client, body, auth=None):
    headers = {}
    if auth:
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(auth.encode()).decode()
    return client.post("/anymail/postmark/tracking/", body, content_type="application/json", **headers)


def stored(merchant):
    with merchant_scope(merchant):
        return MessageEvent.objects.count(), Suppression.objects.count()


@pytest.mark.django_db
def test_without_a_secret_the_webhooks_are_refused_and_say_why(client, merchant, sent, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": None}
    response = post_postmark(client, postmark_bounce(sent.provider_message_id))
    assert response.status_code == 403
    assert "ANYMAIL_WEBHOOK_SECRET" in response.text
    assert stored(merchant) == (0, 0)


@pytest.mark.django_db
def test_with_a_secret_only_authenticated_events_are_recorded(client, merchant, sent, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": [SECRET]}
    assert post_postmark(client, postmark_bounce(sent.provider_message_id)).status_code == 400
    assert post_postmark(client, postmark_bounce(sent.provider_message_id), auth="x:wrong").status_code == 400
    assert stored(merchant) == (0, 0)
    assert post_postmark(client, postmark_bounce(sent.provider_message_id), auth=SECRET).status_code == 200
    with merchant_scope(merchant):
        assert list(Suppression.objects.values_list("address", "scope")) == [("camille@example.org", "all")]


@pytest.mark.django_db
def test_an_event_naming_another_recipient_suppresses_no_one(client, merchant, sent, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": [SECRET]}
    response = post_postmark(client, postmark_bounce(sent.provider_message_id, "victim@example.net"), auth=SECRET)
    assert response.status_code == 200  # nothing for the provider to retry
    assert stored(merchant) == (0, 0)
    send_event("unsubscribed", sent.provider_message_id, "evt-u", recipient_override="victim@example.net")
    assert stored(merchant) == (0, 0)


@pytest.mark.django_db
def test_inbound_email_doors_are_closed(client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": [SECRET]}
    assert client.post("/anymail/postmark/inbound/", {}, content_type="application/json").status_code == 404


@pytest.mark.django_db
def test_a_signing_provider_refuses_a_forged_signature(client, merchant, sent, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": [SECRET], "MAILGUN_WEBHOOK_SIGNING_KEY": "key-mailgun"}
    body = {
        "signature": {"timestamp": "1717318800", "token": "t" * 50, "signature": "0" * 64},
        "event-data": {"event": "failed", "severity": "permanent", "recipient": "camille@example.org"},
    }
    auth = "Basic " + base64.b64encode(SECRET.encode()).decode()
    response = client.post("/anymail/mailgun/tracking/", body, content_type="application/json", HTTP_AUTHORIZATION=auth)
    assert response.status_code == 400
    assert stored(merchant) == (0, 0)


@pytest.mark.parametrize(
    ("backend", "anymail", "expected"),
    [
        ("django.core.mail.backends.smtp.EmailBackend", {}, []),
        ("anymail.backends.postmark.EmailBackend", {}, ["flows.W001"]),
        ("anymail.backends.postmark.EmailBackend", {"WEBHOOK_SECRET": [SECRET]}, []),
        ("anymail.backends.resend.EmailBackend", {"WEBHOOK_SECRET": [SECRET]}, ["flows.W002"]),
        ("anymail.backends.mailgun.EmailBackend", {"WEBHOOK_SECRET": [SECRET]}, ["flows.E001"]),
        (
            "anymail.backends.mailgun.EmailBackend",
            {"WEBHOOK_SECRET": [SECRET], "MAILGUN_WEBHOOK_SIGNING_KEY": "key-mailgun"},
            [],
        ),
    ],
)
def test_start_up_says_what_keeps_provider_events_out(settings, backend, anymail, expected):
    settings.EMAIL_BACKEND = backend
    settings.ANYMAIL = anymail
    assert [problem.id for problem in esp_webhook_problems()] == expected
