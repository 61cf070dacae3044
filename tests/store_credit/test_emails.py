"""Store credit's emails: issued (code, amount, balance, how to use it) and expiring soon, in the customer's language."""

from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.apps import apps
from django.core import mail

from core.scoping import merchant_scope
from flows.dispatcher import dispatch_due
from flows.models import Flow, FlowStep
from flows.services import StepInput, default_flows_install, step_input_errors
from store_credit import services
from store_credit.mail.defaults import store_credit_flow_specs
from tests.flows.helpers import publish_pending

from .conftest import issue, spend, wallet_of

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def at(moment):
    return time_machine.travel(moment, tick=False)


def sent(merchant, moment) -> list:
    mail.outbox.clear()
    with at(moment):
        publish_pending(merchant)
        dispatch_due()
    return list(mail.outbox)


def body_of(email) -> str:
    return unescape(next(content for content, mimetype in email.alternatives if mimetype == "text/html"))


@pytest.fixture
def flows_installed(merchant):
    default_flows_install(merchant=merchant)


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        (
            "fr",
            "30,00\u00a0€ d’avoir pour vous",
            ["54,00\u00a0€", "saisissez ce code", "expire le mar. 4 mai 2027\u00a0: pensez"],
        ),
        (
            "en",
            "€30.00 of store credit for you",
            ["€54.00", "enter this code at checkout", "expires on Tue, May 4, 2027: use it"],
        ),
    ],
)
def test_issued_credit_emails_the_code_amount_balance_and_how_to_use_it(
    merchant, customer, flows_installed, language, subject, words
):
    with merchant_scope(merchant):
        customer.language = language
        customer.save()
    with at(NOW):
        issue(merchant, customer, "24.00", key="first", expires_at=NOW + timedelta(days=365))
    sent(merchant, NOW)
    with at(NOW):
        issue(merchant, customer, "30.00", key="second", expires_at=NOW + timedelta(days=365))
    [email] = sent(merchant, NOW + timedelta(minutes=1))
    assert email.to == ["camille@example.org"]
    assert subject in unescape(email.subject)
    body = body_of(email)
    assert wallet_of(merchant, customer).code in body
    for word in words:
        assert word in body
    assert "/credit/" in body


def test_the_same_credit_is_emailed_once_and_spends_send_nothing(merchant, customer, flows_installed):
    with at(NOW):
        issue(merchant, customer, "30.00")
        issue(merchant, customer, "30.00")
    assert len(sent(merchant, NOW)) == 1
    with at(NOW):
        spend(merchant, customer, "5.00", key="portal:1")
    assert sent(merchant, NOW + timedelta(minutes=1)) == []


def test_the_reminder_names_what_is_left_and_when_it_expires(merchant, customer, flows_installed):
    with at(NOW):
        issue(merchant, customer, "30.00", expires_at=NOW + timedelta(days=25))
        spend(merchant, customer, "10.00", key="portal:1")
    sent(merchant, NOW)
    with at(NOW + timedelta(hours=1)):
        assert services.credits_remind_expiring() == 1
    [email] = sent(merchant, NOW + timedelta(hours=1))
    assert "20,00\u00a0€" in unescape(email.subject) and "29 mai" in unescape(email.subject)
    with at(NOW + timedelta(hours=2)):
        assert services.credits_remind_expiring() == 0
    assert sent(merchant, NOW + timedelta(hours=2)) == []


def test_new_shops_get_the_flows_and_their_templates_validate(merchant, flows_installed):
    with merchant_scope(merchant):
        flows = {flow.key: flow.event_kind for flow in Flow.objects.filter(key__startswith="store-credit-")}
        steps = list(FlowStep.objects.filter(flow__key__startswith="store-credit-").prefetch_related("templates"))
    assert flows == {"store-credit-issued": "store_credit.issued", "store-credit-expiring": "store_credit.expiring"}
    for step in steps:
        templates = {
            t.language: {"subject": t.subject, "preheader": t.preheader, "html_body": t.html_body}
            for t in step.templates.all()
        }
        assert set(templates) == {"en", "fr"}
        data = StepInput(name=step.name, delay_days=step.delay_days, stop_rules=step.stop_rules, templates=templates)
        assert step_input_errors(merchant, data) == {}, step.key


def test_existing_shops_get_the_flows_once(merchant, flows_installed):
    from importlib import import_module

    install = import_module("store_credit.migrations.0002_default_flows").install_store_credit_flows
    with merchant_scope(merchant):
        Flow.objects.filter(key="store-credit-expiring").delete()
    install(apps, None)
    install(apps, None)
    with merchant_scope(merchant):
        keys = sorted(Flow.objects.filter(key__startswith="store-credit-").values_list("key", flat=True))
    assert keys == sorted(flow["key"] for flow, _steps in store_credit_flow_specs())
