"""Dashboard → Feedback overview drawn by Chromium at phone and desktop width in both languages, on the
hand-made history of tests/feedback/test_dashboard.py: nothing wider than the screen, no text below
WCAG AA contrast, no console error, charts with an accessible name and description, and the weeks'
table opening from its summary. The screenshots land in test-results/screens/feedback-dash/."""

from pathlib import Path

import pytest
from django.core.cache import caches

from core.scoping import merchant_scope
from merchants.models import Role
from tests.factories import MembershipFactory, MerchantFactory, UserFactory
from tests.feedback.test_dashboard import history

from .support import AXE_JS, CONTRAST_JS, chromium, watch_console
from .test_page_sweep import signed_in_session

pytestmark = [pytest.mark.browser]

SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens" / "feedback-dash"
WIDTHS = (390, 1366)
PERIOD = "/app/feedback/?range=custom&from=2026-06-03&to=2026-06-16"
WORDS = {"en": ("Up 125 points", "Delivered late"), "fr": ("En hausse de 125\u00a0points", "Livrée en retard")}


@pytest.fixture
def shop(transactional_db, live_server, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "dash"}}
    caches["default"].clear()
    merchant = MerchantFactory(name="Maison Lumière", slug="maison-lumiere")
    people = {}
    for language in ("en", "fr"):
        user = UserFactory(email=f"owner-{language}@maison-lumiere.example.com", language=language)
        with merchant_scope(merchant):
            MembershipFactory(merchant=merchant, user=user, role=Role.OWNER)
        people[language] = user
    history(merchant)
    return {"merchant": merchant, "people": people}


def test_the_overview_reads_well_at_both_widths_in_both_languages(shop, live_server):
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
                page.goto(f"{live_server.url}{PERIOD}")
                problems += _problems(page, language, width)
                problems += [f"{language}-{width}: {error}" for error in errors]
                context.close()
    assert problems == []


def _problems(page, language: str, width: int) -> list[str]:
    name = f"{language}-{width}"
    found = []
    change, late = WORDS[language]
    text = page.inner_text("main")
    found += [f"{name}: '{words}' missing" for words in (change, late) if words not in text]
    charts = page.get_by_role("img")
    if charts.count() != 2 or not all(charts.nth(i).get_attribute("aria-labelledby") for i in range(2)):
        found.append(f"{name}: the two charts with their title and description")
    page.get_by_text({"en": "The weeks as a table", "fr": "Les semaines en tableau"}[language]).click()
    if not page.locator(".trend details table").is_visible():
        found.append(f"{name}: the weeks' table does not open")
    if page.evaluate("document.scrollingElement.scrollWidth > window.innerWidth"):
        found.append(f"{name}: wider than the screen")
    page.evaluate(AXE_JS.read_text())
    found += [f"{name}: {line}" for line in page.evaluate(CONTRAST_JS)["violations"]]
    page.screenshot(path=SCREENS / f"overview-{name}.png", full_page=True, animations="disabled")
    return found
