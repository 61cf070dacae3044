"""The branded tracking page, the look-up form, the WISMO button and suggestion clicks."""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalogue.models import Product
from catalogue.services import product_catalogue_sync, recommendation_rule_save
from core.scoping import merchant_scope
from orders.models import Order
from tests.factories import OrderFactory
from tracking.models import RecommendationClick, Shipment, TrackingPageView, WismoContact
from tracking.services import shipment_upsert, tracking_event_add
from tracking.tokens import recommendation_token, tracking_page_path

from .conftest import PLACED

T1 = PLACED + timedelta(hours=6)


@pytest.fixture
def shipment(merchant, order):
    shipment = shipment_upsert(merchant=merchant, order=order, tracking_number="8D00432154798", shipped_at=T1)
    tracking_event_add(
        merchant=merchant,
        shipment=shipment,
        status="in_transit",
        occurred_at=T1 + timedelta(hours=2),
        description="Pris en charge",
        city="Montreuil",
        country="FR",
        source="api",
    )
    return shipment


def add_events(merchant, shipment, count, start_hours=3):
    for index in range(count):
        tracking_event_add(
            merchant=merchant,
            shipment=shipment,
            status="in_transit",
            occurred_at=T1 + timedelta(hours=start_hours + index),
            description=f"Scan {index}",
            source="api",
        )


