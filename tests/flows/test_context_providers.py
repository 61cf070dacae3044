"""Other apps add variables to email templates through providers; flows does not know them."""

import pytest
from django.utils import timezone

from core.scoping import merchant_scope
from flows import context_providers
from flows.content import order_context, sample_context
from flows.context_providers import EmailContextProvider, email_context_register
from flows.rendering import template_problems
from flows.services import flow_settings_get
from tests.factories import OrderFactory


@pytest.fixture
def points_provider(monkeypatch):
    monkeypatch.setattr(context_providers, "_providers", dict(context_providers._providers))
    calls = []

    def value(order, language):
        calls.append(order.pk)
        return {"balance": "120"}

    email_context_register(EmailContextProvider("points", value=value, sample=lambda m, lang: {"balance": "250"}))
    return calls


@pytest.mark.django_db
def test_the_validator_knows_a_provider_variable_once_registered(merchant, points_provider):
    with merchant_scope(merchant):
        sample = sample_context(merchant=merchant, language="fr", flow_settings=flow_settings_get(merchant=merchant))
    assert template_problems("{{ points.balance }} points", sample=sample, html_mode=False) == []
    assert template_problems("{{ nobody.balance }}", sample=sample, html_mode=False)  # nobody provides it


@pytest.mark.django_db
def test_a_provider_is_asked_only_when_the_template_uses_it(merchant, points_provider):
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant)
        settings = flow_settings_get(merchant=merchant)

        def context(wanted):
            return order_context(
                order=order,
                merchant=merchant,
                language="en",
                tz=timezone.get_current_timezone(),
                flow_settings=settings,
                links={},
                with_recommendations=False,
                wanted=wanted,
            )

        assert context(lambda name: False)["points"] == ""
        assert points_provider == []
        assert context(lambda name: name == "points")["points"] == {"balance": "120"}
        assert points_provider == [order.pk]


@pytest.mark.django_db
def test_tracking_provides_the_tracking_page_link(merchant):
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant)
        data = order_context(
            order=order,
            merchant=merchant,
            language="en",
            tz=timezone.get_current_timezone(),
            flow_settings=flow_settings_get(merchant=merchant),
            links={},
            with_recommendations=False,
        )
    assert "/track/" in data["tracking_url"]
