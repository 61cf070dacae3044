"""Emails about a customer rather than an order (loyalty, referral, surveys): one per step, customer
and anchor key, sent once, stopped like the others. The apps that will record such events do not
exist yet: a test-only kind and flow stand in for them."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import translation

from core.event_kinds import EventKind, event_kind_register, event_kind_unregister
from core.scoping import merchant_scope, unscoped
from flows.dispatcher import dispatch_due
from flows.models import Flow, FlowKind, FlowStep, Message, MessageStatus, ScheduledMessage, StepTemplate, Trigger
from flows.rules import register_stop_rule, unregister_stop_rule
from flows.services import (
    FlowValidationError,
    StepInput,
    marketing_unsubscribe,
    messages_schedule_for_event,
    step_create,
    suppression_add,
)
from orders import privacy
from orders.events import event_publish, event_record, events_publish_pending
from orders.models import OrderEvent
from outbound.services import subscribable_event_types
from tests.factories import CustomerFactory

from .helpers import place_order, publish_pending
from .test_dashboard import step_post

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
KIND = "test.customer_nudge"

TEMPLATES = {
    "en": {
        "subject": "{{ customer.first_name }}, how was {{ shop.name }}?",
        "html_body": '<p>Hello {{ customer.full_name }}.</p><p><a href="{{ shop.url }}/survey">Answer</a></p>',
        "text_body": "Hello {{ customer.first_name }}, tell {{ shop.name }} what you think.",
    },
    "fr": {
        "subject": "{{ customer.first_name }}, votre avis sur {{ shop.name }} ?",
        "html_body": '<p>Bonjour {{ customer.full_name }}.</p><p><a href="{{ shop.url }}/survey">Répondre</a></p>',
        "text_body": "Bonjour {{ customer.first_name }}, dites à {{ shop.name }} ce que vous en pensez.",
    },
}


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture(autouse=True)
def customer_kind():
    """The kind a feedback or loyalty app would register."""
    event_kind_register(EventKind(KIND, "Customer nudge", customer_anchored=True))
    yield
    event_kind_unregister(KIND)


def nudge_flow(merchant, *, kind=FlowKind.MARKETING, stop_rules=(), delay_days=0):
    with merchant_scope(merchant):
        merchant.website_url = "https://maison-lumiere.example.com"
        merchant.save()
        flow = Flow.objects.create(merchant=merchant, name="Survey", kind=kind, trigger=Trigger.EVENT, event_kind=KIND)
        step = FlowStep.objects.create(
            merchant=merchant, flow=flow, key="nps", name="NPS", delay_days=delay_days, stop_rules=list(stop_rules)
        )
        for language, content in TEMPLATES.items():
            StepTemplate.objects.create(
                merchant=merchant,
                step=step,
                language=language,
                subject=content["subject"],
                html_body=content["html_body"],
                text_body=content["text_body"],
            )
    return step


@pytest.fixture
def step(merchant):
    return nudge_flow(merchant)


@pytest.fixture
def customer(merchant):
    with merchant_scope(merchant):
        return CustomerFactory(merchant=merchant, email="Camille@Example.org", first_name="Camille", language="fr")


def nudge(merchant, customer, anchor_key="nps:2026-Q4", *, publish=True):
    with at(NOW):
        event = event_record(merchant=merchant, kind=KIND, customer=customer, anchor_key=anchor_key)
        if publish:
            event_publish(event_id=event.pk)
    return event


def rows(merchant):
    with merchant_scope(merchant):
        return list(ScheduledMessage.objects.filter(step__key="nps").order_by("id"))


def send_due(moment=NOW + timedelta(minutes=1)):
    with at(moment):
        return dispatch_due()


# --- Scheduling -------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_customer_event_schedules_one_message_for_the_customer(merchant, step, customer):
    nudge(merchant, customer)
    [row] = rows(merchant)
    assert (row.order_id, row.customer_id, row.anchor_key) == (None, customer.pk, "nps:2026-Q4")
    assert (row.status, row.due_at) == (MessageStatus.SCHEDULED, NOW)


@pytest.mark.django_db
def test_recorded_again_or_republished_it_still_schedules_one_message(merchant, step, customer):
    event = nudge(merchant, customer)
    nudge(merchant, customer)  # the app records it again (a redelivered webhook, a retried job)
    with at(NOW), merchant_scope(merchant):
        messages_schedule_for_event(event=event)  # the sweep publishes it again
    assert len(rows(merchant)) == 1
    nudge(merchant, customer, "nps:2027-Q1")  # another thing to ask about: another message
    assert [r.anchor_key for r in rows(merchant)] == ["nps:2026-Q4", "nps:2027-Q1"]


@pytest.mark.django_db
def test_one_batch_holding_the_same_event_twice_writes_one_row(merchant, step, customer):
    with at(NOW):
        for _ in range(2):
            event_record(merchant=merchant, kind=KIND, customer=customer, anchor_key="referral:123")
        events_publish_pending()
    assert len(rows(merchant)) == 1
    with unscoped():
        assert not OrderEvent.objects.filter(published_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_publishing_the_same_anchor_at_once_write_one_row(merchant, step, customer):
    events = [nudge(merchant, customer, "referral:123", publish=False) for _ in range(2)]
    errors, barrier = [], threading.Barrier(2)

    def publish(event):
        try:
            barrier.wait()
            with at(NOW):
                event_publish(event_id=event.pk)
        except Exception as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(rows(merchant)) == 1
    with unscoped():
        assert OrderEvent.objects.filter(published_at__isnull=False).count() == 2


@pytest.mark.django_db
def test_an_erased_customer_is_not_scheduled(merchant, step, customer):
    with merchant_scope(merchant):
        customer.redacted_at = NOW
        customer.save()
    nudge(merchant, customer)
    assert rows(merchant) == []


@pytest.mark.django_db
def test_event_record_refuses_what_does_not_name_its_anchor(merchant, customer):
    with pytest.raises(ValueError, match="anchor_key"):
        event_record(merchant=merchant, kind=KIND, customer=customer)
    with pytest.raises(ValueError, match="customer_anchored"):
        event_record(merchant=merchant, kind="order.updated", customer=customer, anchor_key="x")
    with unscoped():
        assert not OrderEvent.objects.exists()


# --- Database constraints ------------------------------------------------------------------------
def _row(merchant, step, **fields):
    return ScheduledMessage(merchant=merchant, step=step, anchor_at=NOW, first_due_at=NOW, due_at=NOW, **fields)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields, constraint",
    [
        ({}, "scheduledmessage_has_anchor"),
        ({"anchor_key": "nps:2026-Q4"}, "scheduledmessage_has_anchor"),
        ({"with_customer": True}, "scheduledmessage_has_anchor"),
    ],
)
def test_a_row_without_an_anchor_is_refused_by_the_database(merchant, step, customer, fields, constraint):
    if fields.pop("with_customer", False):
        fields["customer"] = customer
    with unscoped(), pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        _row(merchant, step, **fields).save()


@pytest.mark.django_db
def test_the_database_refuses_a_second_row_per_step_customer_and_key(merchant, step, customer):
    other_step = nudge_flow(merchant)
    with unscoped():
        _row(merchant, step, customer=customer, anchor_key="nps:2026-Q4").save()
        _row(merchant, other_step, customer=customer, anchor_key="nps:2026-Q4").save()  # another step: fine
        _row(merchant, step, customer=customer, anchor_key="nps:2027-Q1").save()  # another key: fine
        with pytest.raises(IntegrityError, match="scheduledmessage_once_per_customer_anchor"), transaction.atomic():
            _row(merchant, step, customer=customer, anchor_key="nps:2026-Q4").save()
        assert ScheduledMessage.objects.filter(customer=customer).count() == 3


@pytest.mark.django_db
def test_an_event_naming_a_customer_without_a_key_is_refused_by_the_database(merchant, customer):
    with unscoped(), pytest.raises(IntegrityError, match="orderevent_customer_has_anchor_key"), transaction.atomic():
        OrderEvent.objects.create(merchant=merchant, kind=KIND, customer=customer)


# --- Sending ----------------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_send_each_customer_message_once(merchant, step):
    with merchant_scope(merchant):
        customers = [CustomerFactory(merchant=merchant, email=f"client{n}@example.org") for n in range(30)]
    for each in customers:
        nudge(merchant, each)
    errors, barrier = [], threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            send_due()
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
    assert sorted(recipients) == sorted(c.email for c in customers)
    with unscoped():
        assert Message.objects.filter(order__isnull=True).count() == 30
        assert set(ScheduledMessage.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, subject, greeting",
    [
        ("fr", "Camille, votre avis sur Maison Lumière ?", "Bonjour Camille Martin."),
        ("en", "Camille, how was Maison Lumière?", "Hello Camille Martin."),
    ],
)
def test_the_email_speaks_the_customers_language_with_customer_and_shop_variables(
    merchant, step, customer, language, subject, greeting
):
    with merchant_scope(merchant):
        customer.language = language
        customer.save()
    nudge(merchant, customer)
    send_due()
    [email] = mail.outbox
    assert email.to == ["camille@example.org"]
    assert email.subject == subject
    assert greeting in email.alternatives[0][0]
    assert "Maison Lumière" in email.body
    with merchant_scope(merchant):
        message = Message.objects.get()
    assert (message.order_id, message.language, message.recipient) == (None, language, "camille@example.org")


@pytest.mark.django_db
def test_unsubscribe_and_click_tracking_work_for_a_customer_message(merchant, step, customer):
    nudge(merchant, customer)
    send_due()
    [email] = mail.outbox
    clicks = re.findall(r'href="http://localhost:8000(/e/c/[^"]+)"', email.alternatives[0][0])
    unsubscribe = email.extra_headers["List-Unsubscribe"].strip("<>").removeprefix("http://localhost:8000")
    with at(NOW + timedelta(hours=1)):
        redirects = [Client().get(click) for click in clicks]
        assert {r.status_code for r in redirects} == {302}
        assert "https://maison-lumiere.example.com/survey" in [r["Location"] for r in redirects]
        response = Client().post(
            unsubscribe, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 200
    with merchant_scope(merchant):
        message = Message.objects.get()
    assert message.clicked_at is not None and message.unsubscribed_at is not None
    nudge(merchant, customer, "nps:2027-Q1")
    send_due(NOW + timedelta(days=1))
    assert rows(merchant)[-1].skip_reason == "unsubscribed"


# --- Stopping -------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_unsubscribed_customer_gets_no_marketing_message(merchant, step, customer):
    nudge(merchant, customer)
    marketing_unsubscribe(merchant=merchant, address="camille@example.org")
    send_due()
    assert mail.outbox == []
    assert [(r.status, r.skip_reason) for r in rows(merchant)] == [(MessageStatus.SKIPPED, "unsubscribed")]


@pytest.mark.django_db
def test_a_suppressed_address_gets_nothing_even_transactional(merchant, customer):
    nudge_flow(merchant, kind=FlowKind.TRANSACTIONAL)
    nudge(merchant, customer)
    suppression_add(merchant=merchant, address="camille@example.org", reason="bounced", scope="all")
    send_due()
    assert mail.outbox == []
    assert [r.skip_reason for r in rows(merchant)] == ["suppressed"]


@pytest.mark.django_db
def test_erasing_the_customer_cancels_what_is_planned_and_blanks_what_was_sent(merchant, customer):
    nudge_flow(merchant)
    nudge(merchant, customer, "nps:2026-Q4")
    send_due()
    later = nudge_flow(merchant, delay_days=30)
    with at(NOW):
        event = event_record(merchant=merchant, kind=KIND, customer=customer, anchor_key="referral:9")
        event_publish(event_id=event.pk)
    subject = privacy.subject_for(merchant=merchant, customer_external_ids=[customer.external_id])
    with at(NOW + timedelta(hours=1)):
        counts = privacy.personal_data_erase(subject=subject)
    assert counts["flows.messages"] >= 2
    with merchant_scope(merchant):
        message = Message.objects.get()
        planned = ScheduledMessage.objects.get(step=later)
    assert (message.recipient, message.subject) == ("", "")
    assert (planned.status, planned.skip_reason) == (MessageStatus.CANCELLED, "customer_erased")
    send_due(NOW + timedelta(days=31))
    assert len(mail.outbox) == 1  # the one sent before the erasure


@pytest.mark.django_db
def test_a_customer_erased_after_scheduling_is_skipped_at_send_time(merchant, step, customer):
    nudge(merchant, customer)
    with merchant_scope(merchant):
        customer.redacted_at = NOW  # erased by a path that left the row scheduled
        customer.save()
    send_due()
    assert mail.outbox == []
    assert [r.skip_reason for r in rows(merchant)] == ["customer_erased"]


@pytest.mark.django_db
def test_order_stop_rules_are_inert_and_customer_rules_apply(merchant, customer):
    answered = set()
    register_stop_rule("survey_answered", "Survey answered", lambda d: d.anchor_key in answered, needs_order=False)
    try:
        nudge_flow(merchant, stop_rules=["order_cancelled", "ordered_again", "survey_answered"])
        nudge(merchant, customer, "nps:2026-Q4")
        nudge(merchant, customer, "nps:2027-Q1")
        answered.add("nps:2027-Q1")
        send_due()
    finally:
        unregister_stop_rule("survey_answered")
    assert [(r.anchor_key, r.status, r.skip_reason) for r in rows(merchant)] == [
        ("nps:2026-Q4", MessageStatus.SENT, ""),
        ("nps:2027-Q1", MessageStatus.SKIPPED, "survey_answered"),
    ]


@pytest.mark.django_db
def test_frequency_caps_count_customer_and_order_messages_together(merchant):
    placed = NOW - timedelta(days=2, hours=1)
    with at(placed):
        order = place_order(merchant, placed_at=placed, time_zone="Europe/Paris")
        publish_pending(merchant)
        dispatch_due()  # the order confirmation
    with at(NOW):
        dispatch_due()  # the J+2 welcome, a marketing email, goes out
    assert len(mail.outbox) == 2  # the confirmation and the welcome
    nudge_flow(merchant)
    nudge(merchant, order.customer)
    send_due(NOW + timedelta(hours=1))
    [row] = rows(merchant)
    assert row.status == MessageStatus.SCHEDULED and row.due_at >= NOW + timedelta(days=1)  # deferred by the cap
    assert len(mail.outbox) == 2


# --- Templates -------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_order_variables_are_refused_in_a_customer_step_with_a_clear_message(merchant, step):
    data = StepInput(
        name="Points",
        delay_days=0,
        templates={"en": {"subject": "Your order {{ order.number }}", "text_body": "{{ shipment.carrier }}"}},
    )
    with pytest.raises(FlowValidationError) as caught:
        step_create(flow=step.flow, data=data)
    assert "about a customer, not an order: order.number" in caught.value.errors["en.subject"]
    assert "shipment.carrier" in caught.value.errors["en.text_body"]
    assert "Unknown variable" not in caught.value.errors["en.subject"]
    with merchant_scope(merchant):
        assert FlowStep.objects.filter(flow=step.flow).count() == 1  # nothing saved
    with translation.override("fr"), pytest.raises(FlowValidationError) as caught:
        step_create(flow=step.flow, data=data)
    assert "Cet e-mail concerne un client, pas une commande\u00a0: order.number" in caught.value.errors["en.subject"]


@pytest.mark.django_db
def test_order_conditions_and_stop_rules_are_refused_in_a_customer_step(merchant, step):
    data = StepInput(
        name="Points",
        delay_days=0,
        conditions={"total_min": "50", "languages": ["fr"]},
        stop_rules=["order_cancelled"],
        templates={"fr": {"subject": "Merci {{ customer.first_name }}", "text_body": "{{ shop.name }}"}},
    )
    with pytest.raises(FlowValidationError) as caught:
        step_create(flow=step.flow, data=data)
    assert "Order total at least" in caught.value.errors["conditions"]
    assert "Languages" not in caught.value.errors["conditions"]
    assert "The order was cancelled" in caught.value.errors["stop_rules"]
    data.conditions, data.stop_rules = {"languages": ["fr"]}, []
    with merchant_scope(merchant):
        assert step_create(flow=step.flow, data=data).pk


@pytest.mark.django_db
def test_the_editor_previews_with_a_sample_customer_and_refuses_order_variables(merchant, step, staff_client):
    url = f"/app/flows/{step.flow_id}/steps/{step.pk}/"
    page = staff_client.get(url).content.decode()
    assert "Camille, votre avis sur Maison Lumière ?" in page  # the shop's language, the sample customer
    assert "order and shipment variables are not available" in page
    with merchant_scope(merchant):
        data = step_post(step, stop_rules=[], **{"fr-subject": "Commande {{ order.number }}"})
    response = staff_client.post(url, data)
    assert response.status_code == 400
    assert "This email is about a customer, not an order: order.number cannot be used here." in (
        response.content.decode()
    )
    with merchant_scope(merchant):
        data = step_post(step, stop_rules=["order_cancelled"])
    response = staff_client.post(url, data)
    assert response.status_code == 400
    assert "these stop rules read an order and cannot be used here: The order was cancelled." in (
        response.content.decode()
    )
    with merchant_scope(merchant):
        assert step.templates.get(language="fr").subject == TEMPLATES["fr"]["subject"]


@pytest.mark.django_db
def test_a_test_send_of_a_customer_step_uses_the_sample_customer(merchant, step):
    from flows.dispatcher import step_test_send

    with merchant_scope(merchant):
        step_test_send(step=step, language="en", to="staff@maison-lumiere.example.com")
    [email] = mail.outbox
    assert email.subject == "[TEST] Camille, how was Maison Lumière?"
    assert "Hello Camille Martin." in email.alternatives[0][0]


# --- Tenants, staff pages, outbound ---------------------------------------------------------------------
@pytest.mark.django_db
def test_a_customer_of_another_shop_is_refused_and_schedules_nothing(merchant, step, other_merchant):
    nudge_flow(other_merchant)
    with merchant_scope(other_merchant):
        stranger = CustomerFactory(merchant=other_merchant)
    with pytest.raises(ValueError, match="another shop"):
        event_record(merchant=merchant, kind=KIND, customer=stranger, anchor_key="nps:2026-Q4")
    nudge(other_merchant, stranger)
    with unscoped():
        assert list(ScheduledMessage.objects.values_list("merchant_id", flat=True)) == [other_merchant.pk]
    assert rows(merchant) == []


@pytest.mark.django_db
def test_step_statistics_count_customer_messages(merchant, step, customer, owner, client):
    nudge(merchant, customer)
    send_due()
    client.force_login(owner)
    response = client.get(f"/app/flows/{step.flow_id}/")
    assert response.status_code == 200
    from flows.selectors import step_stats

    assert step_stats(step=step, now=NOW + timedelta(minutes=2))["email"].sent == 1


@pytest.mark.django_db
def test_outbound_webhooks_skip_a_customer_kind_with_no_webhook_data(merchant, step, customer):
    assert KIND not in subscribable_event_types()
    event = nudge(merchant, customer)  # published: every subscriber ran, outbound included
    event.refresh_from_db()
    assert event.published_at is not None


@pytest.mark.django_db
def test_deleting_a_customer_deletes_its_customer_messages_and_keeps_its_order_ones(merchant, step):
    with at(NOW):
        order = place_order(merchant, placed_at=NOW)
        publish_pending(merchant)
    nudge(merchant, order.customer)
    with unscoped():
        order_rows = ScheduledMessage.objects.filter(order=order).count()
        assert order_rows and ScheduledMessage.objects.filter(order__isnull=True).count() == 1
        order.customer.delete()
        assert not ScheduledMessage.objects.filter(order__isnull=True).exists()
        kept = ScheduledMessage.objects.filter(order=order)
        assert kept.count() == order_rows and not kept.filter(customer__isnull=False).exists()


@pytest.mark.django_db
def test_a_customer_flow_cannot_count_from_a_delivery(merchant, step, staff_client):
    response = staff_client.post(
        f"/app/flows/{step.flow_id}/", {"name": "Survey", "active": "on", "anchor": "delivery_or_order"}
    )
    assert response.status_code == 400
    assert "about a customer, not an order: they count from the event" in response.content.decode()
    step.flow.refresh_from_db()
    assert step.flow.anchor == "trigger"


@pytest.mark.django_db
def test_erasing_a_whole_shop_blanks_its_order_and_customer_messages_only(merchant, step, customer, other_merchant):
    with at(NOW):
        place_order(merchant, placed_at=NOW, external_id="2001", email="lea@example.org", customer_external_id="lea")
        place_order(other_merchant, placed_at=NOW, external_id="2001", email="lea@example.org")
        publish_pending(merchant)
        publish_pending(other_merchant)
    nudge(merchant, customer)
    send_due()
    with unscoped():
        assert Message.objects.filter(merchant=merchant, order__isnull=False).exists()
        assert Message.objects.filter(merchant=merchant, order__isnull=True).exists()
    privacy.personal_data_erase(subject=privacy.subject_whole_shop(merchant=merchant))
    with unscoped():
        assert set(Message.objects.filter(merchant=merchant).values_list("recipient", "subject")) == {("", "")}
        assert set(Message.objects.filter(merchant=other_merchant).values_list("recipient", flat=True)) == {
            "lea@example.org"
        }


@pytest.mark.django_db
def test_the_customer_page_lists_the_events_and_emails_about_them(merchant, step, customer, staff_client):
    nudge(merchant, customer)
    send_due()
    page = staff_client.get(f"/app/orders/customers/{customer.pk}/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "About this customer" in content
    assert "<strong>Customer nudge</strong>" in content  # the event, by its registered label
    assert "<strong>NPS (Sent)</strong> — camille@example.org" in content  # the email sent about it


@pytest.mark.django_db
def test_another_shops_staff_cannot_open_the_customer_page(merchant, step, customer, other_merchant, client):
    from tests.conftest import login_as
    from tests.factories import MembershipFactory, UserFactory

    nudge(merchant, customer)
    intruder = UserFactory(email="owner@other-shop.example.com")
    with merchant_scope(other_merchant):
        MembershipFactory(merchant=other_merchant, user=intruder)
    response = login_as(client, intruder, other_merchant).get(f"/app/orders/customers/{customer.pk}/")
    assert response.status_code == 404
