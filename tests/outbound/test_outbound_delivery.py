"""Signed delivery over real HTTP, retries with backoff, disabling, resend and pruning."""

import json
import socket
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from core.scoping import merchant_scope, unscoped
from merchants.models import Role
from outbound import services as webhooks
from outbound import tasks
from outbound.models import OutboundAttempt, OutboundMessage, WebhookEndpoint
from tests.factories import MembershipFactory, OrderFactory, UserFactory

from .outbound_support import Reply, endpoint_for, publish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_private")]


@pytest.fixture
def order(merchant):
    with merchant_scope(merchant):
        return OrderFactory(merchant=merchant, number="#1042")


@pytest.fixture
def send(merchant, order, django_capture_on_commit_callbacks):
    """Publish an order.created event; its deliveries run at once (eager Celery)."""

    def _send(kind="order.created"):
        return publish(
            merchant, kind, order=order, payload={"order_id": order.pk}, capture=django_capture_on_commit_callbacks
        )

    return _send


def only_message(merchant):
    with merchant_scope(merchant):
        return OutboundMessage.objects.get()


def attempts_of(merchant, message):
    with merchant_scope(merchant):
        return list(OutboundAttempt.objects.filter(message=message).order_by("attempted_at", "id"))


def run_due(django_capture_on_commit_callbacks):
    """What beat does every minute: claim due messages; the queued attempts run at once."""
    with django_capture_on_commit_callbacks(execute=True):
        return tasks.deliver_due_messages()


def test_signature_verifies_on_the_exact_bytes(merchant, receiver, send):
    issued = endpoint_for(merchant, receiver.url())
    send()
    [request] = receiver.received
    message = only_message(merchant)
    payload = Webhook(issued.secret).verify(request.body, request.headers)
    assert payload["type"] == "order.created"
    assert payload["data"]["order"]["number"] == "#1042"
    assert request.headers["webhook-id"] == message.message_id
    assert request.headers["content-type"] == "application/json"
    assert request.body == message.body.encode()
    with pytest.raises(WebhookVerificationError):
        Webhook(issued.secret).verify(request.body.replace(b"#1042", b"#1043"), request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.secret_generate()).verify(request.body, request.headers)
    assert message.status == OutboundMessage.Status.SUCCEEDED
    [attempt] = attempts_of(merchant, message)
    assert (attempt.status_code, attempt.succeeded, attempt.response_excerpt, attempt.error) == (200, True, "ok", "")
    assert attempt.duration_ms >= 0


def test_secret_has_the_standard_webhooks_form(merchant, receiver):
    secret = endpoint_for(merchant, receiver.url()).secret
    assert secret.startswith("whsec_")
    assert len(Webhook(secret)._whsecret) == 32


def test_server_error_is_retried_with_the_same_id_and_bytes(
    merchant, receiver, send, django_capture_on_commit_callbacks
):
    issued = endpoint_for(merchant, receiver.url())
    receiver.reply(Reply(status=503, body=b"down for maintenance"))
    before = timezone.now()
    send()
    message = only_message(merchant)
    assert message.status == OutboundMessage.Status.PENDING
    assert message.attempt_count == 1
    assert timedelta(seconds=50) < message.next_attempt_at - before < timedelta(seconds=70)
    [first] = attempts_of(merchant, message)
    assert (first.status_code, first.succeeded, first.response_excerpt) == (503, False, "down for maintenance")
    assert message.claim_token is None  # waiting for its retry: nobody may send it now
    assert webhooks.message_deliver(message_id=message.pk, claim_token=None) is None
    assert len(receiver.received) == 1

    assert run_due(django_capture_on_commit_callbacks) == 0  # not due yet
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert run_due(django_capture_on_commit_callbacks) == 1
    assert len(receiver.received) == 2
    first_request, second_request = receiver.received
    assert first_request.headers["webhook-id"] == second_request.headers["webhook-id"] == message.message_id
    assert first_request.body == second_request.body
    Webhook(issued.secret).verify(second_request.body, second_request.headers)
    message = only_message(merchant)
    assert message.status == OutboundMessage.Status.SUCCEEDED
    assert message.delivered_at is not None


