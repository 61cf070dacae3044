"""Feedback → Reviews and the review invitation, drawn by Chromium at phone and desktop width in both
languages: nothing wider than the screen, no console error. The screenshots land in
test-results/screens/reviews/ to be looked at."""

from pathlib import Path

import pytest
from django.core.cache import caches
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from core.scoping import merchant_scope
from merchants.models import Role
from tests.factories import MembershipFactory, MerchantFactory, OrderFactory, UserFactory
from tests.feedback.reviews_support import Answer, destinations_save

from .support import chromium, watch_console
from .test_page_sweep import signed_in_session

pytestmark = [pytest.mark.browser]

SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens" / "reviews"
WIDTHS = (390, 1366)

# The invitation inside the customer pages' frame, as the survey's thank-you page shows it.
THANK_YOU = Template(
    '{% extends "portal/base.html" %}{% load i18n %}{% block content %}'
    '<h1>{% translate "Thank you" %}</h1>{% include "feedback/_review_invitation.html" %}{% endblock %}'
)


@pytest.fixture
def shop(transactional_db, live_server, settings):
    settings.SITE_URL = live_server.url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "reviews"}}
    caches["default"].clear()
    merchant = MerchantFactory(name="Maison Lumière", slug="maison-lumiere", website_url="https://maison.example.com")
    people = {}
    for language in ("en", "fr"):
        user = UserFactory(email=f"owner-{language}@maison-lumiere.example.com", language=language)
        with merchant_scope(merchant):
            MembershipFactory(merchant=merchant, user=user, role=Role.OWNER)
        people[language] = user
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
        for language, user in shop["people"].items():
            for width in WIDTHS:
                context = browser.new_context(viewport={"width": width, "height": 900})
                host = live_server.url.split("//", 1)[1].split(":")[0]
                session = signed_in_session(user, merchant)
                context.add_cookies([{"name": "sessionid", "value": session, "domain": host, "path": "/"}])
                page = context.new_page()
                errors = watch_console(page)
                page.goto(f"{live_server.url}/app/feedback/reviews/")
                problems += _check(page, f"settings-{language}-{width}", width)
                page.goto(f"{live_server.url}/healthz")
                page.set_content(thank_you_page(merchant, order, language, live_server.url))
                page.wait_for_load_state("networkidle")
                assert page.locator(".review-links a").count() == 3
                problems += _check(page, f"invitation-{language}-{width}", width)
                problems += [f"{language}-{width}: {error}" for error in errors]
                context.close()
    assert problems == []


def _check(page, name: str, width: int) -> list[str]:
    page.screenshot(path=SCREENS / f"{name}.png", full_page=True, animations="disabled")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    return [f"{name}: {scroll_width}px wide"] if scroll_width > width else []
