"""Dashboard → Feedback overview drawn by Chromium at phone and desktop width in both languages, on the
hand-made history of tests/feedback/test_dashboard.py: nothing wider than the screen, no text below
WCAG AA contrast, no console error, charts with an accessible name and description, and the weeks'
table opening from its summary. The screenshots land in test-results/screens/feedback-dash/."""

from pathlib import Path

import pytest

from tests.factories import MerchantFactory
from tests.feedback.test_dashboard import history

from .support import AXE_JS, CONTRAST_JS, chromium, owners_by_language, staff_pages, use_own_cache

pytestmark = [pytest.mark.browser]

SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens" / "feedback-dash"
PERIOD = "/app/feedback/?range=custom&from=2026-06-03&to=2026-06-16"
WORDS = {"en": ("Up 125 points", "Delivered late"), "fr": ("En hausse de 125\u00a0points", "Livrée en retard")}


@pytest.fixture
def shop(transactional_db, live_server, settings):
    use_own_cache(settings, "dash")
    merchant = MerchantFactory(name="Maison Lumière", slug="maison-lumiere")
    people = owners_by_language(merchant)
    history(merchant)
    return {"merchant": merchant, "people": people}


def test_the_overview_reads_well_at_both_widths_in_both_languages(shop, live_server):
    SCREENS.mkdir(parents=True, exist_ok=True)
    problems = []
    with chromium() as browser:
        for language, width, page, errors in staff_pages(browser, live_server, shop["people"], shop["merchant"]):
            page.goto(f"{live_server.url}{PERIOD}")
            problems += _problems(page, language, width)
            problems += [f"{language}-{width}: {error}" for error in errors]
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
