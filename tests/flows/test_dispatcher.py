"""The dispatcher: exactly once, retries, failures, caps, suppressions and addresses."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import override_settings

from core.scoping import merchant_scope, unscoped
from flows import dispatcher
from flows.dispatcher import claim_batch, dispatch_due
from flows.models import Message, MessageStatus, ScheduledMessage, SuppressionReason, SuppressionScope
from flows.services import default_flows_install, suppression_add
from tests.factories import CustomerFactory, MerchantFactory, OrderFactory

from . import backends
from .helpers import record

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


def at(moment):
    return time_machine.travel(moment, tick=False)


def confirmations(merchant, count, **order_kwargs):
    """`count` orders whose confirmation is due now (scheduled through the real event path)."""
    orders = []
    with at(NOW), merchant_scope(merchant):
        for _ in range(count):
            order = OrderFactory(merchant=merchant, placed_at=NOW, **order_kwargs)
            record(merchant, "order.created", order)
            orders.append(order)
    return orders


def statuses(merchant):
    with merchant_scope(merchant):
        return list(
            ScheduledMessage.objects.filter(step__key="order-confirmation").values_list("status", "skip_reason")
        )


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_send_each_message_once(merchant):
    confirmations(merchant, 60)
    errors = []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            with at(NOW + timedelta(seconds=5)):
                dispatch_due(batch_size=7)
        except Exception as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == 60 and len(set(recipients)) == 60
    with unscoped():
        assert Message.objects.count() == 60
        sent = ScheduledMessage.objects.filter(step__key="order-confirmation").values_list("status", flat=True)
        assert set(sent) == {MessageStatus.SENT}


@pytest.mark.django_db
def test_a_dead_workers_claim_is_taken_over_after_the_timeout(merchant):
    confirmations(merchant, 3)
    claim = claim_batch(now=NOW)  # this worker dies before sending
    assert len(claim.ids) == 3
    with at(NOW + timedelta(minutes=5)):
        assert dispatch_due().sent == 0  # still claimed
    with at(NOW + dispatcher.CLAIM_TIMEOUT + timedelta(minutes=1)):
        assert dispatch_due().sent == 3
        # The stale worker wakes up: its token no longer matches any row, nothing is sent twice.
        assert dispatcher._process(claim, NOW, dispatcher.get_connection()).sent == 0
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_a_worker_killed_while_sending_never_causes_a_duplicate(merchant):
    confirmations(merchant, 2)
    with unscoped():
        ScheduledMessage.objects.filter(step__key="order-confirmation").update(
            status=MessageStatus.SENDING, claimed_at=NOW
        )
    with at(NOW + dispatcher.CLAIM_TIMEOUT + timedelta(minutes=1)):
        stats = dispatch_due()
    assert (stats.interrupted, stats.sent, len(mail.outbox)) == (2, 0, 0)
    assert {s for s, _r in statuses(merchant)} == {MessageStatus.FAILED}


@pytest.mark.django_db
@override_settings(EMAIL_BACKEND="tests.flows.backends.FlakyBackend")
def test_transient_errors_retry_with_backoff(merchant):
    backends.FlakyBackend.failures = 1
    confirmations(merchant, 1)
    with at(NOW):
        stats = dispatch_due()
    assert (stats.retried, len(mail.outbox)) == (1, 0)
    with merchant_scope(merchant):
        row = ScheduledMessage.objects.get(step__key="order-confirmation")
        assert row.status == MessageStatus.SCHEDULED and row.attempts == 1
        assert row.due_at == NOW + timedelta(minutes=1) and "SMTPServerDisconnected" in row.last_error
        assert not Message.objects.exists()
    with at(NOW + timedelta(seconds=30)):
        assert dispatch_due().sent == 0  # not yet: backoff
    with at(NOW + timedelta(minutes=1)):
        assert dispatch_due().sent == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
@override_settings(EMAIL_BACKEND="tests.flows.backends.RejectingBackend")
def test_permanent_errors_are_recorded_and_not_retried(merchant):
    confirmations(merchant, 1)
    with at(NOW):
        assert dispatch_due().failed == 1
    with merchant_scope(merchant):
        message = Message.objects.get()
        assert "550" in message.error and message.sent_at is None
    assert statuses(merchant) == [(MessageStatus.FAILED, "")]


@pytest.mark.django_db
def test_customer_without_email_and_invalid_addresses_are_skipped(merchant):
    with merchant_scope(merchant):
        no_email = CustomerFactory(merchant=merchant, email="")
        bad = CustomerFactory(merchant=merchant, email="not-an-address")
    confirmations(merchant, 1, customer=no_email, email="")
    confirmations(merchant, 1, customer=bad, email="not-an-address")
    with at(NOW):
        dispatch_due()
    assert mail.outbox == []
    assert sorted(statuses(merchant)) == [("skipped", "invalid_address"), ("skipped", "no_address")]


@pytest.mark.django_db
def test_hard_bounce_blocks_every_email_but_an_unsubscribe_only_marketing(merchant):
    with merchant_scope(merchant):
        bounced = CustomerFactory(merchant=merchant, email="gone@example.org")
        unsubscribed = CustomerFactory(merchant=merchant, email="quiet@example.org")
    suppression_add(
        merchant=merchant, address="GONE@example.org", reason=SuppressionReason.BOUNCED, scope=SuppressionScope.ALL
    )
    from flows.services import marketing_unsubscribe

    marketing_unsubscribe(merchant=merchant, address="quiet@example.org")
    confirmations(merchant, 1, customer=bounced, email="gone@example.org")
    confirmations(merchant, 1, customer=unsubscribed, email="quiet@example.org")
    with at(NOW):
        dispatch_due()
    assert [m.to for m in mail.outbox] == [["quiet@example.org"]]  # the confirmation is transactional
    assert ("skipped", "suppressed") in statuses(merchant)


@pytest.mark.django_db
def test_one_marketing_email_per_customer_per_day(merchant):
    with at(NOW), merchant_scope(merchant):
        customer = CustomerFactory(merchant=merchant, email="fan@example.org", time_zone="Europe/Paris")
        for _ in range(2):
            record(merchant, "order.created", OrderFactory(merchant=merchant, customer=customer, placed_at=NOW))
        dispatch_due()  # the two order confirmations: transactional, never capped
    assert len(mail.outbox) == 2
    with at(NOW + timedelta(days=2)):
        stats = dispatch_due()
    assert (stats.sent, stats.deferred) == (1, 1)
    welcome = [m for m in mail.outbox if "Bienvenue" in m.subject]
    assert len(welcome) == 1
    with at(NOW + timedelta(days=3)):
        dispatch_due()
    assert len([m for m in mail.outbox if "Bienvenue" in m.subject]) == 2


@pytest.mark.django_db
def test_consent_required_by_the_merchant(merchant):
    from flows.services import flow_settings_update

    flow_settings_update(
        merchant=merchant,
        require_marketing_consent=True,
        marketing_daily_cap=1,
        late_tolerance_hours=24,
        allowed_link_domains=[],
        product_guides={},
        signature_name="",
    )
    with at(NOW), merchant_scope(merchant):
        no = CustomerFactory(merchant=merchant, email="no@example.org", accepts_marketing=False)
        yes = CustomerFactory(merchant=merchant, email="yes@example.org", accepts_marketing=True)
        for customer in (no, yes):
            record(merchant, "order.created", OrderFactory(merchant=merchant, customer=customer, placed_at=NOW))
    with at(NOW + timedelta(days=2, hours=1)):
        dispatch_due()
    welcome = [m.to[0] for m in mail.outbox if "Bienvenue" in m.subject]
    assert welcome == ["yes@example.org"]


@pytest.mark.django_db
def test_redelivered_event_schedules_nothing_twice(merchant):
    [order] = confirmations(merchant, 1)
    with at(NOW), merchant_scope(merchant):
        record(merchant, "order.created", order)
        assert ScheduledMessage.objects.filter(order=order).count() == 6  # confirmation + 5 journey steps
        dispatch_due()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_paused_flow_skips_and_edited_content_applies_to_scheduled_messages(merchant):
    """The documented rule: content edits apply to scheduled messages; a paused flow skips them."""
    from flows.models import Flow, StepTemplate

    confirmations(merchant, 2)
    with merchant_scope(merchant):
        StepTemplate.objects.filter(step__key="order-confirmation", language="fr").update(
            subject="Commande {{ order.number }} : merci"
        )
    with at(NOW):
        dispatch_due()
    assert all(m.subject.startswith("Commande #") and m.subject.endswith(": merci") for m in mail.outbox)
    with merchant_scope(merchant):
        Flow.objects.filter(key="post-purchase").update(active=False)
    with at(NOW + timedelta(days=31)):
        dispatch_due()
    with merchant_scope(merchant):
        assert set(
            ScheduledMessage.objects.filter(step__flow__key="post-purchase").values_list("skip_reason", flat=True)
        ) == {"flow_inactive"}


@pytest.mark.django_db
def test_merchants_only_see_their_own_flows():
    first, second = MerchantFactory(), MerchantFactory()
    default_flows_install(merchant=first)
    with merchant_scope(second):
        from flows.models import Flow

        assert not Flow.objects.exists()


def test_non_ascii_subject_survives_mime_encoding():
    from email import message_from_bytes
    from email.header import decode_header, make_header

    from flows.dispatcher import FlowEmail

    subjects = [
        "Bienvenue chez Maison Lumière, Zoé — votre commande #10042 est confirmée et arrive bientôt",
        "Hi",
        "🎉 " * 30 + "日本語の件名" * 8,  # 2-, 3- and 4-byte characters across many words
    ]
    for subject in subjects:
        email = FlowEmail(subject=subject, body="x", from_email="shop@example.com", to=["zoe@example.org"])
        parsed = message_from_bytes(email.message().as_bytes())
        assert str(make_header(decode_header(parsed["Subject"]))) == subject
        assert max(len(word) for word in parsed["Subject"].split()) <= 75  # RFC 2047's limit per word
        assert email.subject == subject  # the object keeps the readable subject


def _mime_bytes(email) -> bytes:
    """The message as sent, with its multipart boundary (random per message) made the same."""
    message = email.message()
    if message.is_multipart():
        message.set_boundary("BOUNDARY")
    return message.as_bytes()


def test_flow_email_writes_the_same_mime_as_django():
    """FlowEmail builds its MIME parts its own, faster way: the bytes must be Django's, but for a
    non-ASCII subject, whose encoded words differ and decode to the same text."""
    from email import message_from_bytes
    from email.header import decode_header, make_header

    from django.core.mail import EmailMultiAlternatives

    from flows.dispatcher import FlowEmail

    long_line = "Bougie parfumée Figuier, 200 g. " * 40  # over 998 bytes: quoted-printable
    bodies = ["Hello", "Bonjour Zoé,\n\nMerci\u00a0!", long_line, "", "日本語\r\nline"]
    alternatives = [None, "<p>Bonjour Zoé</p>", f"<p>{long_line}</p>", "<p>Hi</p>\n" * 3]
    subjects = ["Welcome", "Bienvenue chez Maison Lumière, Zoé"]
    headers = {"Message-ID": "<1@example.com>", "Date": "Sat, 05 Dec 2026 01:00:00 -0000"}
    for body in bodies:
        for html in alternatives:
            for subject in subjects:
                fields = {
                    "subject": subject,
                    "body": body,
                    "from_email": "Maison Lumière <hello@maison-lumiere.example.com>",
                    "to": ["zoé@example.org"],
                    "cc": ["team@example.com"] if html is None else [],
                    "reply_to": ["support@example.com"],
                    "headers": {**headers, "List-Unsubscribe": "<https://example.com/u/x/>"},
                }
                ours, django = FlowEmail(**fields), EmailMultiAlternatives(**fields)
                if html is not None:
                    ours.attach_alternative(html, "text/html")
                    django.attach_alternative(html, "text/html")
                ours_bytes, django_bytes = _mime_bytes(ours), _mime_bytes(django)
                if subject.isascii():
                    assert ours_bytes == django_bytes
                    continue
                ours_parsed, django_parsed = message_from_bytes(ours_bytes), message_from_bytes(django_bytes)
                assert str(make_header(decode_header(ours_parsed["Subject"]))) == subject
                del ours_parsed["Subject"], django_parsed["Subject"]
                assert ours_parsed.as_bytes() == django_parsed.as_bytes()


def test_flow_email_dates_and_names_itself_as_django_does(settings):
    from flows.dispatcher import FlowEmail

    settings.EMAIL_USE_LOCALTIME = False
    message = FlowEmail(subject="Hi", body="x", from_email="shop@example.com", to=["zoe@example.org"]).message()
    assert message["Date"].endswith("-0000") and message["Message-ID"].startswith("<")
    assert [key for key, _value in message.items()][:3] == ["Content-Type", "MIME-Version", "Content-Transfer-Encoding"]


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_whatever_its_size(merchant):
    """Rows, orders, items and policies are loaded per batch: nothing is read per message."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    counts = []
    # The first batch also fills the cache of the shop's survey settings.
    for size, moment in [(1, NOW), (2, NOW + timedelta(hours=1)), (9, NOW + timedelta(hours=2))]:
        with at(moment), merchant_scope(merchant):
            for _ in range(size):
                record(merchant, "order.created", OrderFactory(merchant=merchant, placed_at=moment))
        with at(moment + timedelta(seconds=5)), CaptureQueriesContext(db) as queries:
            assert dispatch_due().sent == size
        counts.append(len(queries))
    assert counts[1] == counts[2]


