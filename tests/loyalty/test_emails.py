"""Loyalty's emails: points earned (with their pending date), available, taken back (the change and the
new balance) and expiring, in the customer's language, once per event however often it is delivered."""

from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.utils.html import strip_tags

from core.scoping import merchant_scope, unscoped
from feedback.review_services import ReviewInput, review_report
from flows.dispatcher import dispatch_due
from flows.models import Flow, FlowStep
from flows.services import StepInput, default_flows_install, step_input_errors
from loyalty import expiry, services
from loyalty.mail.defaults import loyalty_flow_specs
from orders.events import events_publish_pending
from orders.models import OrderEvent
from store_credit.services import add_months

from .conftest import cancel, place, refund

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def at(moment):
    return time_machine.travel(moment, tick=False)


def loyalty_emails(moment) -> list:
    """What the dispatcher sends at `moment` about points (the order's own emails left out)."""
    mail.outbox.clear()
    with at(moment):
        events_publish_pending()
        dispatch_due()
    return [email for email in mail.outbox if "point" in email.subject.lower()]


def body_of(email) -> str:
    """The HTML part's text, as read (tags dropped)."""
    return unescape(strip_tags(next(content for content, mimetype in email.alternatives if mimetype == "text/html")))


@pytest.fixture
def flows_installed(merchant, program):
    default_flows_install(merchant=merchant)


def speaks(merchant, customer, language):
    with merchant_scope(merchant):
        customer.language = language
        customer.save(update_fields=["language"])


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        (
            "fr",
            "Vous avez gagné 120 points chez Maison Lumière",
            ["pour votre commande #1043", "en attente jusqu’au mer. 3 juin", "0 point à utiliser, et 120 points"],
        ),
        (
            "en",
            "You earned 120 points at Maison Lumière",
            ["for your order #1043", "pending until Wed, Jun 3", "0 points to use, and 120 points on their way"],
        ),
    ],
)
def test_points_earned_say_when_they_become_available(merchant, customer, flows_installed, language, subject, words):
    speaks(merchant, customer, language)
    with at(NOW):
        place(merchant, customer, placed_at=NOW)
    [email] = loyalty_emails(NOW)
    assert email.to == ["camille@example.org"]
    assert unescape(email.subject) == subject
    body = body_of(email)
    for word in words:
        assert word in body, word
    html = email.alternatives[0][0]
    assert "/points/" in html and f"lang={language}" in html


def test_points_becoming_available_are_emailed_once(merchant, customer, flows_installed):
    speaks(merchant, customer, "en")
    with at(NOW):
        place(merchant, customer, placed_at=NOW)
    loyalty_emails(NOW)
    with at(NOW + timedelta(days=31)):
        services.points_mature_due()
        services.points_mature_due()
    [email] = loyalty_emails(NOW + timedelta(days=31))
    assert email.subject == "Your points at Maison Lumière are ready to use"
    body = body_of(email)
    assert "120 points for your order #1043 can now be used" in body
    assert "Your balance: 120 points to use." in body


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["taken back 24 points because order #1043 was refunded or returned", "96 points on their way"]),
        ("fr", ["retiré 24 points car la commande #1043 a été remboursée ou retournée", "96 points en attente"]),
    ],
)
def test_a_refund_emails_the_change_and_the_new_balance_once(merchant, customer, flows_installed, language, words):
    speaks(merchant, customer, language)
    with at(NOW):
        order = place(merchant, customer, placed_at=NOW)
    loyalty_emails(NOW)
    with at(NOW + timedelta(hours=1)):
        refund(merchant, order, "29.00")
        refund(merchant, order, "29.00")  # the refund webhook delivered twice
    [email] = loyalty_emails(NOW + timedelta(hours=1))
    body = body_of(email)
    assert "−24 points" in body  # the preheader
    for word in words:
        assert word in body, word


def test_a_cancellation_emails_the_points_lost(merchant, customer, flows_installed):
    speaks(merchant, customer, "en")
    with at(NOW):
        order = place(merchant, customer, placed_at=NOW)
    loyalty_emails(NOW)
    with at(NOW + timedelta(hours=1)):
        cancel(merchant, order)
    [email] = loyalty_emails(NOW + timedelta(hours=1))
    assert "taken back 120 points because order #1043 was cancelled" in body_of(email)
    assert "Your balance: 0 points to use." in body_of(email)


