"""The dashboard overview, the customer-portal shell and the error pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.locale import preferred_language
from core.scoping import merchant_scope
from merchants.views import server_error
from tests.conftest import login_as
from tests.factories import CustomerFactory, OrderFactory


@pytest.fixture(autouse=True)
def private_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pages"}}
    caches["default"].clear()  # locmem stores are per process: start each test empty


# --- Dashboard overview --------------------------------------------------------------------------


def home_data(response, key):
    """The data a registered home block computed for this page."""
    blocks = response.context["home"]["figures"] + response.context["home"]["panels"]
    return next(data for block, data in blocks if block.key == key)


def test_empty_shop_gets_honest_empty_states(staff_client):
    response = staff_client.get(reverse("home"))
    orders = home_data(response, "orders")
    assert orders["orders_recent"] == 0 and orders["customers_total"] == 0
    assert "No orders yet" in response.text
    assert "No shipments yet" in response.text
    assert reverse("settings:integrations") in response.text


def test_overview_counts_real_orders_of_this_merchant_only(staff_client, merchant, other_merchant):
    now = timezone.now()
    with merchant_scope(merchant):
        customer = CustomerFactory(merchant=merchant)
        OrderFactory(merchant=merchant, customer=customer, number="#2001", total=Decimal("10.00"), placed_at=now)
        OrderFactory(merchant=merchant, customer=customer, total=Decimal("5.50"), placed_at=now - timedelta(days=3))
        OrderFactory(merchant=merchant, customer=customer, currency="USD", total=Decimal("7.00"), placed_at=now)
        OrderFactory(merchant=merchant, customer=customer, total=Decimal("99.00"), placed_at=now - timedelta(days=45))
    with merchant_scope(other_merchant):
        OrderFactory(merchant=other_merchant, total=Decimal("1000.00"), placed_at=now)
    response = staff_client.get(reverse("home"))
    orders = home_data(response, "orders")
    assert orders["orders_recent"] == 3
    assert orders["orders_total"] == 4
    assert orders["customers_total"] == 1
    revenue = {row["currency"]: row["total"] for row in orders["revenue_by_currency"]}
    assert revenue == {"EUR": Decimal("15.50"), "USD": Decimal("7.00")}
    assert "#2001" in response.text
    assert "1000" not in response.text and "1,000" not in response.text


def test_overview_counts_shipments_by_state(staff_client, merchant):
    from tracking.models import Shipment

    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant)
        for status, delayed in [
            ("in_transit", False),
            ("out_for_delivery", True),
            ("delivered", False),
            ("pending", False),
        ]:
            Shipment.objects.create(
                merchant=merchant,
                order=order,
                status=status,
                is_delayed=delayed,
                delivered_at=timezone.now() if status == "delivered" else None,
            )
    shipments = home_data(staff_client.get(reverse("home")), "shipments")
    assert shipments == {"moving": 2, "delayed": 1, "delivered_recently": 1, "total": 4}


# --- Customer portal -------------------------------------------------------------------------------


def portal(merchant):
    return reverse("portal:home", kwargs={"merchant_slug": merchant.slug})


def test_portal_is_branded_from_the_merchants_settings(client, merchant):
    merchant.primary_color = "#aa3366"
    merchant.support_email = "aide@maison-lumiere.example.com"
    merchant.save()
    response = client.get(portal(merchant), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "--brand: #aa3366" in response.text
    assert "Maison Lumière" in response.text
    assert "mailto:aide@maison-lumiere.example.com" in response.text
    assert f'href="{reverse("tracking-public:lookup")}?shop=maison-lumiere&amp;lang=en"' in response.text  # branded
    assert "Track my order" in response.text


def test_portal_language_from_query_then_browser_then_merchant_default(client, merchant):
    assert merchant.default_language == "fr"
    french_default = client.get(portal(merchant))
    assert '<html lang="fr">' in french_default.text and french_default["Content-Language"] == "fr"
    english_browser = client.get(portal(merchant), HTTP_ACCEPT_LANGUAGE="de-DE,en;q=0.8,fr;q=0.5")
    assert '<html lang="en">' in english_browser.text
    asked = client.get(portal(merchant) + "?lang=fr", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="fr">' in asked.text and "Suivre ma commande" in asked.text
    assert "Accept-Language" in english_browser["Vary"]


def test_portal_ignores_a_signed_in_staff_members_language(staff_client, merchant, owner):
    owner.language = "en"
    owner.save()
    assert '<html lang="fr">' in staff_client.get(portal(merchant)).text


def test_portal_of_an_unknown_shop_is_404(client, db):
    assert client.get("/p/no-such-shop/").status_code == 404


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", None),
        ("de", None),
        ("fr-CA,fr;q=0.9,en;q=0.8", "fr"),
        ("en;q=0.2, fr;q=0.9", "fr"),
        ("fr;q=0, en", "en"),
        ("fr;q=abc, en;q=0.5", "en"),
        ("*", None),
    ],
)
def test_preferred_language(header, expected):
    assert preferred_language(header) == expected


# --- Error pages ---------------------------------------------------------------------------------------


def test_404_page_in_the_staff_members_language(client, owner, merchant):
    owner.language = "fr"
    owner.save()
    login_as(client, owner, merchant)
    response = client.get("/app/no-such-page/")
    assert response.status_code == 404
    assert "Page introuvable" in response.text


def test_404_for_anonymous_visitors_follows_their_browser(client, db):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 404
    assert "Page introuvable" in response.text
    assert "Page not found" in client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en").text


def test_404_under_the_api_is_json(client, db):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_500_page_is_plain_html_and_json_for_the_api():
    factory = RequestFactory()
    page = server_error(factory.get("/app/orders/"))
    assert page.status_code == 500 and b"Something went wrong" in page.content
    api = server_error(factory.get("/api/v1/orders"))
    assert api.status_code == 500 and api["Content-Type"] == "application/json"


def test_403_page_for_a_viewer(merchant):
    from merchants.models import Role
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory()
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=Role.VIEWER)
    response = login_as(Client(), user, merchant).get(reverse("settings:api-keys"))
    assert response.status_code == 403
    assert "Your role in this shop does not give access" in response.text


def test_dashboard_shows_times_in_the_shops_time_zone(client, merchant, owner):
    from datetime import UTC, datetime

    from core.scoping import merchant_scope
    from tests.conftest import login_as
    from tests.factories import OrderFactory

    merchant.time_zone = "Asia/Tokyo"
    merchant.save()
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant, placed_at=datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    page = login_as(client, owner, merchant).get(f"/app/orders/{order.pk}/").content.decode()
    assert "Tue, Mar 3" in page  # 15:00 UTC is past midnight in Tokyo


def test_a_staff_members_language_ends_with_their_request(client, owner, merchant):
    """Code running after a dashboard request (a test, a signal in the same thread) is not left in French."""
    from django.utils import translation

    owner.language = "fr"
    owner.save()
    login_as(client, owner, merchant)
    with translation.override("en"):
        assert client.get("/app/orders/").status_code == 200
        assert translation.get_language() == "en"
