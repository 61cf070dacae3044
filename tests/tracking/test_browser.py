"""The tracking page and the look-up form in a real browser, at phone size."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache

from core.scoping import merchant_scope
from tests.browser.support import chromium
from tests.factories import LineItemFactory, MerchantFactory, OrderFactory
from tracking.services import shipment_upsert, tracking_event_add
from tracking.tokens import tracking_page_path

from .conftest import PLACED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def page():
    with chromium() as browser:
        context = browser.new_context(viewport=PHONE, is_mobile=True, locale="en-GB")
        yield context.new_page()
        context.close()


@pytest.fixture
def shop_order(transactional_db):
    shop = MerchantFactory(name="Maison Lumière", slug="maison-lumiere-browser", default_language="en")
    with merchant_scope(shop):
        order = OrderFactory(merchant=shop, placed_at=PLACED, number="#2001", email="ada@example.org", customer=None)
        LineItemFactory(order=order, title="Linen shirt")
    shipment = shipment_upsert(
        merchant=shop, order=order, tracking_number="8D00432154798", shipped_at=PLACED + timedelta(hours=2)
    )
    for hours, status, text, city in (
        (3, "info_received", "Label created", ""),
        (8, "in_transit", "Parcel picked up", "Montreuil"),
        (20, "in_transit", "Arrived at the sorting centre", "Lyon"),
    ):
        tracking_event_add(
            merchant=shop,
            shipment=shipment,
            status=status,
            occurred_at=PLACED + timedelta(hours=hours),
            description=text,
            city=city,
            country="FR" if city else "",
            source="api",
        )
    return shop, order


def test_tracking_page_shows_progress_window_and_timeline(live_server, page, shop_order):
    _shop, order = shop_order
    page.goto(f"{live_server.url}{tracking_page_path(order)}?lang=en")
    assert page.locator("h1").inner_text() == "Order #2001"
    current = page.locator(".track-progress li[aria-current='step']")
    assert current.inner_text() == "In transit"
    assert page.locator(".track-progress li.done").count() == 2
    assert page.locator(".track-window").inner_text().startswith("Expected delivery: ")
    timeline = page.locator(".track-timeline li")
    assert timeline.count() == 3
    assert "Arrived at the sorting centre" in timeline.first.inner_text()
    assert "Lyon, FR" in timeline.first.inner_text()
    # Phone first: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator(".track-contact summary").click()
    page.select_option("select[name=reason]", "late")
    page.locator(".track-contact button[type=submit]").click()
    assert "passed your message on" in page.locator(".track-notice").inner_text()


def test_lookup_form_leads_to_the_page(live_server, page, shop_order):
    shop, _order = shop_order
    cache.delete("tracking:lookup:127.0.0.1")  # only our own rate-limit counter: the cache is shared
    page.goto(f"{live_server.url}/track/?shop={shop.slug}&lang=en")
    page.fill("input[name=order_number]", "2001")
    page.fill("input[name=email]", "someone-else@example.org")
    page.locator("form.track-lookup button[type=submit]").click()
    assert "could not find an order" in page.locator(".track-error").inner_text()
    page.fill("input[name=order_number]", "2001")
    page.fill("input[name=email]", "ADA@example.org")
    page.locator("form.track-lookup button[type=submit]").click()
    page.wait_for_url(re.compile(r"/track/[^/?]+/\?lang=en$"))  # in the language of the look-up
    assert page.locator("h1").inner_text() == "Order #2001"
