"""Reward emails: the code once the shop made it, and the points given back, in the customer's language."""

from html import unescape
from importlib import import_module

import pytest
from django.apps import apps
from django.core import mail

from core.scoping import merchant_scope
from flows.dispatcher import dispatch_due
from flows.models import Flow, FlowStep
from flows.services import StepInput, default_flows_install, step_input_errors
from loyalty import rewards
from loyalty.mail_rewards import reward_flow_specs
from shop_actions import adapters
from shop_actions import services as shop_actions
from tests.flows.helpers import publish_pending
from tests.shop_actions.fake_shop import FakeShop

from .conftest import adjust
from .rewards_helpers import attempt, redeem, refreshed, reward

pytestmark = pytest.mark.django_db


def sent(merchant) -> list:
    mail.outbox.clear()
    publish_pending(merchant)
    dispatch_due()
    return list(mail.outbox)


def body_of(email) -> str:
    return unescape(next(content for content, mimetype in email.alternatives if mimetype == "text/html"))


@pytest.fixture
def ready(merchant, customer, program):
    default_flows_install(merchant=merchant)
    adjust(merchant, customer, 1000, key="staff:start")
    sent(merchant)
    return customer


def speaking(merchant, customer, language):
    with merchant_scope(merchant):
        customer.language = language
        customer.save()


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        (
            "fr",
            "Votre récompense chez Maison Lumière\u00a0: 5 € de réduction",
            ["300 points", "Il vous reste 700 points"],
        ),
        ("en", "Your reward at Maison Lumière: €5 off", ["300 points", "You have 700 points left"]),
    ],
)
def test_the_code_is_emailed_once_the_shop_made_it(merchant, ready, language, subject, words):
    speaking(merchant, ready, language)
    made = redeem(merchant, ready, reward(merchant))
    assert sent(merchant) == []  # not while the shop has not made it
    shop_actions.shop_action_confirm(action=attempt(made), result={"reference": "77"})
    [email] = sent(merchant)
    assert email.to == ["camille@example.org"] and unescape(email.subject) == subject
    body = body_of(email)
    assert refreshed(made).code in body and "/points/" in body
    for word in words:
        assert word in body, word
    assert sent(merchant) == []


def test_the_customer_is_told_when_the_points_come_back(merchant, ready, monkeypatch):
    speaking(merchant, ready, "fr")
    fake = FakeShop()
    monkeypatch.setitem(adapters._registry, fake.platform, fake)
    monkeypatch.setattr(rewards, "platform_for", lambda merchant, platform: fake.platform)
    made = redeem(merchant, ready, reward(merchant))
    fake.refuse("No discounts.")
    attempt(made)
    [email] = sent(merchant)
    assert unescape(email.subject) == "Vos 300 points vous sont rendus chez Maison Lumière"
    body = body_of(email)
    assert "5 € de réduction" in body and "1000 points" in body and made.code not in body


def test_the_reward_flows_and_their_templates_validate(merchant, ready):
    with merchant_scope(merchant):
        flows = {flow.key: flow.event_kind for flow in Flow.objects.filter(key__startswith="loyalty-reward-")}
        steps = list(FlowStep.objects.filter(flow__key__startswith="loyalty-reward-").prefetch_related("templates"))
    assert flows == {
        "loyalty-reward-code": "loyalty.reward_redeemed",
        "loyalty-reward-given-back": "loyalty.reward_given_back",
    }
    for step in steps:
        templates = {
            t.language: {"subject": t.subject, "preheader": t.preheader, "html_body": t.html_body}
            for t in step.templates.all()
        }
        assert set(templates) == {"en", "fr"}
        data = StepInput(name=step.name, delay_days=step.delay_days, stop_rules=step.stop_rules, templates=templates)
        assert step_input_errors(merchant, data) == {}, step.key


def test_existing_shops_get_the_reward_flows_once(merchant, ready):
    install = import_module("loyalty.migrations.0006_reward_flows").install_reward_flows
    with merchant_scope(merchant):
        Flow.objects.filter(key="loyalty-reward-code").delete()
    install(apps, None)
    install(apps, None)
    with merchant_scope(merchant):
        keys = sorted(Flow.objects.filter(key__startswith="loyalty-reward-").values_list("key", flat=True))
    assert keys == sorted(flow["key"] for flow, _steps in reward_flow_specs())
