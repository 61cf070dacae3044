"""Referrals drawn by Chromium at phone and desktop width in both languages: the invitation page, its
"check your inbox" answer, the share block of the loyalty page (its copy button working), the staff
list, and the two emails as sent. Nothing wider than the screen, no console error (a CSP refusal is
one). The screenshots land in test-results/screens/referrals/ to be looked at."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail

from core.scoping import merchant_scope
from flows.dispatcher import step_test_send
from flows.models import FlowStep
from flows.services import default_flows_install
from loyalty.referrals import referral_invite, referral_link_for, referral_settings_update
from loyalty.services import loyalty_settings_update
from portal.links import customer_token
from tests.factories import CustomerFactory, MerchantFactory, OrderFactory

from .support import chromium, owners_by_language, screenshot_and_width, staff_pages, use_own_cache

pytestmark = [pytest.mark.browser]

SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens" / "referrals"


@pytest.fixture
def shop(transactional_db, live_server, settings):
    settings.SITE_URL = live_server.url
    use_own_cache(settings, "referral")
    merchant = MerchantFactory(
        name="Maison Lumière", slug="maison-lumiere", website_url="https://maison.example.com", currency="EUR"
    )
    people = owners_by_language(merchant)
    loyalty_settings_update(merchant=merchant, enabled=True, points_per_unit=1, pending_days=30)
    referral_settings_update(
        merchant=merchant, enabled=True, friend_value_type="fixed_amount", friend_value=Decimal("10"), monthly_cap=5
    )
    default_flows_install(merchant=merchant)
    with merchant_scope(merchant):
        member = CustomerFactory(merchant=merchant, email="camille.dubois-lefebvre@example.org", first_name="Camille")
        OrderFactory(merchant=merchant, customer=member)
    link = referral_link_for(member)
    referral_invite(link=link, email="lou.martin-garcia@example.org", language="fr")
    referral_invite(link=link, email=member.email, language="en")
    return {"merchant": merchant, "people": people, "member": member, "link": link}


def referral_emails(merchant) -> dict[str, str]:
    """The two referral emails' HTML in both languages, as the composer sends them."""
    emails = {}
    with merchant_scope(merchant):
        steps = list(FlowStep.objects.filter(flow__key__startswith="referral-").order_by("flow__key"))
    for step in steps:
        for language in ("en", "fr"):
            mail.outbox.clear()
            with merchant_scope(merchant):
                step_test_send(step=step, language=language, to="staff@example.com")
            (email,) = mail.outbox
            emails[f"email-{step.key}-{language}"] = next(c for c, kind in email.alternatives if kind == "text/html")
    return emails


def test_referral_pages_and_emails_at_both_widths_in_both_languages(shop, live_server):
    SCREENS.mkdir(parents=True, exist_ok=True)
    merchant, link, member = shop["merchant"], shop["link"], shop["member"]
    invite = f"{live_server.url}/invite/{merchant.slug}/{link.code}/"
    points = f"{live_server.url}/points/{customer_token(member)}/"
    emails = referral_emails(merchant)
    assert len(emails) == 4
    problems = []
    with chromium() as browser:
        for language, width, page, errors in staff_pages(browser, live_server, shop["people"], merchant):
            page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
            page.goto(f"{invite}?lang={language}")
            problems += _check(page, f"invite-{language}-{width}", width)
            page.fill("#id_email", f"sam-{language}-{width}@example.org")
            page.click("button[type=submit]")
            problems += _check(page, f"invite-sent-{language}-{width}", width)
            page.goto(f"{invite}?lang={language}")
            page.fill("#id_email", "not-an-address")
            page.click("button[type=submit]")
            problems += _check(page, f"invite-bad-email-{language}-{width}", width)
            page.goto(f"{points}?lang={language}")
            page.click("[data-copy-target]")
            # The copy is asynchronous: wait for the clipboard to hold the link (fails on timeout).
            page.wait_for_function(
                "suffix => navigator.clipboard.readText().then(text => text.endsWith(suffix))",
                arg=f"/invite/{merchant.slug}/{link.code}/",
                timeout=10_000,
            )
            problems += _check(page, f"portal-{language}-{width}", width)
            page.goto(f"{live_server.url}/app/loyalty/referrals/")
            problems += _check(page, f"staff-{language}-{width}", width)
            for name, html in emails.items():
                if name.endswith(f"-{language}"):
                    page.set_content(html)
                    problems += _check(page, f"{name}-{width}", width)
            # The bad address is answered with a 400 on purpose: the browser logs that one.
            problems += [f"{language}-{width}: {e}" for e in errors if "status of 400" not in e]
    assert problems == []


def _check(page, name: str, width: int) -> list[str]:
    page.wait_for_load_state("networkidle")
    return screenshot_and_width(page, SCREENS, name, width)