@pytest.mark.parametrize("status", [500, 502, 429, 408])
def test_retryable_statuses(merchant, receiver, send, status):
    endpoint_for(merchant, receiver.url())
    receiver.reply(Reply(status=status))
    send()
    message = only_message(merchant)
    assert message.status == OutboundMessage.Status.PENDING
    assert message.next_attempt_at > timezone.now()


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_other_client_errors_are_not_retried(merchant, receiver, send, status):
    endpoint_for(merchant, receiver.url())
    receiver.reply(Reply(status=status, body=b'{"error":"nope"}'))
    send()
    message = only_message(merchant)
    assert message.status == OutboundMessage.Status.FAILED
    assert message.next_attempt_at is None
    [attempt] = attempts_of(merchant, message)
    assert attempt.status_code == status
    assert attempt.response_excerpt == '{"error":"nope"}'
    assert "not retried" in attempt.error


def test_response_excerpt_is_at_most_one_kilobyte(merchant, receiver, send):
    endpoint_for(merchant, receiver.url())
    receiver.reply(Reply(status=200, body=b"x" * 50_000))
    send()
    [attempt] = attempts_of(merchant, only_message(merchant))
    assert len(attempt.response_excerpt.encode()) == 1024


def test_timeout_is_retried(merchant, receiver, send, settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    endpoint_for(merchant, receiver.url())
    receiver.reply(Reply(status=200, delay=1.0))
    send()
    message = only_message(merchant)
    [attempt] = attempts_of(merchant, message)
    assert attempt.status_code is None
    assert attempt.error == "No answer within 0.3 s."
    assert attempt.duration_ms < 1000
    assert message.status == OutboundMessage.Status.PENDING


def test_connection_refused_is_retried(merchant, send):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint_for(merchant, f"http://127.0.0.1:{port}/hook")
    send()
    message = only_message(merchant)
    [attempt] = attempts_of(merchant, message)
    assert attempt.error.startswith("Connection failed")
    assert "Connection refused" in attempt.error and "HTTPConnectionPool" not in attempt.error
    assert message.status == OutboundMessage.Status.PENDING


def test_backoff_schedule_lasts_about_a_day():
    delays = [webhooks.retry_delay(n, jitter=False) for n in range(1, webhooks.MAX_ATTEMPTS)]
    assert delays[:4] == [timedelta(minutes=1), timedelta(minutes=3), timedelta(minutes=9), timedelta(minutes=27)]
    assert all(later >= earlier for earlier, later in zip(delays, delays[1:], strict=False))
    assert max(delays) == timedelta(hours=8)
    assert timedelta(hours=20) < sum(delays, timedelta()) < timedelta(hours=26)
    for attempt_number in range(1, 10):
        jittered = webhooks.retry_delay(attempt_number)
        exact = webhooks.retry_delay(attempt_number, jitter=False)
        assert exact * 0.9 <= jittered <= exact * 1.1


def test_gives_up_after_the_last_attempt(merchant, receiver, send, django_capture_on_commit_callbacks):
    endpoint_for(merchant, receiver.url())
    receiver.default = Reply(status=500)
    start = timezone.now()
    send()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(webhooks.MAX_ATTEMPTS + 2):
            clock.shift(timedelta(hours=9))  # longer than any wait
            run_due(django_capture_on_commit_callbacks)
    message = only_message(merchant)
    assert message.status == OutboundMessage.Status.FAILED
    assert message.attempt_count == webhooks.MAX_ATTEMPTS
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS
    assert len(attempts_of(merchant, message)) == webhooks.MAX_ATTEMPTS


def test_a_stale_claim_sends_nothing(merchant, receiver, order):
    endpoint_for(merchant, receiver.url())
    publish(merchant, "order.created", order=order, payload={"order_id": order.pk})  # queued, not yet run
    message = only_message(merchant)
    assert webhooks.message_deliver(message_id=message.pk, claim_token=uuid.uuid4()) is None
    assert receiver.received == []
    assert webhooks.message_deliver(message_id=message.pk, claim_token=message.claim_token) is not None
    assert len(receiver.received) == 1
    # The same task run twice (a broker redelivery) does not send twice.
    assert webhooks.message_deliver(message_id=message.pk, claim_token=message.claim_token) is None
    assert len(receiver.received) == 1


def test_claim_lease_lets_the_dispatcher_take_over_a_lost_task(
    merchant, receiver, order, django_capture_on_commit_callbacks
):
    endpoint_for(merchant, receiver.url())
    publish(merchant, "order.created", order=order, payload={"order_id": order.pk})  # its task is "lost"
    assert run_due(django_capture_on_commit_callbacks) == 0  # claimed by the lost task: left alone
    with time_machine.travel(timezone.now() + webhooks.CLAIM_LEASE + timedelta(seconds=1)):
        assert run_due(django_capture_on_commit_callbacks) == 1
    assert len(receiver.received) == 1
    assert only_message(merchant).status == OutboundMessage.Status.SUCCEEDED


def test_rotation_signs_with_both_secrets_for_a_while(merchant, receiver, send, django_capture_on_commit_callbacks):
    issued = endpoint_for(merchant, receiver.url())
    new_secret = webhooks.endpoint_rotate_secret(endpoint=issued.endpoint)
    assert new_secret != issued.secret
    send()
    [request] = receiver.received
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(new_secret).verify(request.body, request.headers)
    Webhook(issued.secret).verify(request.body, request.headers)

    with time_machine.travel(timezone.now() + webhooks.PREVIOUS_SECRET_GRACE + timedelta(minutes=1)):
        with django_capture_on_commit_callbacks(execute=True):
            webhooks.message_resend(message=only_message(merchant))
        _, later = receiver.received
        assert len(later.headers["webhook-signature"].split(" ")) == 1
        Webhook(new_secret).verify(later.body, later.headers)
        with pytest.raises(WebhookVerificationError):
            Webhook(issued.secret).verify(later.body, later.headers)


def webhook_mail():
    return [email for email in mail.outbox if "webhook" in email.subject.lower()]


def _make_owner(merchant, email, language):
    user = UserFactory(email=email, language=language)
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=Role.OWNER)
    return user


