"""The Analytics page's delivery promises table, holdout section and customer service tiles, in a real
browser at phone and desktop width, FR and EN: readable, and nothing wider than the screen."""

import os
from pathlib import Path

import pytest
from django.core.cache import caches

from core.scoping import merchant_scope
from merchants.models import Role
from tests.analytics.test_delivery_promises import _march
from tests.analytics.test_wismo_holdouts import _history, notification_flow
from tests.factories import MembershipFactory, MerchantFactory, UserFactory

from .support import chromium

playwright_sync = pytest.importorskip("playwright.sync_api")

WORDS = {
    "en": ("La Poste Colissimo", "fewer “where is my order?” contacts per 100 orders", "Tracking page views"),
    "fr": (
        "La Poste Colissimo",
        "demandes «\u00a0Où est ma commande\u00a0?\u00a0» de moins",
        "Consultations de la page",
    ),
}


@pytest.fixture
def shop(transactional_db, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "service"}}
    caches["default"].clear()
    shop = MerchantFactory(name="Atelier Nord", slug="atelier-nord-service")
    with merchant_scope(shop):
        for language in WORDS:
            person = UserFactory(email=f"lea-{language}@example.com", full_name="Léa Martin", language=language)
            MembershipFactory(merchant=shop, user=person, role=Role.OWNER)
    _march(shop)
    _flow, step = notification_flow(shop)
    _history(shop, step)
    return shop


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("width", [390, 1366])
def test_the_sections_read_well(shop, live_server, language, width, tmp_path):
    carrier, holdout, tile = WORDS[language]
    with chromium() as browser:
        context = browser.new_context(locale="en-GB", viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("input[name=username]").fill(f"lea-{language}@example.com")
        page.locator("input[name=password]").fill("correct horse battery")
        page.locator("button.primary[type=submit]").click()
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/app/analytics/?range=custom&from=2026-03-01&to=2026-03-31")
        playwright_sync.expect(page.locator("#delivery-promises")).to_contain_text(carrier)
        playwright_sync.expect(page.locator("#holdouts")).to_contain_text(holdout)
        playwright_sync.expect(page.locator("#kpi-tracking_page_views_per_shipped_order")).to_contain_text(tile)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        folder = Path(os.environ.get("SCREENSHOTS_DIR", tmp_path))
        page.screenshot(path=str(folder / f"analytics-service-{language}-{width}.png"), full_page=True)
        context.close()