def test_points_already_spent_are_owed_and_the_email_says_so(merchant, customer, flows_installed):
    speaks(merchant, customer, "en")
    services.loyalty_settings_update(merchant=merchant, pending_days=0)
    with at(NOW):
        order = place(merchant, customer, placed_at=NOW)
        services.points_spend(merchant=merchant, customer=customer, points=100, source="reward", key="reward:1")
    loyalty_emails(NOW)
    with at(NOW + timedelta(hours=1)):
        refund(merchant, order, "145.00")
    [email] = loyalty_emails(NOW + timedelta(hours=1))
    body = body_of(email)
    assert "taken back 120 points" in body
    assert "100 points will be deducted from the next points you earn" in body


def test_a_redelivered_loyalty_event_sends_no_second_email(merchant, customer, flows_installed):
    with at(NOW):
        place(merchant, customer, placed_at=NOW)
    assert len(loyalty_emails(NOW)) == 1
    with unscoped():
        OrderEvent.objects.filter(kind__startswith="loyalty.").update(published_at=None)
        OrderEvent.objects.filter(kind="order.created").update(published_at=None)
    assert loyalty_emails(NOW + timedelta(minutes=5)) == []


def test_a_review_earns_an_email_that_names_it(merchant, customer, flows_installed):
    speaks(merchant, customer, "fr")
    services.loyalty_settings_update(merchant=merchant, review_points=50)
    with at(NOW):
        review_report(merchant=merchant, data=ReviewInput(None, customer, "p-1", 2, "shop", "s-1", "", NOW))
    [email] = loyalty_emails(NOW)
    assert unescape(email.subject) == "Vous avez gagné 50 points chez Maison Lumière"
    assert "50 points pour votre avis" in body_of(email)
    assert "dès maintenant" in body_of(email)


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        (
            "en",
            "Your points at Maison Lumière expire on Tue, May 4",
            ["the points in it will expire: 120 points", "any order that earns points counts"],
        ),
        (
            "fr",
            "Vos points chez Maison Lumière expirent le mar. 4 mai",
            ["les points qu’il contient expireront\u00a0: 120 points"],
        ),
    ],
)
def test_the_expiry_reminder_is_emailed_once_per_period(merchant, customer, flows_installed, language, subject, words):
    speaks(merchant, customer, language)
    services.loyalty_settings_update(merchant=merchant, expiry_months=12)
    with at(NOW):
        place(merchant, customer, placed_at=NOW)
    with at(NOW + timedelta(days=31)):
        services.points_mature_due()
    loyalty_emails(NOW + timedelta(days=31))
    remind_at = add_months(NOW, 12) - timedelta(days=30)
    with at(remind_at):
        expiry.points_expire_and_remind()
        expiry.points_expire_and_remind()
    [email] = loyalty_emails(remind_at)
    assert unescape(email.subject) == subject
    body = body_of(email)
    for word in words:
        assert word in body, word
    with at(remind_at + timedelta(days=1)):
        expiry.points_expire_and_remind()
    assert loyalty_emails(remind_at + timedelta(days=1)) == []


def test_new_shops_get_the_flows_and_their_templates_validate(merchant, flows_installed):
    with merchant_scope(merchant):
        flows = {
            flow.key: (flow.event_kind, flow.is_customer_anchored)
            for flow in Flow.objects.filter(key__startswith="loyalty-")
        }
        steps = list(FlowStep.objects.filter(flow__key__startswith="loyalty-").prefetch_related("templates"))
    assert (
        flows.items()
        >= {  # besides the tier and reward flows
            "loyalty-points-earned": ("loyalty.points_earned", True),
            "loyalty-points-available": ("loyalty.points_available", True),
            "loyalty-points-reversed": ("loyalty.points_reversed", True),
            "loyalty-points-expiring": ("loyalty.points_expiring", True),
        }.items()
    )
    for step in steps:
        templates = {
            t.language: {"subject": t.subject, "preheader": t.preheader, "html_body": t.html_body}
            for t in step.templates.all()
        }
        assert set(templates) == {"en", "fr"}
        data = StepInput(name=step.name, delay_days=step.delay_days, stop_rules=step.stop_rules, templates=templates)
        assert step_input_errors(merchant, data, customer_anchored=True) == {}, step.key


def test_existing_shops_get_the_flows_once(merchant, flows_installed):
    from importlib import import_module

    install = import_module("loyalty.migrations.0010_default_flows").install_loyalty_flows
    with merchant_scope(merchant):
        Flow.objects.filter(key="loyalty-points-expiring").delete()
    install(apps, None)
    install(apps, None)
    with merchant_scope(merchant):
        keys = set(Flow.objects.filter(key__startswith="loyalty-").values_list("key", flat=True))
    assert keys >= {flow["key"] for flow, _steps in loyalty_flow_specs()}
