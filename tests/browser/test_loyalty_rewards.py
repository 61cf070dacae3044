"""A customer redeems a reward on their phone: a double tap redeems once, the code comes with a Copy button."""

from pathlib import Path

import pytest
from django.core.cache import caches

from core.scoping import merchant_scope
from loyalty import services
from loyalty.models import Redemption
from portal.links import customer_token
from shop_actions.services import shop_action_confirm
from tests.factories import CustomerFactory, MerchantFactory
from tests.loyalty.rewards_helpers import action_of, refreshed, reward

from .support import chromium, watch_console

playwright_sync = pytest.importorskip("playwright.sync_api")
SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens" / "loyalty-rewards"


@pytest.fixture
def member(transactional_db, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rewards"}}
    caches["default"].clear()
    shop = MerchantFactory(name="Atelier Nord", slug="atelier-nord-rewards")
    services.loyalty_settings_update(merchant=shop, enabled=True, points_per_unit=1, pending_days=30)
    with merchant_scope(shop):
        customer = CustomerFactory(merchant=shop, email="lea@example.org", first_name="Léa", language="fr")
    services.points_adjust(merchant=shop, customer=customer, points=400, reason="Welcome", key="staff:start")
    reward(shop)
    return shop, customer


@pytest.mark.browser
def test_a_double_tap_redeems_once_and_the_code_can_be_copied(member, live_server):
    shop, customer = member
    SCREENS.mkdir(parents=True, exist_ok=True)
    url = f"{live_server.url}/points/{customer_token(customer)}/?lang=fr"
    with chromium() as browser:
        context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 900})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        page = context.new_page()
        problems = watch_console(page)
        page.goto(url)
        page.locator("form button.primary", has_text="Utiliser").dblclick()
        page.wait_for_load_state()
        playwright_sync.expect(page.locator("#rewards")).to_contain_text("Votre code est en préparation")
        with merchant_scope(shop):
            [made] = Redemption.objects.all()
        action = action_of(made)  # tried once the redemption committed: by hand, it waits for staff
        assert action.status == "waiting_for_staff"
        shop_action_confirm(action=action, result={"reference": "88"})
        page.goto(url)
        page.locator("button.copy-code").click()
        playwright_sync.expect(page.locator("button.copy-code")).to_have_text("Copié")
        assert page.evaluate("navigator.clipboard.readText()") == refreshed(made).code
        page.screenshot(path=str(SCREENS / "portal-redeemed-copied-fr-390.png"), full_page=True)
        assert problems == []
        context.close()
    with merchant_scope(shop):
        assert Redemption.objects.count() == 1
