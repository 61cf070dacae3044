"""Points for a review: once per product per customer, never for Google or Trustpilot, never tied to the rating."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.scoping import merchant_scope, unscoped
from feedback.review_services import ReviewInput, review_report
from loyalty import services
from loyalty.models import LoyaltySettings, PointsEntry, Source
from orders import events
from orders.models import OrderEvent
from portal import links
from tests.factories import CustomerFactory

from .conftest import account_of, entries_of

pytestmark = pytest.mark.django_db
WRITTEN = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
SETTINGS = {"enabled": "on", "points_per_unit": "1", "deduct_discounts": "on", "pending_days": "30"}


@pytest.fixture
def reviews_earn(merchant, program):
    return services.loyalty_settings_update(merchant=merchant, review_points=50)


def review(merchant, customer, *, product="p-candle", platform="shop", rating=5, external_id=None, publish=True):
    external_id = external_id or f"{platform}-{customer.pk}-{product}-{rating}"
    data = ReviewInput(None, customer, product, rating, platform, external_id, "", WRITTEN)
    made, _new = review_report(merchant=merchant, data=data)
    if publish:
        events.events_publish_pending()
    return made


def review_entries(merchant, customer):
    return [entry for entry in entries_of(merchant, customer) if entry.source == Source.REVIEW]


def test_a_review_on_the_shop_earns_the_points_once_per_product(merchant, customer, reviews_earn):
    review(merchant, customer, product="p-candle", platform="shop", external_id="s-1")
    review(merchant, customer, product="p-candle", platform="judgeme", external_id="jm-1")  # the same product again
    review(merchant, customer, product="p-vase", platform="other", external_id="y-1")
    entries = review_entries(merchant, customer)
    assert [(e.kind, e.available, e.key) for e in entries] == [
        ("earned", 50, f"review:{customer.pk}:p-candle"),
        ("earned", 50, f"review:{customer.pk}:p-vase"),
    ]
    assert account_of(merchant, customer).available == 100


def test_a_review_of_the_shop_itself_earns_once(merchant, customer, reviews_earn):
    review(merchant, customer, product="", external_id="s-1")
    review(merchant, customer, product="", external_id="s-2")
    assert [e.key for e in review_entries(merchant, customer)] == [f"review:{customer.pk}:shop"]


@pytest.mark.parametrize("platform", ["google", "trustpilot"])
def test_google_and_trustpilot_reviews_never_earn(merchant, customer, reviews_earn, platform):
    review(merchant, customer, platform=platform)
    assert review_entries(merchant, customer) == []
    # and a review of the same product on the shop still earns: nothing was used up
    review(merchant, customer, platform="shop")
    assert len(review_entries(merchant, customer)) == 1


def test_one_star_and_five_stars_earn_the_same(merchant, customer, reviews_earn):
    with merchant_scope(merchant):
        other = CustomerFactory(merchant=merchant, email="dominique@example.org")
    review(merchant, customer, rating=1)
    review(merchant, other, rating=5)
    [low] = review_entries(merchant, customer)
    [high] = review_entries(merchant, other)
    assert low.available == high.available == 50


def test_no_points_while_the_setting_is_zero_or_the_program_off(merchant, customer, program):
    review(merchant, customer, product="p-1")
    assert review_entries(merchant, customer) == []  # off by default
    services.loyalty_settings_update(merchant=merchant, review_points=50, enabled=False)
    review(merchant, customer, product="p-2")
    assert review_entries(merchant, customer) == []


def test_a_redelivered_review_event_adds_nothing(merchant, customer, reviews_earn):
    review(merchant, customer)
    review(merchant, customer)  # the same review reported again: feedback records no second event
    with unscoped():
        event = OrderEvent.objects.get(kind="review.reported")
        OrderEvent.objects.filter(pk=event.pk).update(published_at=None)
    events.events_publish_pending()  # the same event published again
    assert len(review_entries(merchant, customer)) == 1
    assert account_of(merchant, customer).available == 50


def test_an_event_naming_another_shops_customer_earns_nothing(merchant, other_merchant, other_customer, reviews_earn):
    payload = {"customer_id": other_customer.pk, "product_id": "p-1", "platform": "shop", "rating": 5}
    events.event_record(merchant=merchant, kind="review.reported", payload=payload)
    events.events_publish_pending()
    with unscoped():
        assert not PointsEntry.objects.exists()


def test_a_batch_of_reviews_costs_the_same_queries_per_review(merchant, reviews_earn):
    """No read per review: the setting once per pass, the customers once per batch; only earnings write."""
    made = iter(range(1000))

    def queries_to_publish(count: int, platform: str) -> int:
        with merchant_scope(merchant):
            for _ in range(count):
                customer = CustomerFactory(merchant=merchant, email=f"c{next(made)}@example.org")
                review(merchant, customer, platform=platform, publish=False)
        with CaptureQueriesContext(connection) as queries:
            published = events.events_publish_pending()
        # an earning review's points_earned event is published in the same drain
        assert published == (2 * count if platform == "shop" else count)
        return len(queries)

    assert queries_to_publish(10, "google") == queries_to_publish(20, "trustpilot")
    queries_to_publish(1, "shop")  # the first customer-anchored event reads the shop's flows once
    ten, twenty = queries_to_publish(10, "shop"), queries_to_publish(20, "shop")
    # Per earning review, the ledger's one writer (services._record) and nothing else: a savepoint,
    # the key looked up, the account locked, made (savepoint, insert, release) and locked again, the
    # key looked up again under the lock, the entry, the balances, the event, the release (12). The
    # shop's membership setting (tier_rates.member_earns) is read once per publishing pass.
    assert twenty - ten == 10 * 12


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Points for your reviews", "we give you 50 points, once per product", "never changes the points"]),
        ("fr", ["Des points pour vos avis", "nous vous offrons 50 points", "ne change jamais les points"]),
    ],
)
def test_the_loyalty_page_discloses_the_reward_for_reviews(merchant, customer, reviews_earn, language, words):
    review(merchant, customer)
    html = Client().get(f"/points/{links.customer_token(customer)}/?lang={language}").content.decode()
    for word in words:
        assert word in html, word
    assert ("For your review" if language == "en" else "Pour votre avis") in html


def test_the_loyalty_page_says_nothing_of_reviews_when_they_earn_nothing(merchant, customer, program):
    html = Client().get(f"/points/{links.customer_token(customer)}/").content.decode()
    assert "review-points" not in html


def test_the_settings_page_says_which_reviews_earn_and_saves_the_points(staff_client, merchant):
    page = staff_client.get("/app/loyalty/settings/").content.decode()
    assert "Never for a Google or Trustpilot review" in page and "16 CFR 465.4" in page
    assert staff_client.post("/app/loyalty/settings/", {**SETTINGS, "review_points": "25"}).status_code == 302
    assert services.loyalty_settings(merchant).review_points == 25
    assert staff_client.post("/app/loyalty/settings/", {**SETTINGS, "review_points": ""}).status_code == 302
    assert services.loyalty_settings(merchant).review_points == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", "greater than or equal to 0"),
        ("10001", "less than or equal to 10000"),
        ("lots", "Enter a whole number"),
        ("2.5", "Enter a whole number"),
    ],
)
def test_bad_review_points_are_refused_and_nothing_changes(staff_client, merchant, value, message):
    answer = staff_client.post("/app/loyalty/settings/", {**SETTINGS, "review_points": value})
    assert answer.status_code == 400
    assert message in answer.content.decode()
    with merchant_scope(merchant):
        assert not LoyaltySettings.objects.exists()
