"""A staff member logs in, switches merchant, sees the dashboard and logs out, in a real browser."""

import pytest
from django.core.cache import caches

from core.scoping import merchant_scope
from merchants.models import Role
from tests.factories import MembershipFactory, MerchantFactory, OrderFactory, UserFactory

from .support import CUT_OFF_SELECTS, chromium

playwright_sync = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def page():
    with chromium() as browser:
        context = browser.new_context(locale="en-GB")
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()


@pytest.fixture
def two_shops(transactional_db, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "browser"}}
    caches["default"].clear()
    north = MerchantFactory(name="Atelier Nord", slug="atelier-nord")
    south = MerchantFactory(name="Boutique Sud", slug="boutique-sud")
    person = UserFactory(email="camille@example.com", full_name="Camille Dubois")
    with merchant_scope(north):
        MembershipFactory(merchant=north, user=person, role=Role.OWNER)
    with merchant_scope(south):
        MembershipFactory(merchant=south, user=person, role=Role.AGENT)
        OrderFactory(merchant=south, number="#S-1001")
    return north, south, person


@pytest.mark.browser
def test_staff_member_logs_in_switches_merchant_sees_dashboard_and_logs_out(two_shops, live_server, page):
    # two_shops comes first: the test database is then set up before the live server starts
    # and dropped only after it stops.
    expect = playwright_sync.expect

    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Email").fill("camille@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()

    # Shops are listed by name: the first one opens.
    expect(page.locator(".topbar .brand")).to_have_text("Atelier Nord")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_text("No orders yet.")).to_be_visible()

    page.get_by_label("Shop").select_option(label="Boutique Sud")
    page.get_by_role("button", name="Switch").click()

    expect(page.locator(".topbar .brand")).to_have_text("Boutique Sud")
    expect(page.get_by_text("You are now working on Boutique Sud.")).to_be_visible()
    expect(page.get_by_role("cell", name="#S-1001")).to_be_visible()
    expect(page.get_by_role("link", name="Settings")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/")


@pytest.fixture
def shop_with_flows(transactional_db, settings):
    from flows.models import Flow
    from flows.services import default_flows_install

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "flows"}}
    caches["default"].clear()
    shop = MerchantFactory(name="Atelier Nord", slug="atelier-nord-flows", default_language="en")
    person = UserFactory(email="lea@example.com", full_name="Léa Martin")
    with merchant_scope(shop):
        MembershipFactory(merchant=shop, user=person, role=Role.OWNER)
    default_flows_install(merchant=shop)
    with merchant_scope(shop):
        journey = Flow.objects.get(key="post-purchase")
        welcome = journey.steps.get(key="welcome")
    return journey, welcome


def open_step_editor(page, live_server, journey, step):
    """Léa logs in and opens the step's editor."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("lea@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    playwright_sync.expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    page.goto(f"{live_server.url}/app/flows/{journey.pk}/steps/{step.pk}/")


@pytest.mark.browser
def test_the_step_preview_follows_the_editor_as_they_type(shop_with_flows, live_server, page):
    expect = playwright_sync.expect
    journey, welcome = shop_with_flows
    open_step_editor(page, live_server, journey, welcome)
    page.locator("input[name='en-subject']").fill("Your order {{ order.number }} is on its way")

    expect(page.locator("#preview-pane .preview-subject")).to_have_text("Your order #1001 is on its way")
    page.locator("input[name='en-subject']").fill("Hi {{ customer.nickname }}")
    expect(page.locator("#preview-pane [role=alert]")).to_contain_text("Unknown variable: customer.nickname")


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
def test_the_step_editor_and_its_preview_fit_the_screen(shop_with_flows, live_server, page, width):
    expect = playwright_sync.expect
    journey, welcome = shop_with_flows
    page.set_viewport_size({"width": width, "height": 900})
    open_step_editor(page, live_server, journey, welcome)

    page.locator(".preview-text summary").click()  # the plain text, with its long links
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(CUT_OFF_SELECTS) == []
    assert page.locator("input[name=window_start]").input_value() == "10:00"

    frame = page.locator(".preview-frame iframe")
    desktop = frame.bounding_box()["width"]
    page.get_by_text("Phone", exact=True).click()
    assert frame.bounding_box()["width"] == min(375, desktop)
    if width < 1100:
        return
    form, preview = page.locator("#step-form").bounding_box(), page.locator("#step-preview").bounding_box()
    assert preview["x"] >= form["x"] + form["width"]  # side by side
    page.locator("textarea[name='fr-html_body']").focus()  # far down the form: the preview stays in view
    expect(page.locator("input[name=preview_language][value=fr]")).to_be_checked()
    expect(page.locator("#preview-pane .preview-subject")).to_contain_text("Bienvenue")
    assert 0 <= page.locator("#step-preview").bounding_box()["y"] < 900


# Fields of the step form whose first line lies under the sticky save bar once focused.
FIELDS_UNDER_THE_SAVE_BAR = """() => {
  const bar = document.querySelector(".step-actions").getBoundingClientRect();
  const fields = document.querySelectorAll("#step-form input:not([type=hidden]), #step-form select, #step-form textarea");
  return [...fields].filter((field) => field.offsetParent).flatMap((field) => {
    field.focus();
    const box = field.getBoundingClientRect();
    const firstLine = Math.min(box.bottom, box.top + 40);
    return firstLine > bar.top + 1 && box.top < bar.bottom ? [field.name] : [];
  });
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
def test_a_field_reached_with_the_keyboard_is_not_hidden_under_the_save_bar(shop_with_flows, live_server, page, width):
    journey, welcome = shop_with_flows
    page.set_viewport_size({"width": width, "height": 700})
    open_step_editor(page, live_server, journey, welcome)
    assert page.evaluate(FIELDS_UNDER_THE_SAVE_BAR) == []
