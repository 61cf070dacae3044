"""Returns in a real browser: a customer returns an item on their phone, staff take it to its refund.

Each step is checked on what the page shows (status, amounts, messages), with no console error, no
horizontal scroll and no text of the other language. Screenshots land in test-results/screens/returns/.
"""

import gettext
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.utils import timezone
from PIL import Image

from core.scoping import merchant_scope
from merchants.models import Role
from portal.links import order_token
from returns.lifecycle import ItemInput, return_request_create
from returns.models import BonusKind, ReturnPolicy, ReturnReason, ReturnRequest
from returns.reasons import return_reasons_seed
from shop_actions.models import ShopAction
from tests.factories import LineItemFactory, MembershipFactory, MerchantFactory, OrderFactory, UserFactory
from tracking.models import Shipment

from .support import chromium, watch_console

playwright_sync = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser]

SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens" / "returns"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

REFUSED_FORM = "Failed to load resource: the server responded with a status of 400 (Bad Request)"

# What the customer reads at each step, in each language.
CUSTOMER_WORDS = {
    "en": {
        "start": "Return items from order #2041",
        "reason": "Not as described",
        "request": "Request the return",
        "photo_needed": "Add a photo of the item",
        "status": "Approved",
        "heading": "Return {rma}",
        "send_to": "write {rma} on the parcel",
        "refund": "€27.00",
        "fee": "€3.00",
        "slip": "Print the packing slip (PDF)",
    },
    "fr": {
        "start": "Retourner des articles de la commande #2041",
        "reason": "Non conforme à la description",
        "request": "Demander le retour",
        "photo_needed": "Ajoutez une photo de l’article",
        "status": "Accepté",
        "heading": "Retour {rma}",
        "send_to": "écrivez {rma} sur le colis",
        "refund": "27,00\u00a0€",
        "fee": "3,00\u00a0€",
        "slip": "Imprimer le bordereau de retour (PDF)",
    },
}

# Every visible text node of the page, outside elements marked with another language (the language switch).
VISIBLE_TEXT_JS = """() => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.textContent.replace(/\\s+/g, " ").trim();
    const parent = node.parentElement;
    if (!text || !parent || parent.closest("script, style, template, [lang]:not(html)")) continue;
    if (parent.checkVisibility({opacityProperty: true, visibilityProperty: true})) texts.push(text);
  }
  return texts;
}"""


# --- Checks on every page ------------------------------------------------------------------------


def catalogue_sentences() -> dict[str, set[str]]:
    """Sentences (3 words or more) our French catalogues translate: {"en": msgids, "fr": their translations}."""
    found = {"en": set(), "fr": set()}
    for path in Path(settings.BASE_DIR).glob("*/locale/fr/LC_MESSAGES/django.mo"):
        with path.open("rb") as file:
            catalogue = gettext.GNUTranslations(file)._catalog
        for msgid, translation in catalogue.items():
            msgid = (msgid[0] if isinstance(msgid, tuple) else msgid).split("\x04")[-1]
            if not msgid or translation == msgid or "%" in msgid + translation or "{" in msgid + translation:
                continue
            for language, sentence in (("en", msgid), ("fr", translation)):
                if len(sentence.split()) >= 3:
                    found[language].add(sentence)
    return found


SENTENCES: dict[str, set[str]] = {}


def other_language_shown(page, language: str) -> list[str]:
    """Sentences of the other language on the page: an English msgid on a French page, or the reverse."""
    if not SENTENCES:
        SENTENCES.update(catalogue_sentences())
    other = SENTENCES["fr" if language == "en" else "en"]
    texts = page.evaluate(VISIBLE_TEXT_JS)
    return sorted({sentence for text in texts for sentence in other if sentence in text})


def assert_clean(page, console: list[str], language: str, shot: str) -> None:
    """The page as shown now: in its language, no console error, no horizontal scroll; then its screenshot."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENS / f"{shot}.png", full_page=True, animations="disabled")
    assert console == [], f"{shot}: console errors {console}"
    widths = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{shot}: {widths[0]} px wide on a {widths[1]} px screen"
    assert page.locator("html").get_attribute("lang") == language
    assert other_language_shown(page, language) == [], f"{shot}: text in the wrong language"


@pytest.fixture
def browser():
    """A running Chromium for the test's contexts.

    The test's own database checks, made while Playwright's sync API runs, are left holding a pooled
    connection that the end of the run does not close: closed here, else the test database cannot be
    dropped ("being accessed by other users").
    """
    with chromium() as running:
        yield running
        connections.close_all()


# --- The shop -------------------------------------------------------------------------------------


@pytest.fixture
def browser_settings(transactional_db, settings, tmp_path):
    """A cache of the test's own, and a private photo folder of its own (STORAGES["returns_photos"])."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "returns"}}
    caches["default"].clear()
    settings.STORAGES = {
        **settings.STORAGES,
        "returns_photos": {
            "BACKEND": "returns.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "return-photos")},
        },
    }
    return settings


