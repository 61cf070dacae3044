"""One rule for the language and time zone a customer reads in (core/locale.py)."""

import zoneinfo
from types import SimpleNamespace

import pytest
from django.test import Client

from core.locale import customer_language, customer_time_zone, supported_language
from flows.tokens import preference_token
from portal.links import order_token
from tests.factories import CustomerFactory, OrderFactory

SHOP = SimpleNamespace(default_language="fr", tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))


def person(language="", time_zone=""):
    return SimpleNamespace(language=language, time_zone=time_zone)


def order_of(customer, language=""):
    return SimpleNamespace(language=language, customer_id=1, customer=customer)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"asked": "en", "order": order_of(person("fr"), "fr")}, "en"),  # the switcher first
        ({"asked": "de", "order": order_of(person("fr"))}, "fr"),  # a language we do not speak is ignored
        ({"order": order_of(person("fr"), "en-GB")}, "en"),  # the order's language, then the customer's
        ({"order": order_of(person("en"))}, "en"),
        ({"customer": person("en"), "accept_language": "fr"}, "en"),  # a known customer: never the browser
        ({"accept_language": "en;q=0.8, fr;q=0.9"}, "fr"),  # an unknown visitor: the browser
        ({"accept_language": "de"}, "fr"),  # then the shop's default
    ],
)
def test_the_language_rule(kwargs, expected):
    assert customer_language(merchant=SHOP, **kwargs) == expected


def test_without_a_shop_the_sites_language():
    assert customer_language(merchant=None, accept_language="de") == "en"


def test_language_codes_are_normalised():
    assert [supported_language(v) for v in ("FR_fr", "fr-CA", "en", "de", "", None)] == [
        "fr",
        "fr",
        "en",
        None,
        None,
        None,
    ]


def test_the_time_zone_is_the_customers_when_valid():
    assert customer_time_zone(merchant=SHOP, customer=person(time_zone="America/Montreal")).key == "America/Montreal"
    assert customer_time_zone(merchant=SHOP, customer=person(time_zone="Mars/Olympus")) is SHOP.tzinfo
    assert customer_time_zone(merchant=SHOP, customer=None) is SHOP.tzinfo


@pytest.mark.django_db
def test_the_tracking_page_speaks_the_language_of_the_orders_emails(merchant):
    """The order's language wins over the customer's, as in flows: an email and its link agree."""
    customer = CustomerFactory(merchant=merchant, language="fr")
    order = OrderFactory(merchant=merchant, customer=customer, language="en")
    response = Client().get(f"/track/{order_token(order)}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response["Content-Language"] == "en"


@pytest.mark.django_db
def test_preference_pages_speak_the_customers_language_not_the_browsers(merchant):
    customer = CustomerFactory(merchant=merchant, language="en", email="jo@example.org")
    OrderFactory(merchant=merchant, customer=customer, language="")
    merchant.default_language = "fr"
    merchant.save()
    token = preference_token(merchant_id=merchant.pk, address="Jo@example.org")
    for path in (f"/e/p/{token}/", f"/e/u/{token}/"):
        response = Client().get(path, HTTP_ACCEPT_LANGUAGE="fr")
        assert response["Content-Language"] == "en", path
        switched = Client().get(f"{path}?lang=fr", HTTP_ACCEPT_LANGUAGE="en")
        assert switched["Content-Language"] == "fr", path
