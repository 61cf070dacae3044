"""The demo shops' emails of the last three months: sent, delivered, opened and clicked, as history."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from core.scoping import unscoped
from flows.dispatcher import dispatch_due
from flows.models import Message, MessageEvent, MessageStatus, ScheduledMessage
from flows.selectors import messages_for_order


def run_seed():
    call_command("seed_demo", "--orders", "120", "--no-progress", stdout=io.StringIO())


def counts():
    with unscoped():
        return (ScheduledMessage.objects.count(), Message.objects.count(), MessageEvent.objects.count())


@pytest.mark.django_db
def test_demo_flows_have_sent_emails_with_believable_opens_and_clicks(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        run_seed()

    with unscoped():
        by_step = (
            Message.objects.filter(step__flow__merchant__slug="maison-lumiere")
            .values("step__key")
            .annotate(
                sent=Count("id"),
                opened=Count("id", filter=Q(opened_at__isnull=False)),
                clicked=Count("id", filter=Q(clicked_at__isnull=False)),
            )
        )
        steps = {row["step__key"]: row for row in by_step}
        sent = list(Message.objects.all())
        a_message = Message.objects.select_related("order__merchant").filter(order__isnull=False).first()
    for key in ("order-confirmation", "shipped", "delivered", "welcome"):
        assert steps[key]["sent"] > 0, key
    total = sum(row["sent"] for row in steps.values())
    opened = sum(row["opened"] for row in steps.values())
    clicked = sum(row["clicked"] for row in steps.values())
    assert 0.3 < opened / total < 0.8 and 0.03 < clicked / total < 0.3
    assert all(m.opened_at is None or m.sent_at <= m.delivered_at <= m.opened_at for m in sent)
    # The order timeline shows them, and nothing of the past goes out now.
    items = messages_for_order(a_message.order)
    assert any(item["status"] == MessageStatus.SENT and item["sent_at"] for item in items)
    assert mailoutbox == [] and dispatch_due().sent == 0 and mailoutbox == []


@pytest.mark.django_db
def test_a_second_demo_run_adds_no_email():
    run_seed()
    first = counts()

    run_seed()

    assert counts() == first and first[1] > 0