def test_endpoint_failing_for_days_is_disabled_and_owners_emailed(merchant, receiver, send, order):
    _make_owner(merchant, "owner.fr@example.com", "fr")
    _make_owner(merchant, "owner.en@example.com", "en")
    admin = UserFactory(email="admin@example.com")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=admin, role=Role.ADMIN)
    issued = endpoint_for(merchant, receiver.url())
    endpoint = issued.endpoint
    receiver.default = Reply(status=500)
    with merchant_scope(merchant):
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(days=2))
    send()
    endpoint.refresh_from_db()
    assert endpoint.is_active  # two days: not yet
    assert webhook_mail() == []

    with merchant_scope(merchant):
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(days=3, hours=1))
    send("order.updated")
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_reason == WebhookEndpoint.DisabledReason.FAILING
    with merchant_scope(merchant):
        assert not OutboundMessage.objects.filter(status=OutboundMessage.Status.PENDING).exists()
    assert sorted(email.to[0] for email in webhook_mail()) == ["owner.en@example.com", "owner.fr@example.com"]
    by_address = {email.to[0]: email for email in webhook_mail()}
    assert "webhook endpoint was disabled" in by_address["owner.en@example.com"].subject
    assert "a été désactivé" in by_address["owner.fr@example.com"].subject
    assert receiver.url() in by_address["owner.fr@example.com"].body
    assert f"/app/settings/webhooks/{endpoint.pk}/" in by_address["owner.en@example.com"].body

    # Once per disabling; and a disabled endpoint gets nothing new.
    assert webhooks.endpoint_disabled_notify(endpoint_id=endpoint.pk) == 0
    sent_before = len(receiver.received)
    send("order.cancelled")
    assert len(receiver.received) == sent_before
    assert len(webhook_mail()) == 2


