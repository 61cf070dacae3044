"""Store credit or refund in a real browser: each option's value on the customer's phone, the shop's settings.

Screenshots land in test-results/screens/returns/ (resolutions-*.png).
"""

from decimal import Decimal

import pytest

from core.scoping import merchant_scope
from merchants.models import Role
from portal.links import order_token
from returns.models import BonusKind, ReturnRequest
from tests.factories import MembershipFactory, MerchantFactory, UserFactory

from .support import watch_console
from .test_returns_journeys import (  # noqa: F401 - fixtures
    DESKTOP,
    PHONE,
    SCREENS,
    assert_clean,
    browser,
    browser_settings,
    delivered_order,
    returns_policy,
)

playwright_sync = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser]

WORDS = {
    "en": {
        "credit": "Store credit",
        "compare": "€33.00 store credit, €27.00 refund",
        "title": "Your store credit",
        "request": "Request the return",
        "bonus": "10% bonus, no return fee",
    },
    "fr": {
        "credit": "Avoir",
        "compare": "33,00\u00a0€ d’avoir, 27,00\u00a0€ de remboursement",
        "title": "Votre avoir",
        "request": "Demander le retour",
        "bonus": "10\u00a0% de bonus, sans frais de retour",
    },
}


@pytest.fixture
def credit_order(browser_settings):
    merchant = MerchantFactory(name="Maison Lumière", slug="maison-lumiere-credit")
    admin = UserFactory(email="ines@example.com", full_name="Inès Moreau", language="en")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=admin, role=Role.ADMIN)
        returns_policy(
            merchant,
            resolutions=["store_credit", "refund", "shop_now"],
            credit_bonus_kind=BonusKind.PERCENT,
            credit_bonus=Decimal("10"),
        )
        return delivered_order(merchant, "#2052")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_customer_sees_each_resolutions_value_and_picks_store_credit(credit_order, live_server, browser, language):
    expect = playwright_sync.expect
    words, order = WORDS[language], credit_order
    with merchant_scope(order.merchant):
        candle = order.line_items.get(title="Candle").pk
    page = browser.new_context(locale=language, viewport=PHONE).new_page()
    page.set_default_timeout(10_000)
    console = watch_console(page)
    page.goto(f"{live_server.url}/returns/{order_token(order)}/?lang={language}")
    page.locator(f"#quantity-{candle}").select_option("1")
    page.locator(f"#reason-{candle}").select_option(index=1)
    # 30.00 charged: 30.00 + 10 % as credit (no fee), 30.00 − 3.00 as a refund.
    expect(page.locator("[data-summary=compare]")).to_have_text(words["compare"])
    expect(page.locator(".return-summary h2")).to_have_text(words["title"])
    expect(page.locator(".return-resolutions")).to_contain_text(words["bonus"])
    assert_clean(page, console, language, f"resolutions-{language}-form")
    page.get_by_role("button", name=words["request"]).click()
    expect(page.locator("h1")).to_contain_text("R-2052-1")
    with merchant_scope(order.merchant):
        made = ReturnRequest.objects.get()
    assert (made.resolution, made.credit_amount, made.bonus_amount, made.fee) == (
        "store_credit",
        Decimal("33.00"),
        Decimal("3.00"),
        0,
    )


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_admin_orders_the_resolutions_in_the_settings(credit_order, live_server, browser, viewport):
    page = browser.new_context(locale="en", viewport=viewport).new_page()
    page.set_default_timeout(10_000)
    console = watch_console(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("ines@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/app/settings/returns/")
    playwright_sync.expect(page.get_by_label("Offered first")).to_have_value("store_credit")
    playwright_sync.expect(page.get_by_label("Bonus", exact=True)).to_have_value("10")
    assert_clean(page, console, "en", f"resolutions-settings-{viewport['width']}")
    fieldset = page.locator("fieldset", has=page.locator("#id_resolution_1"))
    fieldset.screenshot(path=SCREENS / f"resolutions-settings-{viewport['width']}-part.png")
