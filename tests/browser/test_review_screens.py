"""Feedback → Reviews and the review invitation, drawn by Chromium at phone and desktop width in both
languages: nothing wider than the screen, no console error. The screenshots land in
test-results/screens/reviews/ to be looked at."""

from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from tests.factories import MerchantFactory, OrderFactory
from tests.feedback.reviews_support import Answer, destinations_save

from .support import chromium, owners_by_language, screenshot_and_width, staff_pages, use_own_cache

pytestmark = [pytest.mark.browser]

SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens" / "reviews"

# The invitation inside the customer pages' frame, as the survey's thank-you page shows it.
THANK_YOU = Template(
    '{% extends "portal/base.html" %}{% load i18n %}{% block content %}'
    '<h1>{% translate "Thank you" %}</h1>{% include "feedback/_review_invitation.html" %}{% endblock %}'
)


@pytest.fixture
def shop(transactional_db, live_server, settings):
    settings.SITE_URL = live_server.url
    use_own_cache(settings, "reviews")
    merchant = MerchantFactory(name="Maison Lumière", slug="maison-lumiere", website_url="https://maison.example.com")
    people = owners_by_language(merchant)
    destinations_save(merchant, shown=["google", "trustpilot", "app"])
    return {"merchant": merchant, "people": people, "order": OrderFactory(merchant=merchant)}


def thank_you_page(merchant, order, language: str, base: str) -> str:
    with translation.override(language):
        context = {"merchant": merchant, "response": Answer(1, order.pk, order.customer_id, 3)}
        html = THANK_YOU.render(Context({**context, "request": RequestFactory().get("/")}))
    return html.replace("<head>", f'<head><base href="{base}/">', 1)


def test_settings_page_and_invitation_at_both_widths_in_both_languages(shop, live_server):
    SCREENS.mkdir(parents=True, exist_ok=True)
    merchant, order = shop["merchant"], shop["order"]
    problems = []
    with chromium() as browser:
        for language, width, page, errors in staff_pages(browser, live_server, shop["people"], merchant):
            page.goto(f"{live_server.url}/app/feedback/reviews/")
            problems += screenshot_and_width(page, SCREENS, f"settings-{language}-{width}", width)
            page.goto(f"{live_server.url}/healthz")
            page.set_content(thank_you_page(merchant, order, language, live_server.url))
            page.wait_for_load_state("networkidle")
            assert page.locator(".review-links a").count() == 3
            problems += screenshot_and_width(page, SCREENS, f"invitation-{language}-{width}", width)
            problems += [f"{language}-{width}: {error}" for error in errors]
    assert problems == []
