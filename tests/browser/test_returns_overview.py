"""Returns → Overview in a real browser, at phone and desktop width, in English and French."""

from pathlib import Path

import pytest
from django.core.cache import caches

from core.scoping import merchant_scope
from merchants.models import Role
from tests.factories import MembershipFactory, MerchantFactory, UserFactory
from tests.returns.test_figures import march_history

from .support import chromium

playwright_sync = pytest.importorskip("playwright.sync_api")

SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens" / "returns-figures"
HEADINGS = {"en": ("Returns overview", "87.5%"), "fr": ("Aperçu des retours", "87,5\u00a0%")}


@pytest.fixture
def shop_with_returns(transactional_db, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "overview"}}
    caches["default"].clear()
    shop = MerchantFactory(name="Maison Lumière", slug="maison-lumiere-overview")
    for language in HEADINGS:
        person = UserFactory(email=f"lea-{language}@example.com", full_name="Léa Martin", language=language)
        with merchant_scope(shop):
            MembershipFactory(merchant=shop, user=person, role=Role.VIEWER)
    return march_history(shop)


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("width", [390, 1366])
def test_the_overview_reads_well(shop_with_returns, live_server, language, width):
    heading, rate = HEADINGS[language]
    with chromium() as browser:
        context = browser.new_context(locale="en-GB", viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("input[name=username]").fill(f"lea-{language}@example.com")
        page.locator("input[name=password]").fill("correct horse battery")
        page.locator("button.primary[type=submit]").click()
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/app/returns/overview/?from=2026-03-01&to=2026-03-31")
        playwright_sync.expect(page.locator("h1")).to_contain_text(heading)
        playwright_sync.expect(page.locator(".figures")).to_contain_text(rate)
        assert page.locator("#resolutions svg rect").count() >= 6
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / f"overview-{language}-{width}.png"), full_page=True)
        context.close()