def delivered_order(merchant, number: str):
    """A paid order of three lines (2 candles, a vase, a shirt), delivered six days ago."""
    now = timezone.now()
    order = OrderFactory(
        merchant=merchant,
        number=number,
        placed_at=now - timedelta(days=10),
        subtotal=Decimal("149.90"),
        shipping=Decimal("0"),
        discount=Decimal("0"),
        total=Decimal("149.90"),
        financial_status="paid",
        fulfillment_status="fulfilled",
    )
    LineItemFactory(merchant=merchant, order=order, title="Candle", unit_price=Decimal("30"), quantity=2)
    LineItemFactory(merchant=merchant, order=order, title="Vase", unit_price=Decimal("40"), quantity=1)
    LineItemFactory(merchant=merchant, order=order, title="Linen shirt", unit_price=Decimal("49.90"), quantity=1)
    Shipment.objects.create(
        merchant=merchant,
        order=order,
        carrier="colissimo",
        tracking_number="6A12345678901",
        status="delivered",
        shipped_at=now - timedelta(days=8),
        delivered_at=now - timedelta(days=6),
    )
    return order


def returns_policy(merchant, **fields) -> ReturnPolicy:
    """Ship-it-yourself returns with a 3.00 fee; the built-in reasons, "not as described" asking for a photo."""
    policy = ReturnPolicy.objects.create(
        merchant=merchant,
        methods=["ship_yourself"],
        fee=Decimal("3.00"),
        return_address="Maison Lumière\n12 rue des Lilas\n75011 Paris",
        **fields,
    )
    return_reasons_seed(merchant=merchant)
    ReturnReason.objects.filter(merchant=merchant, code="not_as_described").update(photo_required=True)
    return policy


@pytest.fixture
def customer_order(browser_settings):
    """An order whose requests are approved at once (below 500.00, no damage said): the page shows the way back."""
    merchant = MerchantFactory(name="Maison Lumière", slug="maison-lumiere-returns")
    with merchant_scope(merchant):
        returns_policy(merchant, auto_approve=True, auto_approve_below=Decimal("500"))
        return delivered_order(merchant, "#2041")


def a_jpeg(folder: Path) -> Path:
    path = folder / "candle.jpg"
    Image.new("RGB", (640, 480), (190, 120, 60)).save(path, format="JPEG", quality=80)
    return path


# --- The customer ---------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_customer_returns_a_candle_with_a_photo_on_their_phone(
    customer_order, live_server, browser, tmp_path, language
):
    # customer_order comes first: the test database is set up before the live server starts.
    expect = playwright_sync.expect
    words, order = CUSTOMER_WORDS[language], customer_order
    with merchant_scope(order.merchant):
        candle = order.line_items.get(title="Candle").pk
    context = browser.new_context(locale=language, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    console = watch_console(page)

    page.goto(f"{live_server.url}/returns/{order_token(order)}/?lang={language}")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["start"])
    assert_clean(page, console, language, f"customer-{language}-1-form")

    # The reason asks for a photo: without one the form comes back, nothing stored.
    page.locator(f"#quantity-{candle}").select_option("1")
    page.locator(f"#reason-{candle}").select_option(label=words["reason"])
    page.get_by_role("button", name=words["request"]).click()
    expect(page.locator(".error-summary")).to_contain_text(words["photo_needed"])
    with merchant_scope(order.merchant):
        assert not ReturnRequest.objects.exists()
    expect(page.locator(f"#quantity-{candle}")).to_have_value("1")  # the choices are kept
    assert console == [REFUSED_FORM]  # the form's own 400, as designed: Chromium logs every 4xx
    console.clear()
    assert_clean(page, console, language, f"customer-{language}-2-photo-needed")

    page.locator(f"#photos-{candle}").set_input_files(a_jpeg(tmp_path))
    expect(page.locator(f"#photos-preview-{candle} img")).to_be_visible()  # the preview script ran
    # Before confirming, the refund these choices make, as the return's page will show it.
    expect(page.locator(".return-summary [data-summary=refund]")).to_have_text(words["refund"])
    expect(page.locator(".return-summary")).to_contain_text(words["fee"])
    assert_clean(page, console, language, f"customer-{language}-3-photo-chosen")
    page.get_by_role("button", name=words["request"]).click()

    with merchant_scope(order.merchant):
        the_return = ReturnRequest.objects.get()
        assert the_return.items.get().photos.count() == 1
    rma = the_return.rma
    expect(page.get_by_role("heading", level=1)).to_have_text(words["heading"].format(rma=rma))
    expect(page.locator(".return-status strong")).to_have_text(words["status"])
    expect(page.locator(".way-back")).to_contain_text(words["send_to"].format(rma=rma))
    expect(page.locator(".return-address")).to_contain_text("12 rue des Lilas")
    expect(page.locator(".return-amounts")).to_contain_text(words["fee"])
    expect(page.locator(".return-amounts strong")).to_have_text(words["refund"])
    thumbnail = page.locator(".return-photos img")
    thumbnail.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    assert_clean(page, console, language, f"customer-{language}-4-return")

    slip = page.get_by_role("link", name=words["slip"])
    answer = page.request.get(live_server.url + slip.get_attribute("href"))
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF")
    context.close()


