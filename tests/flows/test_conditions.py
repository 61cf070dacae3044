"""Step conditions: a registry of checks, built-in ones and those other apps add."""

from datetime import timedelta
from decimal import Decimal

import pytest

from core.scoping import merchant_scope
from flows import rules
from flows.rules import RuleInput, conditions_met, register_condition
from tests.factories import CustomerFactory, LineItemFactory, OrderFactory


@pytest.fixture
def repeat_order(merchant):
    with merchant_scope(merchant):
        customer = CustomerFactory(merchant=merchant)
        first = OrderFactory(merchant=merchant, customer=customer)
        order = OrderFactory(
            merchant=merchant,
            customer=customer,
            total=Decimal("80.00"),
            shipping_country="BE",
            placed_at=first.placed_at + timedelta(days=3),
        )
        LineItemFactory(order=order, product_type="Candle", tags=["Gift", "winter"])
        return order


def matches(order, conditions, language="fr"):
    with merchant_scope(order.merchant):
        return conditions_met(conditions, RuleInput(order=order, anchor_at=order.placed_at, language=language))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({}, True),
        ({"customer": "repeat"}, True),
        ({"customer": "first"}, False),
        ({"product_types": ["candle "]}, True),
        ({"product_types": ["Soap"]}, False),
        ({"tags": ["GIFT"]}, True),
        ({"tags": ["summer"]}, False),
        ({"total_min": "80.00", "total_max": "80"}, True),
        ({"total_min": "80.01"}, False),
        ({"languages": ["en"]}, False),
        ({"countries": ["be", "FR"]}, True),
        ({"countries": ["FR"]}, False),
        ({"product_types": [], "total_max": ""}, True),  # empty values match every order
    ],
)
def test_built_in_conditions(repeat_order, conditions, expected):
    assert matches(repeat_order, conditions) is expected


@pytest.mark.django_db
def test_another_app_adds_a_condition_and_unknown_keys_are_inert(repeat_order, monkeypatch):
    monkeypatch.setattr(rules, "_conditions", dict(rules._conditions))
    register_condition("vip", "VIP", lambda wanted, data: data.order.total >= Decimal(wanted))
    assert matches(repeat_order, {"vip": "50"}) is True
    assert matches(repeat_order, {"vip": "100"}) is False
    assert matches(repeat_order, {"not_installed_yet": "anything"}) is True
