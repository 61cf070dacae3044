"""A survey in a real browser: a mail scanner loads every link and runs the page's scripts (nothing is
recorded), then the person clicks a score in the email, writes a comment and sends it (recorded), on a
phone, in French and English. Screenshots land in test-results/screens/feedback/."""

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.cache import caches
from django.db import connections

from core.scoping import merchant_scope
from feedback.models import Invitation, Response
from feedback.services import invitation_opens_flush
from flows.dispatcher import dispatch_due
from flows.models import Flow
from flows.services import default_flows_install
from tests.factories import MerchantFactory
from tests.flows.helpers import deliver, place_order, publish_pending, ship

from .support import chromium, watch_console

playwright_sync = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser]

SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens" / "feedback"
PHONE = {"width": 390, "height": 844}
WORDS = {
    "en": {"subject": "How was your order", "submit": "Send my answer", "thanks": "Thank you for your answer"},
    "fr": {"subject": "Comment s’est passée", "submit": "Envoyer ma réponse", "thanks": "Merci pour votre réponse"},
}


@pytest.fixture
def browser():
    with chromium() as running:
        yield running
        connections.close_all()


@pytest.fixture
def shop(transactional_db, settings, live_server):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "survey"}}
    caches["default"].clear()
    settings.SITE_URL = live_server.url
    merchant = MerchantFactory(name="Maison Lumière", slug="maison-lumiere")
    default_flows_install(merchant=merchant)
    with merchant_scope(merchant):
        Flow.objects.filter(key="post-purchase").update(active=False)
    return merchant


def survey_email_html(merchant, language: str) -> str:
    """The CSAT email of an order delivered three days before today's 16:00 UTC (inside the send window)."""
    sent_at = datetime.combine(datetime.now(UTC).date(), time(16, 0), tzinfo=UTC)
    delivered = sent_at - timedelta(days=3)
    with time_machine.travel(delivered, tick=False):
        order = place_order(merchant, language=language, placed_at=delivered - timedelta(days=2))
        publish_pending(merchant)
        shipment = ship(merchant, order, at=delivered - timedelta(days=1))
        deliver(merchant, order, shipment, at=delivered)
    mail.outbox.clear()
    with time_machine.travel(sent_at, tick=False):
        dispatch_due()
    email = next(e for e in mail.outbox if WORDS[language]["subject"] in e.subject)
    return next(content for content, mimetype in email.alternatives if mimetype == "text/html")


def answers(merchant) -> list[Response]:
    with merchant_scope(merchant):
        return list(Response.objects.all())


def shot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENS / f"{name}.png", full_page=True, animations="disabled")
    widths = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{name}: {widths[0]} px wide on a {widths[1]} px screen"


def test_a_scanner_running_the_pages_scripts_records_nothing(shop, browser):
    html = survey_email_html(shop, "en")
    scanner = browser.new_context(viewport={"width": 1280, "height": 800})
    page = scanner.new_page()
    page.set_content(html)
    links = page.eval_on_selector_all("a[href*='score=']", "links => links.map(a => a.href)")
    assert len(links) == 5
    for link in links:  # what Safe Links does: load each page, run its scripts, follow what they ask
        page.goto(link, wait_until="networkidle")
        assert page.locator("input[name=score]:checked").count() == 1
    scanner.close()
    assert answers(shop) == []
    invitation_opens_flush()
    with merchant_scope(shop):
        assert Invitation.objects.get().open_count == 5


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_person_clicks_a_score_in_the_email_comments_and_sends(shop, browser, language):
    html = survey_email_html(shop, language)
    context = browser.new_context(viewport=PHONE, locale="fr-FR" if language == "fr" else "en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    console = watch_console(page)
    page.set_content(html)
    shot(page, f"email-{language}-phone")
    page.get_by_role("link", name="4", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("input[name=score][value='4']").is_checked()
    assert page.locator("html").get_attribute("lang") == language
    shot(page, f"answer-{language}-phone")
    assert answers(shop) == []  # the page is shown: nothing is recorded yet
    page.locator("label.score", has_text="5").click()  # they change their mind before sending
    page.fill("#comment", "<b>Très bien</b> emballé")
    page.get_by_role("button", name=WORDS[language]["submit"]).click()
    page.get_by_text(WORDS[language]["thanks"]).wait_for()
    shot(page, f"thanks-{language}-phone")
    assert console == []
    [response] = answers(shop)
    assert (response.score, response.comment, response.language) == (5, "<b>Très bien</b> emballé", language)
    context.close()
