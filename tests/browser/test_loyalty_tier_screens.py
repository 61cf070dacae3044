"""Loyalty → Tiers and perks, the customer's loyalty page with a tier and the birthday form, and the
"tier reached" email, drawn by Chromium at phone and desktop width in both languages: nothing wider
than the screen, no console error. The screenshots land in test-results/screens/loyalty-tiers/."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail

from core.scoping import merchant_scope
from flows.dispatcher import dispatch_due
from flows.services import default_flows_install
from loyalty import perks, services, tiers
from loyalty.models import Source
from portal.links import customer_token
from tests.factories import CustomerFactory, MerchantFactory
from tests.flows.helpers import publish_pending

from .support import chromium, owners_by_language, screenshot_and_width, staff_pages, use_own_cache

pytestmark = [pytest.mark.browser]

SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens" / "loyalty-tiers"
RULES = {
    "tier_basis": "points",
    "tier_period": "calendar_year",
    "bonus_order_number": 3,
    "bonus_points": 100,
    "birthday_points": 50,
    "members_only": False,
}
TIERS = [
    {"name_en": "Silver", "name_fr": "Argent", "threshold": 100, "multiplier": Decimal(1), "entry_points": 20},
    {"name_en": "Gold", "name_fr": "Or", "threshold": 500, "multiplier": Decimal("1.25"), "entry_points": 50},
    {"name_en": "Platinum", "name_fr": "Platine", "threshold": 2000, "multiplier": Decimal(2), "entry_points": 200},
]


@pytest.fixture
def shop(transactional_db, live_server, settings):
    settings.SITE_URL = live_server.url
    use_own_cache(settings, "tiers")
    merchant = MerchantFactory(name="Maison Lumière", slug="maison-lumiere", website_url="https://maison.example.com")
    default_flows_install(merchant=merchant)
    people = owners_by_language(merchant)
    services.loyalty_settings_update(merchant=merchant, enabled=True, points_per_unit=1, pending_days=30)
    tiers.tiers_save(merchant=merchant, rules=RULES, rows=TIERS, removed=[])
    customers = {}
    mail.outbox.clear()
    for language in ("en", "fr"):
        with merchant_scope(merchant):
            customer = CustomerFactory(
                merchant=merchant, email=f"camille-{language}@example.org", first_name="Camille", language=language
            )
        services.points_grant(
            merchant=merchant, customer=customer, points=620, source=Source.REVIEW, key=f"r:{language}"
        )
        perks.birthday_set(merchant=merchant, customer=customer, birthday=date(1990, 5, 14))
        customers[language] = customer
    tiers.tiers_evaluate(merchant)  # reached as the points counted already: evaluating again sends nothing more
    publish_pending(merchant)
    dispatch_due()
    reached = [m for m in mail.outbox if m.subject.startswith(("Welcome to Gold", "Bienvenue au niveau Or"))]
    emails = {message.to[0]: message for message in reached}
    assert len(emails) == len(reached) == 2
    return {"merchant": merchant, "people": people, "customers": customers, "emails": emails}


def html_of(email) -> str:
    return next(content for content, mimetype in email.alternatives if mimetype == "text/html")


def test_tiers_editor_portal_and_email_at_both_widths_in_both_languages(shop, live_server):
    SCREENS.mkdir(parents=True, exist_ok=True)
    merchant = shop["merchant"]
    problems = []
    with chromium() as browser:
        for language, width, page, errors in staff_pages(browser, live_server, shop["people"], merchant):
            customer = shop["customers"][language]
            page.goto(f"{live_server.url}/app/loyalty/settings/tiers/")
            assert page.locator("fieldset.tier-row").count() == 4  # three tiers and a new row
            problems += screenshot_and_width(page, SCREENS, f"settings-tiers-{language}-{width}", width)
            page.goto(f"{live_server.url}/points/{customer_token(customer)}/?lang={language}")
            assert page.locator("#tier-heading").count() == 1
            problems += screenshot_and_width(page, SCREENS, f"portal-{language}-{width}", width)
            page.goto(f"{live_server.url}/healthz")
            page.set_content(html_of(shop["emails"][customer.email]))
            problems += screenshot_and_width(page, SCREENS, f"email-tier-reached-{language}-{width}", width)
            problems += [f"{language}-{width}: {error}" for error in errors]
    assert problems == []
