"""Receivers that answer slowly byte by byte, without end, redirect or fail, over real HTTP on 127.0.0.1.

Each attempt has an overall deadline (WEBHOOKS_ATTEMPT_DEADLINE_SECONDS): whatever the receiver
does, no attempt lasts longer, and one cut off is a timeout, retried like any other.
"""

import gzip
import socket
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.scoping import merchant_scope
from outbound import tasks
from outbound.models import OutboundAttempt, OutboundMessage
from tests.factories import OrderFactory

from .outbound_support import Reply, endpoint_for, publish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_private")]

DEADLINE = 0.6
TRICKLE = 0.1  # between two bytes: far under the per-read timeout, so only the deadline can stop it
# Signing, DNS and the database around the call are in an attempt's duration too; a loaded machine
# may also wake the deadline's timer late.
SLACK_MS = 500


@pytest.fixture(autouse=True)
def short_limits(settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 1.0
    settings.WEBHOOKS_ATTEMPT_DEADLINE_SECONDS = DEADLINE


@pytest.fixture
def send(merchant, django_capture_on_commit_callbacks):
    """Publish an order.created event; its deliveries run at once (eager Celery)."""

    def _send():
        with merchant_scope(merchant):
            order = OrderFactory(merchant=merchant)
        return publish(
            merchant,
            "order.created",
            order=order,
            payload={"order_id": order.pk},
            capture=django_capture_on_commit_callbacks,
        )

    return _send


def retry_due(django_capture_on_commit_callbacks, after=timedelta(minutes=2)):
    """Beat's dispatcher, once the first retry is due; the attempts it queues run at once."""
    with time_machine.travel(timezone.now() + after), django_capture_on_commit_callbacks(execute=True):
        return tasks.deliver_due_messages()


def messages_of(merchant, endpoint):
    with merchant_scope(merchant):
        return list(OutboundMessage.objects.filter(endpoint=endpoint).order_by("id"))


def attempts_of(merchant, endpoint):
    with merchant_scope(merchant):
        return list(OutboundAttempt.objects.filter(message__endpoint=endpoint).order_by("id"))


def assert_cut_at_the_deadline(attempt):
    assert attempt.status_code is None
    assert attempt.error == f"No complete answer within {DEADLINE:g} s."
    assert DEADLINE * 1000 <= attempt.duration_ms <= DEADLINE * 1000 + SLACK_MS
    assert not attempt.succeeded


def wait_for(condition, seconds=5.0):
    ends = time.monotonic() + seconds
    while not condition() and time.monotonic() < ends:
        time.sleep(0.02)
    return condition()


def test_an_answer_trickled_byte_by_byte_is_cut_at_the_deadline_and_retried(
    merchant, receiver, send, django_capture_on_commit_callbacks
):
    endpoint = endpoint_for(merchant, receiver.url()).endpoint
    receiver.reply(Reply(status=200, body=b"ok", trickle=TRICKLE))  # about 5 s for the whole answer
    before = timezone.now()
    send()

    [message] = messages_of(merchant, endpoint)
    [attempt] = attempts_of(merchant, endpoint)
    assert_cut_at_the_deadline(attempt)
    assert (message.status, message.attempt_count) == (OutboundMessage.Status.PENDING, 1)
    assert timedelta(seconds=50) < message.next_attempt_at - before < timedelta(seconds=70)  # the usual backoff
    assert wait_for(lambda: receiver.streamed)  # the receiver saw the connection go away

    assert retry_due(django_capture_on_commit_callbacks) == 1
    [message] = messages_of(merchant, endpoint)
    assert message.status == OutboundMessage.Status.SUCCEEDED
    assert [r.headers["webhook-id"] for r in receiver.received] == [message.message_id] * 2


def test_a_quick_status_then_a_trickled_body_is_cut_too(merchant, receiver, send):
    endpoint = endpoint_for(merchant, receiver.url()).endpoint
    receiver.reply(Reply(status=200, body=b"x" * 100, trickle=TRICKLE, trickle_body_only=True))
    send()
    [attempt] = attempts_of(merchant, endpoint)
    assert_cut_at_the_deadline(attempt)
    assert messages_of(merchant, endpoint)[0].status == OutboundMessage.Status.PENDING


@pytest.fixture
def trickling_tls_server():
    """Accepts connections, then sends a TLS record header and its content one byte every TRICKLE."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        connection, _ = listener.accept()
        with connection:
            connection.sendall(b"\x16\x03\x03\x40\x00")  # a 16 KB handshake record follows...
            while not stop.wait(TRICKLE):
                try:
                    connection.sendall(b"\x02")
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()
    thread.join(5)


def test_a_tls_handshake_trickled_byte_by_byte_is_cut_at_the_deadline(merchant, trickling_tls_server, send):
    endpoint = endpoint_for(merchant, f"https://127.0.0.1:{trickling_tls_server}/hook").endpoint
    send()
    [attempt] = attempts_of(merchant, endpoint)
    assert_cut_at_the_deadline(attempt)


def test_an_endless_answer_is_read_to_one_kilobyte_and_dropped(merchant, receiver, send):
    endpoint = endpoint_for(merchant, receiver.url()).endpoint
    receiver.reply(Reply(status=200, body=b"spam " * 200, endless=True))
    send()
    [attempt] = attempts_of(merchant, endpoint)
    assert (attempt.status_code, attempt.succeeded) == (200, True)
    assert attempt.response_excerpt == ("spam " * 205)[:1024]
    assert attempt.duration_ms < DEADLINE * 1000
    assert wait_for(lambda: receiver.streamed)  # we hung up: the receiver's writes failed and it stopped


def test_a_compressed_answer_is_decompressed_to_one_kilobyte_only(merchant, receiver, send):
    endpoint = endpoint_for(merchant, receiver.url()).endpoint
    bomb = gzip.compress(b"a" * (64 << 20), compresslevel=9)  # 64 MB once inflated, about 64 KB sent
    receiver.reply(Reply(status=200, body=bomb, headers={"Content-Encoding": "gzip"}))
    send()
    [attempt] = attempts_of(merchant, endpoint)
    assert (attempt.status_code, attempt.response_excerpt) == (200, "a" * 1024)
    assert attempt.duration_ms < DEADLINE * 1000


def test_slow_redirecting_and_failing_receivers_lose_nothing_and_follow_nothing(
    merchant, receiver, send, django_capture_on_commit_callbacks
):
    """One shop, three receivers, a stream of events: then the retries. No attempt outlasts its deadline."""
    slow = endpoint_for(merchant, receiver.url("/slow")).endpoint
    moved = endpoint_for(merchant, receiver.url("/moved")).endpoint
    failing = endpoint_for(merchant, receiver.url("/failing")).endpoint
    by_path = {
        "/slow": Reply(status=200, trickle=TRICKLE),
        "/moved": Reply(status=301, headers={"Location": receiver.url("/elsewhere")}),
        "/failing": Reply(status=503, body=b"try later"),
    }
    receiver.answer = lambda request: by_path[request.path]
    for _ in range(3):
        send()

    for attempt in attempts_of(merchant, slow):
        assert_cut_at_the_deadline(attempt)
    assert all("Redirects are not followed (HTTP 301" in a.error for a in attempts_of(merchant, moved))
    assert {m.status for m in messages_of(merchant, moved)} == {OutboundMessage.Status.FAILED}  # never retried
    assert {m.status for m in messages_of(merchant, slow) + messages_of(merchant, failing)} == {
        OutboundMessage.Status.PENDING
    }

    by_path["/slow"] = by_path["/failing"] = Reply(status=200)  # both recover
    assert retry_due(django_capture_on_commit_callbacks) == 6
    for endpoint in (slow, failing):
        messages = messages_of(merchant, endpoint)
        assert {m.status for m in messages} == {OutboundMessage.Status.SUCCEEDED}
        assert [m.attempt_count for m in messages] == [2, 2, 2]
    assert not [r for r in receiver.received if r.path == "/elsewhere"]
    assert [r.path for r in receiver.received].count("/moved") == 3
    with merchant_scope(merchant):
        longest = max(OutboundAttempt.objects.values_list("duration_ms", flat=True))
    assert longest <= DEADLINE * 1000 + SLACK_MS


def test_an_answer_holding_nul_bytes_is_logged_and_counted(merchant, receiver, send):
    """PostgreSQL text refuses NUL: stored as is, the attempt was never recorded and the message resent forever."""
    endpoint = endpoint_for(merchant, receiver.url()).endpoint
    receiver.reply(Reply(status=500, body=b"bad\x00answer"))
    send()
    [attempt] = attempts_of(merchant, endpoint)
    assert (attempt.status_code, attempt.response_excerpt) == (500, "bad\ufffdanswer")
    [message] = messages_of(merchant, endpoint)
    assert (message.status, message.attempt_count) == (OutboundMessage.Status.PENDING, 1)
