"""Loyalty → Figures and the settings page's back-fill form, drawn by Chromium at phone and desktop
width in both languages: nothing wider than the screen, no console error. The screenshots land in
test-results/screens/loyalty-figures/."""

from pathlib import Path

import pytest
from django.core.cache import caches

from core.scoping import merchant_scope
from merchants.models import Role
from tests.factories import CustomerFactory, MembershipFactory, MerchantFactory, UserFactory
from tests.loyalty.test_figures import seed_shop

from .support import chromium, watch_console
from .test_page_sweep import signed_in_session

pytestmark = [pytest.mark.browser]

SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens" / "loyalty-figures"
WIDTHS = (390, 1366)


@pytest.fixture
def shop(transactional_db, live_server, settings):
    settings.SITE_URL = live_server.url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "figs"}}
    caches["default"].clear()
    merchant = MerchantFactory(name="Maison Lumière", slug="maison-lumiere", currency="EUR")
    people = {}
    for language in ("en", "fr"):
        user = UserFactory(email=f"owner-{language}@maison-lumiere.example.com", language=language)
        with merchant_scope(merchant):
            MembershipFactory(merchant=merchant, user=user, role=Role.OWNER)
        people[language] = user
    with merchant_scope(merchant):
        CustomerFactory(merchant=merchant, email="camille-fr@example.org", language="fr")
    seed_shop(merchant)
    return {"merchant": merchant, "people": people}


def test_figures_and_backfill_form_at_both_widths_in_both_languages(shop, live_server):
    SCREENS.mkdir(parents=True, exist_ok=True)
    problems = []
    with chromium() as browser:
        for language, user in shop["people"].items():
            for width in WIDTHS:
                context = browser.new_context(viewport={"width": width, "height": 900})
                host = live_server.url.split("//", 1)[1].split(":")[0]
                session = signed_in_session(user, shop["merchant"])
                context.add_cookies([{"name": "sessionid", "value": session, "domain": host, "path": "/"}])
                page = context.new_page()
                errors = watch_console(page)
                page.goto(f"{live_server.url}/app/loyalty/figures/?range=90")
                assert page.locator(".stat").count() == 6
                problems += _check(page, f"figures-{language}-{width}", width)
                page.goto(f"{live_server.url}/app/loyalty/settings/")
                assert page.locator("#backfill-title").count() == 1
                problems += _check(page, f"settings-backfill-{language}-{width}", width)
                problems += [f"{language}-{width}: {error}" for error in errors]
                context.close()
    assert problems == []


def _check(page, name: str, width: int) -> list[str]:
    page.screenshot(path=SCREENS / f"{name}.png", full_page=True, animations="disabled")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    return [f"{name}: {scroll_width}px wide"] if scroll_width > width else []
