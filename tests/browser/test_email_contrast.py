"""Every email we send by default, opened in a real browser: all its text readable, whatever the shop's colour.

Flow emails go through the real composer (sandbox rendering, the layout, css-inline) by way of
"send me a test"; the password reset and the team invitation through their own views and services.
axe-core's colour-contrast rule measures each text element against the background it really sits
on (WCAG AA: 4.5:1, 3:1 for large text), and the test checks that it measured every visible one.
Screenshots at phone and desktop width land in test-results/screens/ to look at.
"""

from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from core.scoping import merchant_scope
from flows.dispatcher import step_test_send
from flows.models import FlowStep
from flows.services import default_flows_install
from merchants.models import Role
from merchants.services import invitation_create, invitation_email_send
from tests.factories import MembershipFactory, MerchantFactory, UserFactory

from .support import AXE_JS, CONTRAST_JS, chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens"
WIDTHS = {"phone": 390, "desktop": 1366}
# The shop colour of the first report (the invisible buttons), our default, a light and a middle one.
BRAND_COLOURS = ["#9a4a2a", "#1f6feb", "#f5c518", "#808080"]


def flow_emails(merchant) -> dict[str, str]:
    """The HTML part of every default flow step, in English and French, as sent."""
    default_flows_install(merchant=merchant)
    emails = {}
    with merchant_scope(merchant):
        steps = list(FlowStep.objects.select_related("flow").order_by("flow__pk", "position"))
    for step in steps:
        for language in ("en", "fr"):
            mail.outbox.clear()
            with merchant_scope(merchant):
                step_test_send(step=step, language=language, to="staff@example.com")
            (email,) = mail.outbox
            html = [content for content, mimetype in email.alternatives if mimetype == "text/html"]
            if step.plain_text_only:
                assert html == []
                continue
            emails[f"{step.key}-{language}"] = html[0]
    return emails


def staff_emails(merchant, settings) -> dict[str, str]:
    """The password reset email and the team invitation, in English and French."""
    # The reset email is rate-limited per address through the cache: a cache of this test's own.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "emails"}}
    caches["default"].clear()
    emails = {}
    for language in ("en", "fr"):
        user = UserFactory(email=f"reset-{language}@example.com", language=language)
        mail.outbox.clear()
        Client().post(reverse("password_reset"), {"email": user.email})
        emails[f"password-reset-{language}"] = mail.outbox[0].alternatives[0][0]
        merchant.default_language = language
        merchant.save(update_fields=["default_language"])
        with merchant_scope(merchant):
            MembershipFactory(merchant=merchant, user=UserFactory(email=f"owner-{language}@example.com"))
        mail.outbox.clear()
        issued = invitation_create(
            merchant=merchant, email=f"new-{language}@example.com", role=Role.AGENT, invited_by=user
        )
        invitation_email_send(invitation=issued.invitation, token=issued.token)
        emails[f"invitation-{language}"] = mail.outbox[0].alternatives[0][0]
    return emails


def problems_of(page, name: str, html: str, colour: str) -> list[str]:
    """What is wrong with one email, at phone and at desktop width."""
    problems = []
    page.set_content(html, wait_until="load")
    page.add_script_tag(path=AXE_JS)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SCREENS / f"{colour.lstrip('#')}-{name}-{label}.png", full_page=True)
        found = page.evaluate(CONTRAST_JS)
        if found["measured"] < 3:
            problems.append(f"{name} at {width}px: axe measured only {found['measured']} elements")
        problems += [f"{name} at {width}px, too little contrast: {line}" for line in found["violations"]]
        problems += [f"{name} at {width}px, contrast unknown: {line}" for line in found["incomplete"]]
        problems += [f"{name} at {width}px, not measured: {line}" for line in found["unmeasured"]]
        if page.evaluate("document.documentElement.scrollWidth") > width:
            problems.append(f"{name} at {width}px: wider than the screen")
    return problems


@pytest.fixture(scope="module")
def browser_page():
    with chromium() as browser:
        yield browser.new_page()


@pytest.mark.parametrize("colour", BRAND_COLOURS)
def test_every_default_email_has_readable_text_in_any_brand_colour(colour, settings, browser_page):
    SCREENS.mkdir(parents=True, exist_ok=True)
    merchant = MerchantFactory(
        name="Maison Lumière", primary_color=colour, website_url="https://maison-lumiere.example.com"
    )
    emails = {**flow_emails(merchant), **staff_emails(merchant, settings)}
    with merchant_scope(merchant):
        html_steps = FlowStep.objects.filter(plain_text_only=False).count()
    # every default step of every app with an HTML part, and 2 staff emails, in 2 languages
    assert html_steps >= 15 and len(emails) == 2 * html_steps + 4
    loyalty = [
        "loyalty-points-earned",
        "loyalty-points-available",
        "loyalty-points-reversed",
        "loyalty-points-expiring",
    ]
    assert {f"{key}-{language}" for key in loyalty for language in ("en", "fr")} <= set(emails)
    problems = [line for name, html in emails.items() for line in problems_of(browser_page, name, html, colour)]
    assert problems == [], "\n".join(problems)
