"""One engine for every suggestion: the tracking page and the emails show the same products for an order,
chosen by the merchant's rule, never one the customer owns, never one without a page, never another shop's."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogue.models import Product
from catalogue.selectors import recommendations_for
from catalogue.services import product_catalogue_sync, product_delete, product_url_set, recommendation_rule_save
from core.scoping import merchant_scope
from flows.content import order_context
from flows.rules import RuleInput, no_recommendations
from flows.services import flow_settings_get
from tests.factories import CustomerFactory, LineItemFactory, OrderFactory
from tracking.services import shipment_upsert
from tracking.tokens import tracking_page_path

PLACED = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
CANDLE = {"product_id": "p-candle", "title": "Fig candle", "product_type": "candle", "tags": ["fig"]}
SNUFFER = {"product_id": "p-snuffer", "title": "Snuffer", "product_type": "tool", "tags": ["care"]}
TRIMMER = {"product_id": "p-trimmer", "title": "Wick trimmer", "product_type": "tool", "tags": ["care"]}
MATCHES = {"product_id": "p-matches", "title": "Matches", "product_type": "tool", "tags": []}
LIGHTER = {"product_id": "p-lighter", "title": "Lighter", "product_type": "tool", "tags": []}  # no page
ROSE = {"product_id": "p-rose", "title": "Rose candle", "product_type": "candle", "tags": ["rose"]}
VASE = {"product_id": "p-vase", "title": "Fig vase", "product_type": "decor", "tags": ["fig"]}
WITHOUT_PAGE = {"p-lighter"}


def past_order(merchant, *products, days=60, **kwargs):
    order = OrderFactory(merchant=merchant, placed_at=PLACED - timedelta(days=days), **kwargs)
    for product in products:
        LineItemFactory(order=order, unit_price=Decimal("12.00"), **product)
    return order


def catalogue_with_pages(merchant):
    product_catalogue_sync(merchant=merchant)
    with merchant_scope(merchant):
        for product in Product.objects.exclude(product_id__in=WITHOUT_PAGE):
            url = f"https://{merchant.slug}.example.com/products/{product.product_id}"
            product_url_set(merchant=merchant, product_id=product.pk, url=url)


@pytest.fixture
def shop(merchant):
    """Other customers' orders: the candle bought twice with the snuffer, once with the trimmer, the matches and
    the lighter; the vase with the rose candle. A test order pairing the candle with the vase counts for nothing."""
    with merchant_scope(merchant):
        past_order(merchant, CANDLE, SNUFFER)
        past_order(merchant, CANDLE, SNUFFER, TRIMMER, LIGHTER)
        past_order(merchant, CANDLE, MATCHES)
        past_order(merchant, ROSE, VASE)
        for _ in range(3):
            past_order(merchant, CANDLE, VASE, test=True)
    catalogue_with_pages(merchant)
    return merchant


@pytest.fixture
def customer(shop):
    with merchant_scope(shop):
        return CustomerFactory(merchant=shop, email="camille@example.org")


@pytest.fixture
def order(shop, customer):
    """Camille's candle; she bought the trimmer in an earlier order."""
    with merchant_scope(shop):
        past_order(shop, TRIMMER, customer=customer, days=200)
        order = OrderFactory(merchant=shop, customer=customer, placed_at=PLACED, number="#1001")
        LineItemFactory(order=order, unit_price=Decimal("34.00"), **CANDLE)
    return order


def suggested(order, **kwargs) -> list[str]:
    with merchant_scope(order.merchant_id):
        return [product.title for product in recommendations_for(order, **kwargs)]


def email_suggestions(order) -> list[dict]:
    with merchant_scope(order.merchant):
        context = order_context(
            order=order,
            merchant=order.merchant,
            language="en",
            tz=timezone.get_current_timezone(),
            flow_settings=flow_settings_get(merchant=order.merchant),
            links={},
        )
    return [dict(product) for product in context["recommendations"]]


def page_suggestions(client, order) -> list[str]:
    html = client.get(tracking_page_path(order) + "?lang=en").content.decode()
    section = re.search(r'<section class="track-recommendations">(.*?)</section>', html, re.S)
    return re.findall(r"<span>(.*?)</span>", section.group(1)) if section else []


def test_the_email_and_the_tracking_page_suggest_the_same_products(client, shop, order):
    recommendation_rule_save(merchant=shop, mode="bought_together")
    email = email_suggestions(order)
    assert [product["title"] for product in email] == page_suggestions(client, order) == ["Snuffer", "Matches"]
    # The email links to the product's own page, with the price it last sold at.
    assert email[0] == {
        "title": "Snuffer",
        "image_url": "",
        "price": "€12.00",
        "url": "https://maison-lumiere.example.com/products/p-snuffer",
    }


def test_without_suggestions_neither_surface_suggests(client, shop, order):
    assert suggested(order) == []  # no rule yet: off
    recommendation_rule_save(merchant=shop, mode="off")
    assert email_suggestions(order) == [] and page_suggestions(client, order) == []


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # Bought with the candle, most often first; never the lighter (no page) nor the vase (only test orders).
        ("bought_together", ["Snuffer", "Matches"]),
        ("product_type", ["Rose candle"]),
        ("tags", ["Fig vase"]),
        ("off", []),
    ],
)
def test_each_rule_mode(shop, order, mode, expected):
    recommendation_rule_save(merchant=shop, mode=mode)
    assert suggested(order) == expected


