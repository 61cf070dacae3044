"""Loyalty → Figures and the settings page's back-fill form, drawn by Chromium at phone and desktop
width in both languages: nothing wider than the screen, no console error. The screenshots land in
test-results/screens/loyalty-figures/."""

from pathlib import Path

import pytest

from core.scoping import merchant_scope
from tests.factories import CustomerFactory, MerchantFactory
from tests.loyalty.test_figures import seed_shop

from .support import chromium, owners_by_language, screenshot_and_width, staff_pages, use_own_cache

pytestmark = [pytest.mark.browser]

SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens" / "loyalty-figures"


@pytest.fixture
def shop(transactional_db, live_server, settings):
    settings.SITE_URL = live_server.url
    use_own_cache(settings, "figs")
    merchant = MerchantFactory(name="Maison Lumière", slug="maison-lumiere", currency="EUR")
    people = owners_by_language(merchant)
    with merchant_scope(merchant):
        CustomerFactory(merchant=merchant, email="camille-fr@example.org", language="fr")
    seed_shop(merchant)
    return {"merchant": merchant, "people": people}


def test_figures_and_backfill_form_at_both_widths_in_both_languages(shop, live_server):
    SCREENS.mkdir(parents=True, exist_ok=True)
    problems = []
    with chromium() as browser:
        for language, width, page, errors in staff_pages(browser, live_server, shop["people"], shop["merchant"]):
            page.goto(f"{live_server.url}/app/loyalty/figures/?range=90")
            assert page.locator(".stat").count() == 6
            problems += screenshot_and_width(page, SCREENS, f"figures-{language}-{width}", width)
            page.goto(f"{live_server.url}/app/loyalty/settings/")
            assert page.locator("#backfill-title").count() == 1
            problems += screenshot_and_width(page, SCREENS, f"settings-backfill-{language}-{width}", width)
            problems += [f"{language}-{width}: {error}" for error in errors]
    assert problems == []
