"""Emails of the past: the flows' record of what they sent for events recorded as history."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.scoping import merchant_scope, unscoped
from flows.dispatcher import dispatch_due
from flows.history import PastEngagement, message_engagement_record_past, messages_record_past
from flows.models import Message, MessageEvent, MessageStatus, ScheduledMessage, StepTemplate
from flows.services import default_flows_install
from orders.events import NewEvent, events_record, events_recorded_as_history
from orders.models import OrderEvent
from orders.services import order_cancel
from tracking.models import Shipment

from .helpers import place_order

NOW = timezone.now().replace(microsecond=0)
PLACED = NOW - timedelta(days=20)
SHIPPED = PLACED + timedelta(days=1)
DELIVERED = PLACED + timedelta(days=3)


def past_order(merchant, *, external_id="1001", email="camille@example.org", delivered=True):
    """An order placed, shipped and delivered weeks ago, its events recorded as history."""
    with events_recorded_as_history():
        order = place_order(merchant, external_id=external_id, email=email, placed_at=PLACED)
    with merchant_scope(merchant):
        shipment = Shipment.objects.create(
            merchant=merchant,
            order=order,
            carrier="colissimo",
            tracking_number=f"6A{external_id}",
            shipped_at=SHIPPED,
            status="delivered" if delivered else "in_transit",
            delivered_at=DELIVERED if delivered else None,
        )
    ids = {"order_id": order.pk, "shipment_id": shipment.pk}
    events = [NewEvent("shipment.created", order=order, payload={**ids, "carrier": "colissimo"}, occurred_at=SHIPPED)]
    if delivered:
        payload = {**ids, "delivered_at": DELIVERED.isoformat()}
        events.append(NewEvent("shipment.delivered", order=order, payload=payload, occurred_at=DELIVERED))
    events_record(merchant=merchant, events=events, past=True)
    return order


def events_of(merchant, order):
    with merchant_scope(merchant):
        return list(OrderEvent.objects.filter(order=order).select_related("order"))


def rows_by_step(merchant, order):
    with merchant_scope(merchant):
        rows = ScheduledMessage.objects.filter(order=order).select_related("step", "message")
        return {row.step.key: row for row in rows}


@pytest.mark.django_db
def test_past_events_record_their_emails_as_sent_when_due_and_schedule_the_rest(merchant):
    order = past_order(merchant)

    result = messages_record_past(merchant=merchant, events=events_of(merchant, order), now=NOW)

    rows = rows_by_step(merchant, order)
    sent = {key for key, row in rows.items() if row.status == MessageStatus.SENT}
    assert {"order-confirmation", "shipped", "delivered", "welcome", "education", "check-in"} <= sent
    assert rows["cross-sell"].skip_reason == "no_recommendations"  # the shop has no catalogue: its stop rule
    assert rows["reactivation"].status == MessageStatus.SCHEDULED and rows["reactivation"].due_at > NOW
    assert rows["order-confirmation"].message.sent_at == PLACED
    assert rows["shipped"].message.sent_at == SHIPPED
    for key in sent:  # each one at its due time, in the past, with its subject in the customer's language
        message = rows[key].message
        assert message.sent_at == rows[key].due_at <= NOW and message.created_at == message.sent_at
        assert message.recipient == "camille@example.org" and message.language == "fr" and message.subject
    assert rows["shipped"].message.subject == f"Votre commande {order.number} est en route"
    assert len(result.sent) == len(sent) and result.scheduled == 1
    assert mail.outbox == []
    assert dispatch_due().sent == 0 and mail.outbox == []  # nothing of the past is sent now


@pytest.mark.django_db
def test_a_second_record_of_the_same_events_writes_nothing(merchant):
    order = past_order(merchant)
    events = events_of(merchant, order)
    messages_record_past(merchant=merchant, events=events, now=NOW)
    with merchant_scope(merchant):
        before = (ScheduledMessage.objects.count(), Message.objects.count())

    again = messages_record_past(merchant=merchant, events=events, now=NOW)

    with merchant_scope(merchant):
        assert (ScheduledMessage.objects.count(), Message.objects.count()) == before
    assert again.sent == [] and again.scheduled == 0 and not again.skipped


@pytest.mark.django_db
def test_the_dispatchers_checks_decide_what_was_sent(merchant):
    kept = past_order(merchant)
    with events_recorded_as_history():
        cancelled = past_order(merchant, external_id="1002", email="louis@example.org")
        with merchant_scope(merchant):
            order_cancel(merchant=merchant, order=cancelled, reason="customer")
    events = events_of(merchant, kept) + events_of(merchant, cancelled)

    result = messages_record_past(merchant=merchant, events=events, now=NOW)

    rows = rows_by_step(merchant, cancelled)
    assert {row.status for row in rows.values() if row.due_at <= NOW} == {MessageStatus.SKIPPED}
    assert rows["welcome"].skip_reason == "order_cancelled" and not any(hasattr(r, "message") for r in rows.values())
    assert result.skipped["order_cancelled"] >= 5
    assert rows_by_step(merchant, kept)["welcome"].status == MessageStatus.SENT


@pytest.mark.django_db
def test_another_shops_events_write_nothing(merchant, other_merchant):
    order = past_order(other_merchant)

    result = messages_record_past(merchant=merchant, events=events_of(other_merchant, order), now=NOW)

    assert result.sent == [] and not rows_by_step(other_merchant, order)


def sent_message(merchant):
    order = past_order(merchant)
    messages_record_past(merchant=merchant, events=events_of(merchant, order), now=NOW)
    return rows_by_step(merchant, order)["shipped"].message


def engagement(message, kind, minutes, event_id=None):
    at = message.sent_at + timedelta(minutes=minutes)
    return PastEngagement(message_id=message.pk, kind=kind, occurred_at=at, event_id=event_id or f"{kind}-{minutes}")


@pytest.mark.django_db
def test_engagement_keeps_the_first_time_of_each_kind_and_each_event_once(merchant):
    message = sent_message(merchant)
    events = [engagement(message, "delivered", 1), engagement(message, "opened", 30), engagement(message, "opened", 10)]
    events.append(engagement(message, "clicked", 31))

    assert message_engagement_record_past(merchant=merchant, source="esp", events=events) == 4
    assert message_engagement_record_past(merchant=merchant, source="esp", events=events) == 0  # redelivered

    with unscoped():
        message.refresh_from_db()
    assert message.delivered_at == message.sent_at + timedelta(minutes=1)
    assert message.opened_at == message.sent_at + timedelta(minutes=10)
    assert message.clicked_at == message.sent_at + timedelta(minutes=31)
    with unscoped():
        assert MessageEvent.objects.filter(message=message).count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind, minutes, why",
    [
        ("bounced", 1, "not a delivery"),  # changes who gets email: only through the ESP's webhook
        ("opened", -1, "between its sending and now"),
        ("opened", 60 * 24 * 30, "between its sending and now"),
    ],
)
def test_engagement_refuses_what_did_not_happen_and_writes_nothing(merchant, kind, minutes, why):
    message = sent_message(merchant)
    events = [engagement(message, "delivered", 1), engagement(message, kind, minutes)]

    with pytest.raises(ValueError, match=why):
        message_engagement_record_past(merchant=merchant, source="esp", events=events)

    with unscoped():
        assert not MessageEvent.objects.exists()
        message.refresh_from_db()
    assert message.delivered_at is None


@pytest.mark.django_db
def test_engagement_refuses_another_shops_message(merchant, other_merchant):
    message = sent_message(other_merchant)

    with pytest.raises(ValueError, match="not a sent message of this shop"):
        message_engagement_record_past(merchant=merchant, source="esp", events=[engagement(message, "opened", 5)])

    with unscoped():
        assert not MessageEvent.objects.exists()


@pytest.mark.django_db
def test_a_step_without_a_template_fails_as_in_the_dispatcher(merchant):
    order = past_order(merchant)
    default_flows_install(merchant=merchant)
    with merchant_scope(merchant):
        StepTemplate.objects.filter(step__key="shipped").delete()

    result = messages_record_past(merchant=merchant, events=events_of(merchant, order), now=NOW)

    shipped = rows_by_step(merchant, order)["shipped"]
    assert shipped.status == MessageStatus.FAILED and shipped.last_error == "The step has no template."
    assert result.failed == 1 and not hasattr(shipped, "message")
