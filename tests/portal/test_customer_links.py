"""The customer's links (docs/customer_links.md): order and customer links, their lifetime, the portal's
sections and the look-up that emails a fresh link."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail, signing
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from core.scoping import merchant_scope
from flows.models import Suppression
from flows.selectors import marketing_subscribed
from portal import links, sections
from portal.mail import fresh_link_send
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(merchant):
    return CustomerFactory(merchant=merchant, email="camille@example.org", language="fr", first_name="Camille")


@pytest.fixture
def orders(merchant, customer):
    return [OrderFactory(merchant=merchant, customer=customer, number=f"#{n}") for n in (1001, 1002)]


def home(customer, query="") -> str:
    return links.customer_portal_path(customer) + query


# --- Order links ------------------------------------------------------------------------------------


def test_a_tracking_link_signed_before_the_portal_still_opens_the_order(merchant, orders):
    order = orders[0]
    old = signing.dumps({"m": merchant.pk, "o": order.pk}, salt="tracking.page", compress=True)
    assert old == links.order_token(order)
    assert Client().get(f"/track/{old}/").status_code == 200


def test_an_expired_order_link_offers_a_fresh_one_in_the_shops_colours(merchant, orders):
    with time_machine.travel(timezone.now() - timedelta(days=731)):
        token = links.order_token(orders[0])
    response = Client().get(f"/track/{token}/?lang=en")
    assert response.status_code == 410
    page = response.content.decode()
    assert "This link has expired" in page and merchant.name in page
    assert f"/p/{merchant.slug}/link/" in page


def test_an_altered_order_link_names_nothing(orders):
    token = links.order_token(orders[0])
    assert Client().get(f"/track/{token[:-3]}xyz/").status_code == 404
    with pytest.raises(links.BadLink):
        links.order_token_read(token[:-3] + "xyz")


# --- Customer links ---------------------------------------------------------------------------------


def test_a_customer_link_lists_their_orders_only_with_links_to_each(merchant, customer, orders):
    stranger = OrderFactory(merchant=merchant, number="#2001")
    page = Client().get(home(customer, "?lang=en")).content.decode()
    assert "#1001" in page and "#1002" in page and "#2001" not in page
    assert f"/track/{links.order_token(orders[0])}/?lang=en" in page
    assert stranger.number not in page


def test_the_customers_language_wins_over_the_browsers_and_the_switcher_still_works(customer, orders):
    french = Client().get(home(customer), HTTP_ACCEPT_LANGUAGE="en")
    assert french["Content-Language"] == "fr" and "Vos dernières commandes" in french.content.decode()
    english = Client().get(home(customer, "?lang=en"), HTTP_ACCEPT_LANGUAGE="fr")
    assert english["Content-Language"] == "en" and "Your latest orders" in english.content.decode()


def test_customer_pages_are_private(customer):
    response = Client().get(home(customer))
    assert response["Cache-Control"] == "private, no-store" and response["X-Robots-Tag"] == "noindex"


def test_an_expired_customer_link_offers_a_fresh_one(merchant, customer):
    with time_machine.travel(timezone.now() - timedelta(days=366)):
        token = links.customer_token(customer)
    response = Client().get(f"/me/{token}/?lang=en")
    assert response.status_code == 410 and "This link has expired" in response.content.decode()


def test_an_erased_customer_or_a_forged_link_opens_nothing(merchant, customer):
    token = links.customer_token(customer)
    with merchant_scope(merchant):
        customer.redacted_at = timezone.now()
        customer.save(update_fields=["redacted_at"])
    assert Client().get(f"/me/{token}/").status_code == 404
    assert Client().get("/me/not-a-token/").status_code == 404
    order_token_as_customer = signing.dumps({"m": merchant.pk, "o": customer.pk}, salt="tracking.page")
    assert Client().get(f"/me/{order_token_as_customer}/").status_code == 404  # one kind never opens another


def test_a_link_naming_another_shops_customer_opens_nothing(merchant, other_merchant, customer):
    crossed = signing.dumps({"m": other_merchant.pk, "c": customer.pk}, salt=links.CUSTOMER_SALT, compress=True)
    assert Client().get(f"/me/{crossed}/").status_code == 404


def test_the_preferences_section_sets_the_customers_marketing_choice(merchant, customer):
    client = Client()
    path = links.customer_portal_path(customer, "preferences")
    page = client.get(path + "?lang=en").content.decode()
    assert "News and offers" in page and "Your orders" in page  # the portal's navigation
    assert client.post(path + "?lang=en", {"marketing": "off"}).status_code == 302
    assert not marketing_subscribed(merchant=merchant, address=customer.email)
    refused = client.post(path, {"marketing": "maybe"})
    assert refused.status_code == 400
    assert not marketing_subscribed(merchant=merchant, address=customer.email)


def test_every_email_can_link_to_the_customers_pages(merchant, customer, orders):
    from flows.context_providers import provided_samples, provided_values

    values = provided_values(order=orders[0], language="fr", wanted=lambda name: True)
    assert values["account_url"].startswith(f"http://localhost:8000/me/{links.customer_token(customer)}/")
    assert Client().get(values["account_url"].removeprefix("http://localhost:8000")).status_code == 200
    assert provided_samples(merchant=merchant, language="en")["account_url"].endswith("?lang=en")


# --- The section registry ---------------------------------------------------------------------------


def test_the_navigation_lists_the_sections_the_shop_offers(merchant, customer, monkeypatch):
    monkeypatch.setattr(sections, "_sections", dict(sections._sections))
    sections.portal_section_register(
        sections.PortalSection("points", "customer", "Points", None, 50, offered=lambda m: False, entry="portal:home")
    )
    token = links.customer_token(customer)
    nav = sections.navigation(scope="customer", merchant=merchant, token=token, current="me")
    assert [entry["label"] for entry in nav] == ["Your orders", "Email preferences"]
    assert nav[0]["current"] and nav[0]["url"] == f"/me/{token}/"


def test_a_section_must_name_a_known_scope_and_a_free_key():
    with pytest.raises(ValueError, match="scope"):
        sections.portal_section_register(sections.PortalSection("x", "shop", "X", None, 1))
    with pytest.raises(ValueError, match="taken"):
        sections.portal_section_register(sections.PortalSection("track", "customer", "X", None, 1))


# --- The look-up that emails a fresh link -----------------------------------------------------------


def request_link(merchant, email, **extra):
    return Client().post(f"/p/{merchant.slug}/link/?lang=en", {"email": email}, **extra)


def test_a_known_address_gets_a_fresh_link_that_opens_its_pages(merchant, customer, orders):
    response = request_link(merchant, "Camille@Example.org")
    assert response.status_code == 200 and "Check your inbox" in response.content.decode()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["camille@example.org"] and merchant.name in email.subject
    link = next(line for line in email.body.splitlines() if "/me/" in line).strip()
    assert Client().get(link.removeprefix("http://localhost:8000")).status_code == 200
    assert "#1001" in email.body and "/track/" in email.alternatives[0][0]


def test_an_unknown_address_gets_the_same_answer_and_no_email(merchant, customer):
    known = request_link(merchant, "camille@example.org")
    mail.outbox.clear()
    unknown = request_link(merchant, "nobody@example.org")
    assert unknown.status_code == known.status_code == 200
    assert unknown.content.decode().replace("nobody@", "camille@") == known.content.decode()
    assert mail.outbox == []


def test_a_double_click_sends_one_email(merchant, customer):
    request_link(merchant, "camille@example.org")
    request_link(merchant, "camille@example.org")
    assert len(mail.outbox) == 1


def test_no_link_to_an_address_that_bounced(merchant, customer):
    with merchant_scope(merchant):
        Suppression.objects.create(merchant=merchant, address=customer.email, scope="all", reason="bounced")
    assert fresh_link_send(merchant_id=merchant.pk, address=customer.email, language="en") is False
    assert mail.outbox == []


def test_a_bad_address_is_refused_with_a_reason(merchant):
    response = request_link(merchant, "not-an-address")
    assert response.status_code == 400 and "valid email address" in response.content.decode()
    assert request_link(merchant, "").status_code == 400
    assert mail.outbox == []


def test_requests_are_limited_per_address(merchant, customer):
    statuses = [request_link(merchant, "camille@example.org").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_link_email_speaks_both_languages(merchant, customer, orders):
    fresh_link_send(merchant_id=merchant.pk, address=customer.email, language="fr")
    assert "Votre lien" in mail.outbox[0].subject
    cache.delete(f"portal:fresh-link:sent:{merchant.pk}:{customer.email}")
    fresh_link_send(merchant_id=merchant.pk, address=customer.email, language="en")
    assert "Your link" in mail.outbox[1].subject