def test_picked_products_ranked_by_how_often_they_are_bought_together(shop, order):
    with merchant_scope(shop):
        picked = {p.product_id: p.pk for p in Product.objects.all()}
    ids = [picked["p-vase"], picked["p-lighter"], picked["p-snuffer"], picked["p-trimmer"]]
    recommendation_rule_save(merchant=shop, mode="picked", picked_ids=ids)
    assert suggested(order) == ["Snuffer", "Fig vase"]  # the lighter has no page, the trimmer is owned


def test_ties_are_broken_by_title_and_the_limit_is_kept(shop, order):
    recommendation_rule_save(merchant=shop, mode="tags")
    with merchant_scope(shop):
        for product in Product.objects.exclude(product_id__in=WITHOUT_PAGE):
            product.tags = ["fig"]
            product.save()
    assert suggested(order) == ["Snuffer", "Matches", "Fig vase", "Rose candle"]
    assert suggested(order, limit=2) == ["Snuffer", "Matches"]


@pytest.mark.parametrize("given_items", [True, False])
def test_suggestions_take_the_rule_and_the_products_queries_plus_the_items_when_not_given(shop, order, given_items):
    """Pinned: the rule, then one statement for the products with their co-purchases and prices (the
    owned products, co-purchases and last prices are subqueries of it, never a query per product)."""
    recommendation_rule_save(merchant=shop, mode="bought_together")
    with merchant_scope(shop):
        items = list(order.line_items.all()) if given_items else None
    with CaptureQueriesContext(connection) as queries:
        assert recommendations_for(order, items=items, with_prices=True)
    assert len(queries) == (2 if given_items else 3)


def test_products_the_customer_owns_are_never_suggested(shop, order, customer):
    recommendation_rule_save(merchant=shop, mode="bought_together")
    assert "Wick trimmer" not in suggested(order)  # bought in an earlier order
    with merchant_scope(shop):
        past_order(shop, SNUFFER, customer=customer, days=100)
    assert suggested(order) == ["Matches"]


def test_a_guest_owns_what_was_ordered_with_the_same_email(shop):
    recommendation_rule_save(merchant=shop, mode="bought_together")
    with merchant_scope(shop):
        past_order(shop, SNUFFER, customer=None, email="guest@example.org")
        guest = OrderFactory(merchant=shop, customer=None, email="Guest@Example.org")
        LineItemFactory(order=guest, **CANDLE)
    assert suggested(guest) == ["Matches", "Wick trimmer"]  # owns the snuffer; Camille's trimmer is not theirs


def test_products_without_a_page_or_turned_off_are_never_suggested(shop, order):
    recommendation_rule_save(merchant=shop, mode="bought_together")
    with merchant_scope(shop):
        snuffer = Product.objects.get(product_id="p-snuffer")
    product_url_set(merchant=shop, product_id=snuffer.pk, url=snuffer.url, active=False)
    assert suggested(order) == ["Matches"]
    product_url_set(merchant=shop, product_id=snuffer.pk, url="")
    assert suggested(order) == ["Matches"]


def test_products_the_shop_no_longer_sells_are_never_suggested(shop, order):
    recommendation_rule_save(merchant=shop, mode="bought_together")
    assert "Snuffer" in suggested(order)
    product_delete(merchant=shop, external_id="p-snuffer")
    assert suggested(order) == ["Matches"]


def test_another_shops_products_and_orders_are_never_used(shop, order, other_merchant):
    """The other shop sells the same product ids, pairs the candle with the matches far more often and
    suggests everything it has: none of it reaches this shop's customer."""
    with merchant_scope(other_merchant):
        for _ in range(5):
            past_order(other_merchant, CANDLE, MATCHES)
        past_order(other_merchant, CANDLE, {**VASE, "title": "Other shop vase"})
    catalogue_with_pages(other_merchant)
    recommendation_rule_save(merchant=other_merchant, mode="bought_together")
    recommendation_rule_save(merchant=shop, mode="bought_together")
    assert suggested(order) == ["Snuffer", "Matches"]
    with merchant_scope(shop):
        urls = [p.url for p in recommendations_for(order)]
    assert all(url.startswith("https://maison-lumiere.") for url in urls)
    # A foreign product picked by id is ignored when the rule is saved.
    with merchant_scope(other_merchant):
        foreign = Product.objects.get(product_id="p-vase")
    rule = recommendation_rule_save(merchant=shop, mode="picked", picked_ids=[foreign.pk])
    with merchant_scope(shop):
        assert list(rule.picked.all()) == []
    assert suggested(order) == []


def test_the_cross_sell_stop_rule_asks_the_same_engine(shop, order):
    def skipped():
        with merchant_scope(shop):
            return no_recommendations(RuleInput(order=order, anchor_at=PLACED, language="en"))

    assert skipped()  # no rule: nothing to suggest, the cross-sell step does not go out
    recommendation_rule_save(merchant=shop, mode="bought_together")
    assert not skipped()


def test_tracking_page_query_count_is_unchanged_by_the_engine(client, shop, order):
    """Suggestions add the rule and the products to every view, as before: pinned with the page's own
    figures (tests/tracking/test_public.py: 6 built, 1 cached, with one shipment)."""
    shipment_upsert(merchant=shop, order=order, external_id="1", tracking_number="6A12345678901")
    recommendation_rule_save(merchant=shop, mode="product_type")
    path = tracking_page_path(order) + "?lang=en"

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    assert (count(), count()) == (8, 3)
