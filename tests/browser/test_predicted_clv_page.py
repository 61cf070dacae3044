"""The Analytics page's predicted CLV panel, in a real browser, at phone and desktop width, FR and EN."""

import os
from pathlib import Path

import pytest
from django.core.cache import caches

from analytics.models import PredictedClv
from core.scoping import merchant_scope
from merchants.models import Role
from tests.analytics.history import POSTGRESQL_ONLY
from tests.analytics.test_clv import AS_OF, FIGURES
from tests.factories import MembershipFactory, MerchantFactory, UserFactory

from .support import chromium

playwright_sync = pytest.importorskip("playwright.sync_api")

pytestmark = [POSTGRESQL_ONLY]

SENTENCES = {
    "en": "customers spent €38,900.00, so it was 5.9% too high",
    "fr": "les clients ont dépensé 38\u202f900,00\xa0€, soit une prévision trop haute de 5,9\xa0%",
}


@pytest.fixture
def shop_with_prediction(transactional_db, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "clv"}}
    caches["default"].clear()
    shop = MerchantFactory(name="Atelier Nord", slug="atelier-nord-clv")
    people = {
        language: UserFactory(email=f"lea-clv-{language}@example.com", full_name="Léa Martin", language=language)
        for language in SENTENCES
    }
    with merchant_scope(shop):
        for person in people.values():
            MembershipFactory(merchant=shop, user=person, role=Role.OWNER)
        PredictedClv.objects.create(merchant=shop, as_of=AS_OF, fitted_at=AS_OF, figures=FIGURES)
    return shop


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("width", [390, 1366])
def test_the_prediction_and_its_check_read_well(shop_with_prediction, live_server, language, width, tmp_path):
    with chromium() as browser:
        context = browser.new_context(locale="en-GB", viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("input[name=username]").fill(f"lea-clv-{language}@example.com")
        page.locator("input[name=password]").fill("correct horse battery")
        page.locator("button.primary[type=submit]").click()
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/app/analytics/")
        playwright_sync.expect(page.locator("#predicted-clv")).to_contain_text(SENTENCES[language])
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        folder = Path(os.environ.get("SCREENSHOTS_DIR", tmp_path))
        page.locator("#predicted-clv").screenshot(path=str(folder / f"predicted-clv-{language}-{width}.png"))
        page.screenshot(path=str(folder / f"analytics-{language}-{width}.png"), full_page=True)
        context.close()