def test_page_shows_progress_window_timeline_and_carrier_link(client, merchant, order, shipment):
    response = client.get(tracking_page_path(order) + "?lang=en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Order #1001" in html
    assert 'aria-current="step">In transit' in html
    assert re.search(r"Expected delivery: <strong>\w{3}, \w{3} \d+", html)  # the window names its month
    assert "Pris en charge" in html and "Montreuil, FR" in html
    assert "https://www.laposte.fr/outils/suivre-vos-envois?code=8D00432154798" in html
    assert "1 × Linen shirt" in html
    assert merchant.primary_color in html
    assert response["Cache-Control"] == "private, no-store"


def test_local_time_is_the_customers(client, merchant, order, shipment):
    with merchant_scope(merchant):
        order.customer.time_zone = "America/New_York"
        order.customer.save()
    html = client.get(tracking_page_path(order) + "?lang=en").content.decode()
    assert "12:00" in html  # 17:00 UTC on 3 March is 12:00 in New York


def test_language_french_by_customer_then_lang_parameter(client, merchant, order, shipment):
    html = client.get(tracking_page_path(order)).content.decode()  # the customer's language is fr
    assert "Commande #1001" in html and "Livraison prévue" in html
    assert "Expected delivery" in client.get(tracking_page_path(order) + "?lang=en").content.decode()


def test_problem_shows_next_steps(client, merchant, order, shipment):
    tracking_event_add(
        merchant=merchant,
        shipment=shipment,
        status="attempt_failed",
        occurred_at=T1 + timedelta(hours=30),
        source="api",
    )
    html = client.get(tracking_page_path(order) + "?lang=en").content.decode()
    assert "tried to deliver your parcel" in html


def test_a_parcel_delivered_late_shows_its_delivery_not_a_problem(client, merchant, order, shipment):
    tracking_event_add(
        merchant=merchant, shipment=shipment, status="delivered", occurred_at=T1 + timedelta(days=6), source="api"
    )
    with merchant_scope(merchant):  # flagged late before it arrived
        Shipment.objects.filter(pk=shipment.pk).update(is_delayed=True, delay_reason="no_news")
    html = client.get(tracking_page_path(order) + "?lang=en").content.decode()
    assert "Delivered on" in html and 'role="alert"' not in html and "no news" not in html


def test_order_without_shipment_says_it_is_being_prepared(client, merchant, order):
    html = client.get(tracking_page_path(order) + "?lang=en").content.decode()
    assert "being prepared" in html


@pytest.mark.parametrize(
    ("cache_kind", "expected"),
    [
        # Any cache: the order and the page come from it; the page view is inserted on every view.
        ("locmem", (6, 1)),
        # Redis: the page view waits in a Redis list for the periodic flush, so a cached view runs no query.
        ("redis", (5, 0)),
    ],
)
def test_query_count_is_fixed_whatever_the_number_of_events(
    request, client, merchant, order, shipment, django_capture_on_commit_callbacks, cache_kind, expected
):
    if cache_kind == "redis":
        request.getfixturevalue("redis_cache")
    second = shipment_upsert(merchant=merchant, order=order, external_id="2", tracking_number="RB123456785GB")
    path = tracking_page_path(order) + "?lang=en"

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    built, cached = count(), count()
    with django_capture_on_commit_callbacks(execute=True):
        add_events(merchant, shipment, 15)
        add_events(merchant, second, 15)
    assert count() == built  # the new events made the cached page stale: built again
    assert count() == cached
    # Built: the order with merchant, customer and suggestion mode; items, shipments, events, shipment items;
    # the page view where it is inserted at once. Suggestions, when the shop turned them on, add the rule and
    # the products on every view.
    assert (built, cached) == expected


def test_new_tracking_event_shows_on_the_next_request(
    client, merchant, order, shipment, django_capture_on_commit_callbacks
):
    path = tracking_page_path(order) + "?lang=en"
    assert "Sorting centre" not in client.get(path).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        tracking_event_add(
            merchant=merchant,
            shipment=shipment,
            status="in_transit",  # same status: the page changes though no order event is recorded
            occurred_at=T1 + timedelta(hours=5),
            description="Sorting centre",
            source="api",
        )
    assert "Sorting centre" in client.get(path).content.decode()


def test_order_change_shows_on_the_next_request(client, merchant, order, shipment, django_capture_on_commit_callbacks):
    path = tracking_page_path(order) + "?lang=en"
    assert "In this parcel" not in client.get(path).content.decode()
    with merchant_scope(merchant):
        item = order.line_items.get()
    with django_capture_on_commit_callbacks(execute=True):
        shipment_upsert(merchant=merchant, order=order, tracking_number="8D00432154798", line_item_ids=[item.pk])
    assert "In this parcel: 1 × Linen shirt" in client.get(path).content.decode()


def test_cached_page_keeps_a_fresh_csrf_token_and_the_visitors_language(merchant, order, shipment):
    path = tracking_page_path(order)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first_html = first.get(path + "?lang=en").content.decode()
    second_html = second.get(path + "?lang=en").content.decode()
    token_of = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    # Tokens are masked differently on every response; each must be the one its own client was given.
    assert token_of.search(first_html).group(1) != token_of.search(second_html).group(1)
    response = second.post(
        path + "contact/", {"reason": "late", "csrfmiddlewaretoken": token_of.search(second_html).group(1)}
    )
    assert response.status_code == 302
    assert "Livraison prévue" in first.get(path + "?lang=fr").content.decode()


def test_page_view_is_recorded(client, merchant, order, shipment):
    client.get(tracking_page_path(order))
    client.get(tracking_page_path(order) + "?lang=en")
    with merchant_scope(merchant):
        assert list(TrackingPageView.objects.filter(order=order).values_list("language", flat=True).order_by("id")) == [
            "fr",
            "en",
        ]


@pytest.mark.parametrize(
    "token",
    [
        "nope",
        signing.dumps({"m": 1, "o": 1}, salt="other"),
        signing.dumps({"m": 999999, "o": 1}, salt="tracking.page", compress=True),
    ],
    ids=["garbage", "other-salt", "unknown-merchant"],  # signed values hold a timestamp: stable ids for xdist
)
def test_invalid_tokens_are_404_saying_nothing(client, merchant, order, token):
    response = client.get(f"/track/{token}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "#1001" not in html and merchant.name not in html


def test_deleted_order_is_404(client, merchant, order):
    path = tracking_page_path(order)
    with merchant_scope(merchant):
        Order.objects.filter(pk=order.pk).delete()
    assert client.get(path).status_code == 404


def test_token_for_another_merchants_order_id_does_not_cross(client, merchant, other_merchant, order, other_order):
    forged = signing.dumps({"m": merchant.pk, "o": other_order.pk}, salt="tracking.page", compress=True)
    # Only a key holder can sign, but even a signed mismatch stays inside its merchant.
    assert client.get(f"/track/{forged}/").status_code == 404


# --- Look-up -----------------------------------------------------------------------------------------


def test_lookup_with_both_matching_goes_to_the_page(client, merchant, order, shipment):
    response = client.post("/track/", {"order_number": "1001", "email": "CAMILLE@example.org", "shop": merchant.slug})
    assert response.status_code == 302 and response["Location"] == tracking_page_path(order) + "?lang=fr"
    response = client.post("/track/?lang=en", {"order_number": "#1001", "email": "camille@example.org"})
    assert response.status_code == 302 and response["Location"] == tracking_page_path(order) + "?lang=en"


def without_inputs(response) -> str:
    """The page minus what the visitor typed and the CSRF token."""
    html = response.content.decode()
    for typed in ("#1001", "#9999", "someone@example.org", "camille@example.org"):
        html = html.replace(typed, "")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_lookup_gives_the_same_answer_whether_or_not_the_order_exists(client, merchant, order):
    wrong_email = client.post("/track/", {"order_number": "#1001", "email": "someone@example.org"})
    no_order = client.post("/track/", {"order_number": "#9999", "email": "camille@example.org"})
    assert wrong_email.status_code == no_order.status_code == 404
    assert without_inputs(wrong_email) == without_inputs(no_order)


def test_lookup_bad_input_is_400(client):
    response = client.post("/track/", {"order_number": "", "email": "not-an-email"})
    assert response.status_code == 400


def test_lookup_is_rate_limited(client, merchant, order):
    for _ in range(10):
        client.post("/track/", {"order_number": "#1", "email": "a@example.org"})
    response = client.post("/track/", {"order_number": "#1001", "email": "camille@example.org"})
    assert response.status_code == 429 and 890 < int(response["Retry-After"]) <= 900
    assert "Too many attempts, try again in 15 minutes." in response.text
    french = client.post("/track/?lang=fr", {"order_number": "#1001", "email": "camille@example.org"})
    assert "Trop de tentatives, réessayez dans 15 minutes." in french.content.decode()


def lookup_through_proxy(client_address, forwarded_prefix=""):
    """A look-up that reached the app through one reverse proxy at 10.0.0.1."""
    forwarded = f"{forwarded_prefix}{client_address}"
    data = {"order_number": "#1001", "email": "camille@example.org"}
    return Client().post("/track/", data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)


def test_lookup_behind_a_trusted_proxy_limits_each_customer_apart(order, settings):
    settings.NUM_PROXIES = 1
    for _ in range(10):
        assert lookup_through_proxy("203.0.113.7").status_code == 302
    assert lookup_through_proxy("203.0.113.7").status_code == 429
    assert lookup_through_proxy("203.0.113.8").status_code == 302


def test_lookup_forwarded_for_entries_a_customer_made_up_do_not_free_them(order, settings):
    settings.NUM_PROXIES = 1
    for number in range(10):
        lookup_through_proxy("203.0.113.7", forwarded_prefix=f"192.0.2.{number}, ")
    assert lookup_through_proxy("203.0.113.7", forwarded_prefix="192.0.2.99, ").status_code == 429


def test_lookup_ignores_forwarded_for_without_a_trusted_proxy(order, settings):
    settings.NUM_PROXIES = 0
    for number in range(10):
        lookup_through_proxy(f"203.0.113.{number}")
    assert lookup_through_proxy("203.0.113.99").status_code == 429  # everyone shares the proxy's address


def test_lookup_scoped_to_a_shop_ignores_other_shops(client, merchant, other_merchant, other_order):
    response = client.post("/track/", {"order_number": "#1001", "email": "camille@example.org", "shop": merchant.slug})
    assert response.status_code == 404


def test_lookup_form_shows_shop_branding(client, merchant):
    html = client.get(f"/track/?shop={merchant.slug}&lang=fr").content.decode()
    assert merchant.name in html and "Suivre ma commande" in html


@pytest.mark.parametrize(
    ("accept", "language", "words", "switch"),
    [
        ("fr-FR,fr;q=0.9", "fr", "Suivre ma commande", ("en", "English")),
        ("en-GB", "en", "Track my order", ("fr", "Français")),
    ],
)
def test_bare_lookup_is_neutral_in_the_visitors_language_with_the_switcher(
    client, merchant, accept, language, words, switch
):
    response = client.get("/track/", HTTP_ACCEPT_LANGUAGE=accept)
    html = response.content.decode()
    assert f'<html lang="{language}">' in html and words in html
    assert merchant.name not in html and "--brand" not in html  # no shop's branding
    code, name = switch
    assert f'<a href="?lang={code}" lang="{code}" hreflang="{code}">{name}</a>' in html
    assert response["Content-Language"] == language and "Accept-Language" in response["Vary"]


def test_a_shops_lookup_keeps_its_branding_in_every_language(client, merchant):
    english = client.get(f"/track/?shop={merchant.slug}", HTTP_ACCEPT_LANGUAGE="en")  # the shop's default is French
    html = english.content.decode()
    assert '<html lang="en">' in html and merchant.name in html and "--brand" in html
    switch = re.search(r'<a href="([^"]+)" lang="fr"', html).group(1).replace("&amp;", "&")
    assert switch == f"?shop={merchant.slug}&lang=fr"

    french = client.get(f"/track/{switch}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fr">' in french and merchant.name in french and "--brand" in french
    refused = client.post(
        f"/track/{switch}", {"order_number": "#9999", "email": "x@example.org", "shop": merchant.slug}
    )
    assert refused.status_code == 404
    assert merchant.name in refused.content.decode() and "Nous n" in refused.content.decode()


def test_an_unknown_shop_gives_the_neutral_page(client, merchant):
    html = client.get("/track/?shop=no-such-shop&lang=en").content.decode()
    assert "Track my order" in html and "--brand" not in html and 'name="shop"' not in html


def test_a_bad_link_leads_to_the_look_up_in_the_same_language(client):
    html = client.get("/track/not-a-token/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'href="/track/?lang=fr"' in html


# --- WISMO ---------------------------------------------------------------------------------------


def test_wismo_contact_is_recorded_and_emailed(client, merchant, order, shipment, django_capture_on_commit_callbacks):
    path = tracking_page_path(order)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path + "contact/", {"reason": "late", "message": "Still nothing"})
    assert response.status_code == 302 and "contact=sent" in response["Location"]
    with merchant_scope(merchant):
        contact = WismoContact.objects.get()
    assert (contact.order_id, contact.reason, contact.message) == (order.pk, "late", "Still nothing")
    [email] = mail.outbox
    assert email.to == [merchant.support_email] and "#1001" in email.subject
    assert email.reply_to == ["camille@example.org"]
    assert "Still nothing" in email.body


def test_wismo_bad_reason_is_400_and_records_nothing(client, merchant, order):
    response = client.post(tracking_page_path(order) + "contact/", {"reason": "bored"})
    assert response.status_code == 400
    with merchant_scope(merchant):
        assert WismoContact.objects.count() == 0


def contact(order, client_address="203.0.113.7", language=""):
    path = tracking_page_path(order) + "contact/" + (f"?lang={language}" if language else "")
    return Client().post(path, {"reason": "late", "message": "Still nothing"}, REMOTE_ADDR=client_address)


def test_wismo_messages_are_limited_per_order(merchant, order, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = [contact(order, client_address=f"198.51.100.{number}").status_code for number in range(3)]
        refused = contact(order, client_address="198.51.100.9", language="en")
    assert sent == [302, 302, 302]
    assert refused.status_code == 429 and 86390 < int(refused["Retry-After"]) <= 86400
    text = refused.content.decode()
    assert "The shop has already received several messages from you and will reply by email." in text
    assert "You can write again in 1\xa0day." in text and "Back to tracking" in text
    assert len(mail.outbox) == 3
    with merchant_scope(merchant):
        assert WismoContact.objects.count() == 3


def test_wismo_limit_is_told_in_the_customers_language(order):
    for _ in range(3):
        contact(order)
    refused = contact(order, language="fr")
    assert refused.status_code == 429
    assert "La boutique a déjà reçu plusieurs messages de votre part" in refused.content.decode()


def test_wismo_messages_are_limited_per_client(merchant, settings, django_capture_on_commit_callbacks):
    settings.NUM_PROXIES = 1
    with merchant_scope(merchant):
        orders = [OrderFactory(merchant=merchant, placed_at=PLACED, email="camille@example.org") for _ in range(11)]

    def contact_through_proxy(order, client_address):
        return Client().post(
            tracking_page_path(order) + "contact/",
            {"reason": "late"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.1, {client_address}",
        )

    with django_capture_on_commit_callbacks(execute=True):
        statuses = [contact_through_proxy(order, "203.0.113.7").status_code for order in orders]
        another_customer = contact_through_proxy(orders[-1], "203.0.113.8")
    assert statuses == [302] * 10 + [429]
    assert another_customer.status_code == 302
    assert len(mail.outbox) == 11


def test_wismo_bad_token_is_404(client):
    assert client.post("/track/forged/contact/", {"reason": "late"}).status_code == 404


# --- Suggestions -------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(merchant, order):
    from tests.factories import LineItemFactory, OrderFactory

    with merchant_scope(merchant):
        past = OrderFactory(merchant=merchant, placed_at=PLACED - timedelta(days=30))
        for index in range(6):
            LineItemFactory(
                order=past, title=f"Shirt {index}", product_id=f"s-{index}", product_type="shirt", tags=["linen"]
            )
        LineItemFactory(order=past, title="Mug", product_id="m-1", product_type="mug", tags=["kitchen"])
    product_catalogue_sync(merchant=merchant)
    with merchant_scope(merchant):
        for product in Product.objects.all():
            product.url = f"https://shop.example.com/products/{product.product_id}"
            product.save()
    return merchant


def test_suggestions_follow_the_rule_and_never_repeat_the_order(client, merchant, order, catalogue):
    recommendation_rule_save(merchant=merchant, mode="product_type")
    html = client.get(tracking_page_path(order) + "?lang=en").content.decode()
    assert html.count('class="track-recommendations"') == 1
    assert html.count("/r/") == 4
    assert "Mug" not in html
    recommendation_rule_save(merchant=merchant, mode="tags")
    assert "Mug" not in client.get(tracking_page_path(order)).content.decode()
    with merchant_scope(merchant):
        mug = Product.objects.get(product_id="m-1")
    recommendation_rule_save(merchant=merchant, mode="picked", picked_ids=[mug.pk])
    assert "Mug" in client.get(tracking_page_path(order)).content.decode()
    recommendation_rule_save(merchant=merchant, mode="off")
    assert "track-recommendations" not in client.get(tracking_page_path(order)).content.decode()


def test_suggestion_click_is_counted_and_redirects_only_to_the_stored_page(client, merchant, order, catalogue):
    with merchant_scope(merchant):
        mug = Product.objects.get(product_id="m-1")
    token = recommendation_token(merchant_id=merchant.pk, order_id=order.pk, product_id=mug.pk)
    response = client.get(f"{tracking_page_path(order)}r/{token}/")
    assert response.status_code == 302 and response["Location"] == "https://shop.example.com/products/m-1"
    with merchant_scope(merchant):
        assert RecommendationClick.objects.filter(product=mug, order=order).count() == 1
    forged = signing.dumps({"m": merchant.pk, "o": order.pk, "p": mug.pk, "u": "https://evil.example"}, salt="wrong")
    assert client.get(f"{tracking_page_path(order)}r/{forged}/").status_code == 404


def test_suggestion_token_of_another_order_is_refused(client, merchant, order, other_order, catalogue):
    with merchant_scope(merchant):
        mug = Product.objects.get(product_id="m-1")
    token = recommendation_token(merchant_id=merchant.pk, order_id=order.pk + 1000, product_id=mug.pk)
    assert client.get(f"{tracking_page_path(order)}r/{token}/").status_code == 404


def test_page_still_renders_when_the_cache_is_down(client, order, monkeypatch):
    class BrokenCache:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("cache down")

            return fail

    monkeypatch.setattr("tracking.page_cache.cache", BrokenCache())
    monkeypatch.setattr("orders.cache_version.cache", BrokenCache())
    response = client.get(tracking_page_path(order))
    assert response.status_code == 200
    assert order.number in response.content.decode()
