"""The flow's page with its holdout results, in a real browser, at phone and desktop width, FR and EN."""

import os
from pathlib import Path

import pytest
from django.core.cache import caches

from core.scoping import merchant_scope
from merchants.models import Role
from tests.factories import MembershipFactory, MerchantFactory, UserFactory
from tests.flows.test_holdouts import _history, marketing_flow

from .support import chromium

playwright_sync = pytest.importorskip("playwright.sync_api")

SENTENCES = {
    "en": "reordered within 30 days 16.8 points more often",
    "fr": "ont recommandé sous 30 jours 16,8 points plus souvent",
}


@pytest.fixture
def shop_with_holdout(transactional_db, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "holdout"}}
    caches["default"].clear()
    shop = MerchantFactory(name="Atelier Nord", slug="atelier-nord-holdout")
    people = {
        language: UserFactory(email=f"lea-{language}@example.com", full_name="Léa Martin", language=language)
        for language in SENTENCES
    }
    with merchant_scope(shop):
        for person in people.values():
            MembershipFactory(merchant=shop, user=person, role=Role.OWNER)
    flow, step = marketing_flow(shop, percent=10, name="Merci")
    _history(shop, step)
    return flow


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("width", [390, 1366])
def test_the_holdout_results_read_well_on_the_flow_page(shop_with_holdout, live_server, language, width, tmp_path):
    flow = shop_with_holdout
    with chromium() as browser:
        context = browser.new_context(locale="en-GB", viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("input[name=username]").fill(f"lea-{language}@example.com")
        page.locator("input[name=password]").fill("correct horse battery")
        page.locator("button.primary[type=submit]").click()
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/app/flows/{flow.pk}/")
        playwright_sync.expect(page.locator("section.holdout")).to_contain_text(SENTENCES[language])
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        folder = Path(os.environ.get("SCREENSHOTS_DIR", tmp_path))
        page.screenshot(path=str(folder / f"holdout-{language}-{width}.png"), full_page=True)
        context.close()