# --- Staff ----------------------------------------------------------------------------------------


@pytest.fixture
def requested_return(browser_settings):
    """A return of 2 candles and the vase waiting for staff, and an agent of the shop."""
    merchant = MerchantFactory(name="Maison Lumière", slug="maison-lumiere-staff")
    agent = UserFactory(email="ines@example.com", full_name="Inès Moreau", language="en")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=agent, role=Role.AGENT)
        returns_policy(merchant)
        order = delivered_order(merchant, "#3107")
        lines = {line.title: line.pk for line in order.line_items.all()}
        return return_request_create(
            order=order,
            items=[
                ItemInput(lines["Candle"], 2, "too_big"),
                ItemInput(lines["Vase"], 1, "changed_mind", comment="Finalement trop grand pour l’étagère"),
            ],
            method="ship_yourself",
        )


def log_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill("ines@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    playwright_sync.expect(page.get_by_role("heading", name="Overview")).to_be_visible()


def test_an_agent_approves_receives_and_refunds_a_return(requested_return, live_server, browser):
    expect = playwright_sync.expect
    rma = requested_return.rma
    context = browser.new_context(locale="en-GB", viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    console = watch_console(page)
    log_in(page, live_server.url)

    page.goto(f"{live_server.url}/app/returns/")  # opens on what needs action
    row = page.get_by_role("row").filter(has_text=rma)
    expect(row).to_contain_text("Requested")
    expect(row).to_contain_text("€97.00")  # 2 × 30.00 + 40.00 − 3.00
    expect(page.get_by_role("button", name="Approve selected")).to_be_visible()
    assert_clean(page, console, "en", "staff-1-queue")
    row.get_by_role("link", name=rma).click()

    status = page.locator("h1 .badge").first
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Return {rma}")
    expect(status).to_have_text("Requested")
    expect(page.get_by_role("button", name="Mark as received")).to_have_count(0)  # not before approval
    assert_clean(page, console, "en", "staff-2-requested")

    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text(f"Return {rma} is approved.")).to_be_visible()
    expect(status).to_have_text("Approved")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    assert_clean(page, console, "en", "staff-3-approved")

    # What staff found: the candles as expected, the vase broken.
    page.get_by_role("group", name="Candle × 2").get_by_label("As expected").check()
    page.get_by_role("group", name="Vase × 1").get_by_label("Damaged").check()
    page.get_by_role("button", name="Mark as received").click()
    expect(page.get_by_text(f"Return {rma} is received.")).to_be_visible()
    expect(status).to_have_text("Received")
    items = page.locator("table.shop-actions").first
    expect(items.get_by_role("row").filter(has_text="Candle")).to_contain_text("As expected")
    expect(items.get_by_role("row").filter(has_text="Vase")).to_contain_text("Damaged")
    assert_clean(page, console, "en", "staff-4-received")

    # No access to the shop was given: the refund waits for staff to do it in the shop.
    page.get_by_role("button", name="Refund now").click()
    expect(page.get_by_text(f"Return {rma} is resolved with its refund.")).to_be_visible()
    expect(status).to_have_text("Resolved")
    expect(page.locator(".notice")).to_contain_text("The refund waits for you: refund it in the shop, then confirm it.")
    expect(page.get_by_role("link", name="Open the refund")).to_be_visible()
    expect(page.get_by_role("button", name="Refund now")).to_have_count(0)
    assert_clean(page, console, "en", "staff-5-refund-waits")
    with merchant_scope(requested_return.merchant):
        action = ShopAction.objects.get()
    assert (action.key, action.status, action.platform) == (f"return:{rma}:refund", "waiting_for_staff", "manual")

    # The queue and the return's page on a phone.
    page.set_viewport_size(PHONE)
    page.reload()
    assert_clean(page, console, "en", "staff-6-return-phone")
    page.goto(f"{live_server.url}/app/returns/?status=resolved")
    expect(page.get_by_role("link", name=rma)).to_be_visible()
    expect(page.get_by_role("button", name="Approve selected")).to_have_count(0)  # nothing here to tick
    assert_clean(page, console, "en", "staff-7-queue-phone")
    context.close()


# --- Store credit or refund: each option's value on the customer's phone, the shop's settings --------

RESOLUTION_WORDS = {
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
    words, order = RESOLUTION_WORDS[language], credit_order
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
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/app/settings/returns/")
    playwright_sync.expect(page.get_by_label("Offered first")).to_have_value("store_credit")
    playwright_sync.expect(page.get_by_label("Bonus", exact=True)).to_have_value("10")
    assert_clean(page, console, "en", f"resolutions-settings-{viewport['width']}")
    fieldset = page.locator("fieldset", has=page.locator("#id_resolution_1"))
    fieldset.screenshot(path=SCREENS / f"resolutions-settings-{viewport['width']}-part.png")