def test_a_success_clears_the_failure_streak(merchant, receiver, send):
    issued = endpoint_for(merchant, receiver.url())
    with merchant_scope(merchant):
        WebhookEndpoint.objects.filter(pk=issued.endpoint.pk).update(failing_since=timezone.now() - timedelta(days=1))
    send()
    issued.endpoint.refresh_from_db()
    assert issued.endpoint.failing_since is None
    assert issued.endpoint.last_success_at is not None


def test_resend_sends_the_same_message_again(merchant, receiver, send, django_capture_on_commit_callbacks):
    endpoint_for(merchant, receiver.url())
    receiver.reply(Reply(status=404))
    send()
    message = only_message(merchant)
    assert message.status == OutboundMessage.Status.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.message_resend(message=message)
    message = only_message(merchant)
    assert message.status == OutboundMessage.Status.SUCCEEDED
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert [attempt.manual for attempt in attempts_of(merchant, message)] == [False, True]


def test_resend_refused_while_in_progress_or_disabled(merchant, receiver, order):
    issued = endpoint_for(merchant, receiver.url())
    publish(merchant, "order.created", order=order, payload={"order_id": order.pk})  # claimed, queued
    message = only_message(merchant)
    with pytest.raises(webhooks.DeliveryInProgressError):
        webhooks.message_resend(message=message)  # a double click sends nothing twice
    webhooks.endpoint_disable(endpoint=issued.endpoint, reason=WebhookEndpoint.DisabledReason.MANUAL)
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.FAILED
    with pytest.raises(ValidationError, match="disabled"):
        webhooks.message_resend(message=message)
    assert receiver.received == []


def test_manual_disable_sends_no_email_and_enable_clears_state(merchant, owner, receiver):
    issued = endpoint_for(merchant, receiver.url())
    assert webhooks.endpoint_disable(endpoint=issued.endpoint, reason=WebhookEndpoint.DisabledReason.MANUAL)
    assert not webhooks.endpoint_disable(endpoint=issued.endpoint, reason=WebhookEndpoint.DisabledReason.MANUAL)
    assert webhook_mail() == []
    webhooks.endpoint_enable(endpoint=issued.endpoint)
    assert issued.endpoint.is_active and issued.endpoint.disabled_reason == "" and issued.endpoint.failing_since is None


def test_old_history_is_pruned(merchant, receiver, send, settings):
    settings.WEBHOOKS_RETENTION_DAYS = 30
    endpoint_for(merchant, receiver.url())
    receiver.reply(Reply(status=500))
    send()  # pending, one failed attempt
    send("order.updated")  # succeeded
    with merchant_scope(merchant):
        pending = OutboundMessage.objects.get(status=OutboundMessage.Status.PENDING)
        done = OutboundMessage.objects.get(status=OutboundMessage.Status.SUCCEEDED)
    long_ago = timezone.now() - timedelta(days=31)
    with unscoped():
        OutboundMessage.objects.filter(pk__in=[pending.pk, done.pk]).update(created_at=long_ago)
        OutboundAttempt.objects.filter(message=pending).update(attempted_at=long_ago)
    assert tasks.prune_webhook_history() == (2, 1)  # pending's old attempt; done and its attempt
    with unscoped():
        assert list(OutboundMessage.objects.values_list("pk", flat=True)) == [pending.pk]
        assert OutboundAttempt.objects.count() == 0


def test_body_is_plain_json_with_type_timestamp_and_data(merchant, receiver, send):
    endpoint_for(merchant, receiver.url())
    event = send()
    body = json.loads(receiver.received[0].body)
    assert set(body) == {"type", "timestamp", "data"}
    assert body["timestamp"] == event.occurred_at.isoformat().replace("+00:00", "Z")