@pytest.mark.django_db
def test_a_batch_runs_a_fixed_list_of_statements(merchant, monkeypatch):
    """What one batch costs the database, pinned: the claim, the batch's reads, then two writes per
    chunk of SEND_CHUNK emails ("sending" with its Message rows, "sent"). A statement more per
    message, per chunk or per batch fails here (docs/performance.md, dispatch)."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(dispatcher, "SEND_CHUNK", 2)
    with at(NOW), merchant_scope(merchant):
        for _ in range(3):
            record(merchant, "order.created", OrderFactory(merchant=merchant, placed_at=NOW))
    with at(NOW + timedelta(seconds=5)), CaptureQueriesContext(db) as queries:
        assert dispatch_due().sent == 3  # the three order confirmations, in chunks of 2 and 1
    statements = [_statement(q["sql"]) for q in queries if "SAVEPOINT" not in q["sql"]]
    assert statements == [
        "SELECT flows_scheduledmessage",  # left "sending" by a killed worker: none
        "UPDATE flows_scheduledmessage",  # the claim
        *("SELECT flows_scheduledmessage", "SELECT orders_lineitem", "SELECT tracking_shipment"),
        "SELECT returns_returnrequest",  # for the returns app's stop rules (register_order_prefetch)
        *("SELECT merchants_merchant", "SELECT flows_flowstep", "SELECT flows_steptemplate"),
        *("SELECT flows_flowsettings", "SELECT flows_suppression", "SELECT flows_marketingpreference"),
        "SELECT flows_message",  # the daily cap
        *("WITH mine", "WITH sent"),  # chunk of 2
        *("WITH mine", "WITH sent"),  # chunk of 1
        "UPDATE flows_scheduledmessage",  # the next claim, which finds nothing
    ]


def _statement(sql: str) -> str:
    """ "SELECT orders_lineitem": the verb and first table of a statement, or its CTE's name."""
    words = sql.replace('"', "").split()
    if words[0] == "WITH":
        return f"WITH {words[1]}"
    table = words[words.index("FROM") + 1] if words[0] == "SELECT" else words[1]
    return f"{words[0]} {table}"


@pytest.mark.django_db
def test_stop_rules_of_other_apps_read_a_batch_at_once(merchant):
    """The returns app's stop rules read the order's returns loaded with the batch (register_order_prefetch),
    feedback's low scores and survey settings are read once per batch (data.batch)."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from flows.models import FlowStep

    counts = []
    # The first batch also fills the cache of the shop's survey settings.
    for size, moment in [(1, NOW), (2, NOW + timedelta(hours=1)), (9, NOW + timedelta(hours=2))]:
        with at(moment), merchant_scope(merchant):
            for _ in range(size):
                record(merchant, "order.created", OrderFactory(merchant=merchant, placed_at=moment))
            steps = FlowStep.objects.filter(flow__trigger="order.created")
            assert steps.update(stop_rules=["open_return", "order_returned", "low_satisfaction"])
        with at(moment + timedelta(seconds=5)), CaptureQueriesContext(db) as queries:
            assert dispatch_due().sent == size
        counts.append(len(queries))
    assert counts[1] == counts[2]
