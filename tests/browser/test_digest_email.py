"""The weekly digest email in a real browser: every text readable (axe-core's contrast rule, WCAG AA),
nothing wider than a phone, in English and French; screenshots to look at."""

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core import mail

from analytics.digest import digests_send_due
from analytics.models import DigestOptIn
from core.scoping import merchant_scope
from tests.analytics.history import POSTGRESQL_ONLY, order, paris
from tests.factories import MembershipFactory, MerchantFactory, UserFactory

from .support import AXE_JS, CONTRAST_JS, chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db, POSTGRESQL_ONLY]

WIDTHS = (390, 1366)


def digests() -> dict[str, str]:
    shop = MerchantFactory(name="Maison Lumière", primary_color="#f5c518")
    order(shop, "d1", "a@example.org", paris(2026, 11, 18, 10), "50.00")
    order(shop, "d2", "a@example.org", paris(2026, 11, 24, 10), "40.00")
    for language in ("en", "fr"):
        user = UserFactory(email=f"digest-{language}@example.com", language=language)
        with merchant_scope(shop):
            MembershipFactory(merchant=shop, user=user)
        DigestOptIn.objects.create(user=user)
    digests_send_due(datetime(2026, 11, 30, 7, 30, tzinfo=UTC))
    return {email.to[0].split("@")[0].removeprefix("digest-"): email.alternatives[0][0] for email in mail.outbox}


def test_the_digest_reads_well_in_both_languages_at_both_widths(tmp_path):
    folder = Path(os.environ.get("SCREENSHOTS_DIR", tmp_path))
    problems = []
    emails = digests()
    assert set(emails) == {"en", "fr"}
    with chromium() as browser:
        page = browser.new_page()
        for language, html in emails.items():
            page.set_content(html, wait_until="load")
            page.add_script_tag(path=AXE_JS)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.screenshot(path=str(folder / f"digest-{language}-{width}.png"), full_page=True)
                found = page.evaluate(CONTRAST_JS)
                problems += [f"{language} {width}px: {line}" for line in found["violations"] + found["incomplete"]]
                # axe skips text without a letter or digit: "—" (no figure) is styled like the values it sits among.
                unmeasured = [line for line in found["unmeasured"] if not line.endswith(">—</div>")]
                problems += [f"{language} {width}px, not measured: {line}" for line in unmeasured]
                if page.evaluate("document.documentElement.scrollWidth") > width:
                    problems.append(f"{language} at {width}px: wider than the screen")
                assert found["measured"] > 10
    assert problems == [], "\n".join(problems)
