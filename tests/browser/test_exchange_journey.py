"""An exchange in a real browser: on her phone, in French, a customer swaps her shirt for a smaller size;
she gets the confirmation email; staff receive the parcel and the exchange order is asked of the shop once.

Screenshots of the variant picker and the staff return page, at 390 and 1366 px, in English and French,
land in test-results/screens/exchange/.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from catalogue.models import Product, Variant
from core.scoping import merchant_scope
from flows.dispatcher import dispatch_due
from flows.services import default_flows_install
from merchants.models import Role
from orders.events import events_publish_pending
from portal.links import order_token
from returns.models import ReturnPolicy, ReturnRequest
from shop_actions.models import ShopAction
from tests.factories import (
    CustomerFactory,
    LineItemFactory,
    MembershipFactory,
    MerchantFactory,
    OrderFactory,
    UserFactory,
)

from . import test_returns_journeys as journeys
from .support import watch_console
from .test_returns_journeys import DESKTOP, PHONE, browser, browser_settings, returns_policy  # noqa: F401 - fixtures

playwright_sync = pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser]

WORDS = {
    "fr": {
        "request": "Demander le retour",
        "reason": "Trop grand",
        "exchange": "Votre échange",
        "summary": "Votre échange",
        "receive": "Marquer comme reçu",
        "as_expected": "Conforme",
        "received": "est reçu",
        "reserved": "Nouvel article réservé",
        "requested": "En cours de commande",
    },
    "en": {
        "request": "Request the return",
        "reason": "Too big",
        "exchange": "Your exchange",
        "summary": "Your exchange",
        "receive": "Mark as received",
        "as_expected": "As expected",
        "received": "is received",
        "reserved": "New item reserved",
        "requested": "Being ordered",
    },
}


@pytest.fixture
def shirt_order(browser_settings):  # noqa: F811 - the fixture imported above
    """A delivered shirt in M; the catalogue has S (in stock), XL (sold out) and L (dearer)."""
    merchant = MerchantFactory(name="Maison Lumière", slug="maison-lumiere-exchange", default_language="en")
    with merchant_scope(merchant):
        default_flows_install(merchant=merchant)
        returns_policy(merchant, resolutions=["exchange_variant", "store_credit", "refund"])
        product = Product.objects.create(merchant=merchant, product_id="p-shirt", title="Chemise en lin")
        for position, (size, price, stock) in enumerate((("S", "49.90", 2), ("M", "49.90", 4), ("L", "59.90", 3))):
            Variant.objects.create(
                merchant=merchant,
                product=product,
                variant_id=f"v-{size}",
                sku=f"SHIRT-{size}",
                title=size,
                price=Decimal(price),
                currency="EUR",
                available=stock,
                position=position,
            )
        Variant.objects.create(
            merchant=merchant,
            product=product,
            variant_id="v-XL",
            title="XL",
            price=Decimal("49.90"),
            currency="EUR",
            available=0,
            position=9,
        )
        customer = CustomerFactory(merchant=merchant, language="fr", email="camille@example.org")
        order = OrderFactory(
            merchant=merchant,
            customer=customer,
            number="#2077",
            placed_at=timezone.now() - timedelta(days=8),
            discount=Decimal(0),
            subtotal=Decimal("49.90"),
            total=Decimal("49.90"),
            language="fr",
        )
        LineItemFactory(
            merchant=merchant,
            order=order,
            title="Chemise en lin",
            product_id="p-shirt",
            variant_id="v-M",
            variant_title="M",
            unit_price=Decimal("49.90"),
        )
        for language in ("fr", "en"):
            user = UserFactory(email=f"agent-{language}@example.com", full_name="Inès Moreau", language=language)
            MembershipFactory(merchant=merchant, user=user, role=Role.AGENT)
    return order


@pytest.fixture(autouse=True)
def screens_folder():
    (journeys.SCREENS.parent / "exchange").mkdir(parents=True, exist_ok=True)


def log_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill("correct horse battery")
    page.locator("#id_password").press("Enter")
    playwright_sync.expect(page.locator("#id_password")).to_have_count(0, timeout=30_000)  # left the login page


def test_a_customer_exchanges_her_shirt_for_a_smaller_size_on_her_phone_in_french(shirt_order, live_server, browser):  # noqa: F811
    expect = playwright_sync.expect
    order = shirt_order
    with merchant_scope(order.merchant):
        line = order.line_items.get()
        small, large, sold_out = (Variant.objects.get(variant_id=f"v-{size}") for size in ("S", "L", "XL"))
    words = WORDS["fr"]
    page = browser.new_context(locale="fr-FR", viewport=PHONE).new_page()
    page.set_default_timeout(10_000)
    console = watch_console(page)
    page.goto(f"{live_server.url}/returns/{order_token(order)}/?lang=fr")
    page.locator(f"#quantity-{line.pk}").select_option("1")
    page.locator(f"#reason-{line.pk}").select_option(label=words["reason"])
    picker = page.locator(f"#exchange-{line.pk}")
    expect(picker).to_be_visible()
    expect(picker.locator(f'option[value="{sold_out.pk}"]')).to_be_disabled()
    expect(picker.locator(f'option[value="{large.pk}"]')).to_be_disabled()
    picker.select_option(str(small.pk))
    expect(page.locator("[data-summary=title]")).to_have_text(words["summary"])
    expect(page.locator("[data-summary=compare]")).to_contain_text("49,90\u00a0€ d’échange")
    journeys.assert_clean(page, console, "fr", "../exchange/customer-fr-390-picker")
    mail.outbox.clear()
    page.get_by_role("button", name=words["request"]).click()

    expect(page.locator(".return-exchange")).to_contain_text(words["exchange"])
    expect(page.locator(".return-exchange")).to_contain_text("S")
    journeys.assert_clean(page, console, "fr", "../exchange/customer-fr-390-return")
    with merchant_scope(order.merchant):
        the_return = ReturnRequest.objects.get()
    assert (the_return.resolution, the_return.exchange_status) == ("exchange_variant", "reserved")

    # The confirmation email: what she gets, and when it ships.
    events_publish_pending()  # what the server's own after-commit tasks did not do yet
    dispatch_due()
    confirmed = [email for email in mail.outbox if email.subject == f"Votre échange {the_return.rma} est confirmé"]
    assert len(confirmed) == 1 and confirmed[0].to == ["camille@example.org"]

    # Staff receive the parcel: the exchange order is asked of the shop, once.
    staff = browser.new_context(locale="en-GB", viewport=DESKTOP).new_page()
    staff.set_default_timeout(10_000)
    staff_console = watch_console(staff)
    log_in(staff, live_server.url, "agent-en@example.com")
    staff.goto(f"{live_server.url}/app/returns/{the_return.pk}/")
    staff.get_by_role("button", name="Approve").click()
    staff.get_by_role("button", name=WORDS["en"]["receive"]).click()
    expect(staff.get_by_text(f"Return {the_return.rma} {WORDS['en']['received']}.")).to_be_visible()
    expect(staff.locator(".panel").first).to_contain_text(WORDS["en"]["requested"])
    expect(staff.get_by_role("button", name=WORDS["en"]["receive"])).to_have_count(0)  # nothing to press twice
    with merchant_scope(order.merchant):
        actions = list(ShopAction.objects.filter(kind="exchange_order"))
    assert [(a.key, a.payload["lines"][0]["variant_external_id"]) for a in actions] == [
        (f"return:{the_return.rma}:exchange", "v-S")
    ]
    journeys.assert_clean(staff, staff_console, "en", "../exchange/staff-en-1366-received")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_screens_of_the_picker_and_the_staff_page(shirt_order, live_server, browser, language):  # noqa: F811
    """The variant picker and the staff return page at 390 and 1366 px, in each language."""
    expect = playwright_sync.expect
    order = shirt_order
    with merchant_scope(order.merchant):
        line = order.line_items.get()
        small = Variant.objects.get(variant_id="v-S")
    words = WORDS[language]
    for name, viewport in (("390", PHONE), ("1366", DESKTOP)):
        page = browser.new_context(locale=language, viewport=viewport).new_page()
        console = watch_console(page)
        page.goto(f"{live_server.url}/returns/{order_token(order)}/?lang={language}")
        page.locator(f"#quantity-{line.pk}").select_option("1")
        page.locator(f"#exchange-{line.pk}").select_option(str(small.pk))
        expect(page.locator("[data-summary=title]")).to_have_text(words["summary"])
        journeys.assert_clean(page, console, language, f"../exchange/customer-{language}-{name}-picker")
        page.context.close()
    from returns.lifecycle import ItemInput, return_request_create

    the_return = return_request_create(
        order=order,
        items=[ItemInput(line.pk, 1, "too_big", exchange_variant_id=small.pk)],
        method="ship_yourself",
        resolution="exchange_variant",
    )
    for name, viewport in (("390", PHONE), ("1366", DESKTOP)):
        page = browser.new_context(locale=language, viewport=viewport).new_page()
        console = watch_console(page)
        log_in(page, live_server.url, f"agent-{language}@example.com")
        page.goto(f"{live_server.url}/app/returns/{the_return.pk}/")
        expect(page.locator(".panel").first).to_contain_text(words["reserved"])
        journeys.assert_clean(page, console, language, f"../exchange/staff-{language}-{name}-return")
        page.context.close()


DEARER_WORDS = {
    "fr": {"to_pay": "Différence à régler dans la boutique", "due": "10,00\u00a0€", "pay": "Régler 10,00\u00a0€"},
    "en": {"to_pay": "Difference to pay in the shop", "due": "€10.00", "pay": "Pay €10.00"},
}
PAYMENT_URL = "https://maison-lumiere.myshopify.com/1234567/invoices/4f9c2d7e0b"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_screens_of_a_dearer_exchange_and_its_payment_link(shirt_order, live_server, browser, language):  # noqa: F811
    """A shop that lets customers pay the difference: L costs 10.00 more; the return page, once the shop made
    the unpaid exchange order, gives the link to pay it. At 390 and 1366 px, in each language."""
    expect = playwright_sync.expect
    order = shirt_order
    with merchant_scope(order.merchant):
        ReturnPolicy.objects.filter(merchant=order.merchant).update(exchange_dearer=True)
        line = order.line_items.get()
        large = Variant.objects.get(variant_id="v-L")
    words = DEARER_WORDS[language]
    for name, viewport in (("1366", DESKTOP), ("390", PHONE)):  # confirmed on the phone, last
        page = browser.new_context(locale=language, viewport=viewport).new_page()
        console = watch_console(page)
        page.goto(f"{live_server.url}/returns/{order_token(order)}/?lang={language}")
        page.locator(f"#quantity-{line.pk}").select_option("1")
        page.locator(f"#reason-{line.pk}").select_option(label=WORDS[language]["reason"])
        page.locator(f"#exchange-{line.pk}").select_option(str(large.pk))
        expect(page.locator("[data-summary=total-label]")).to_have_text(words["to_pay"])
        expect(page.locator("[data-summary=refund]")).to_have_text(words["due"])
        journeys.assert_clean(page, console, language, f"../exchange/dearer-{language}-{name}-picker")
        if name == "390":
            page.get_by_role("button", name=WORDS[language]["request"]).click()
            expect(page.locator(".return-exchange")).to_be_visible()
        page.context.close()
    with merchant_scope(order.merchant):
        the_return = ReturnRequest.objects.get()
        assert the_return.exchange_due == Decimal("10.00")
        # What the shop's answer leaves (tests/returns/test_exchanges.py makes it through the shop action).
        ReturnRequest.objects.filter(pk=the_return.pk).update(
            exchange_status="unpaid", exchange_payment_url=PAYMENT_URL
        )
    for name, viewport in (("390", PHONE), ("1366", DESKTOP)):
        page = browser.new_context(locale=language, viewport=viewport).new_page()
        console = watch_console(page)
        page.goto(f"{live_server.url}/returns/{order_token(order)}/{the_return.rma}/?lang={language}")
        pay = page.get_by_role("link", name=words["pay"])
        expect(pay).to_have_attribute("href", PAYMENT_URL)
        journeys.assert_clean(page, console, language, f"../exchange/dearer-{language}-{name}-payment")
        page.context.close()
