"""The loyalty figures (docs/kpis.md, "Loyalty"), worked by hand on a small shop, on the API and the page."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.ranges import Period
from core.scoping import merchant_scope
from loyalty import services
from loyalty.figures import MonthPoints, loyalty_figures
from loyalty.models import EntryKind, Referral, ReferralLink, ReferralStatus, Reward, Source
from loyalty.services import Asked, Moves
from tests.conftest import api_client_for
from tests.factories import CustomerFactory

from .conftest import place

pytestmark = pytest.mark.django_db
API = "/api/v1/loyalty/figures"
PAGE = "/app/loyalty/figures/"
NOW = datetime.now(UTC)
PERIOD = Period(NOW - timedelta(days=40), NOW + timedelta(days=1))
API_QUERIES = 6  # the key with its shop, then the balances, months, orders, referrals and the point value
PAGE_QUERIES = 7  # the user and their memberships (2; the session is read from the cache), then the five figures


def program(merchant):
    return services.loyalty_settings_update(
        merchant=merchant,
        enabled=True,
        points_per_unit=1,
        deduct_discounts=True,
        include_shipping=False,
        include_tax=False,
        pending_days=0,
    )


def expire(merchant, customer, points):
    asked = Asked(
        kind=EntryKind.EXPIRED, source=Source.EXPIRY, key="expire:test", moves=lambda a: Moves(available=-points)
    )
    return services._record(merchant=merchant, customer=customer, asked=asked)


@pytest.fixture
def shop(merchant):
    return seed_shop(merchant)


def seed_shop(merchant):
    """Camille (a member): orders of 145.00 and 105.00 (subtotals 120 and 80: 200 points), 50 points
    spent, 10 expired. Bob and Dana ordered while the program was off (75.00 and 65.00): not members.
    Dana came through Camille's referral; a second friend never ordered, a third was blocked.
    Rewards: 5.00 off for 100 points (0.05 a point), 10.00 off for 100 inactive, 10 % off for 50."""
    with merchant_scope(merchant):
        camille = CustomerFactory(merchant=merchant, email="camille@example.org")
        bob = CustomerFactory(merchant=merchant, email="bob@example.org")
        dana = CustomerFactory(merchant=merchant, email="dana@example.org")
    place(merchant, bob, subtotal="50.00", number="#1")
    dana_order = place(merchant, dana, subtotal="40.00", number="#2")
    program(merchant)
    place(merchant, camille, subtotal="120.00", number="#3")
    place(merchant, camille, subtotal="80.00", number="#4")
    services.points_spend(merchant=merchant, customer=camille, points=50, source=Source.REWARD, key="reward:1")
    expire(merchant, camille, 10)
    with merchant_scope(merchant):
        Reward.objects.create(merchant=merchant, kind="amount_off", points=100, value=Decimal("5.00"), name_en="5 off")
        Reward.objects.create(
            merchant=merchant, kind="amount_off", points=100, value=Decimal("10.00"), name_en="10", active=False
        )
        Reward.objects.create(merchant=merchant, kind="percentage_off", points=50, value=Decimal("10"), name_en="10 %")
        link = ReferralLink.objects.create(merchant=merchant, customer=camille, code="CAMILLE1")
        common = {"merchant": merchant, "link": link, "referrer": camille}
        Referral.objects.create(
            **common, friend=dana, friend_email="dana@example.org", status=ReferralStatus.COMPLETED, order=dana_order
        )
        Referral.objects.create(**common, friend_email="eve@example.org", status=ReferralStatus.SENT)
        Referral.objects.create(
            **common, friend_email="bob@example.org", status=ReferralStatus.BLOCKED, block_reason="already_ordered"
        )
    return merchant


def test_the_figures_worked_by_hand(shop):
    figures = loyalty_figures(merchant=shop, period=PERIOD)
    assert (figures.members, figures.new_members) == (1, 1)
    assert (figures.available, figures.pending, figures.debt) == (140, 0, 0)  # 200 − 50 − 10
    assert figures.liability == Decimal("7.00")  # 140 × 5.00 / 100
    assert (figures.earned, figures.spent, figures.expired) == (200, 50, 10)
    assert figures.redemption_rate == Decimal("0.2500")
    this_month = NOW.astimezone(shop.tzinfo).date().replace(day=1)
    assert figures.months[-1] == MonthPoints(this_month, 200, 50, 10)
    assert all(month == MonthPoints(month.month) for month in figures.months[:-1])
    members, others = figures.members_orders["EUR"], figures.others_orders["EUR"]
    assert (members.customers, members.repeat_customers, members.orders, members.revenue) == (1, 1, 2, Decimal("250"))
    assert (members.repeat_rate, members.average_order_value) == (Decimal(1), Decimal("125.00"))
    assert (others.customers, others.repeat_customers, others.orders, others.revenue) == (2, 0, 2, Decimal("140"))
    assert (others.repeat_rate, others.average_order_value) == (Decimal(0), Decimal("70.00"))
    assert (figures.referrals, figures.referrals_converted, figures.referral_conversion) == (2, 1, Decimal("0.5"))
    assert figures.referral_revenue == {"EUR": Decimal("65.00")}


def test_a_period_before_everything_has_nothing_but_the_balances(shop):
    figures = loyalty_figures(merchant=shop, period=Period(NOW - timedelta(days=400), NOW - timedelta(days=300)))
    assert (figures.members, figures.available, figures.new_members) == (1, 140, 0)
    assert (figures.earned, figures.redemption_rate, figures.referral_conversion) == (0, None, None)
    assert figures.members_orders == {} and figures.others_orders == {}
    assert len(figures.months) in (4, 5)


def test_the_api_answers_the_same_and_pins_its_queries(shop, django_assert_num_queries):
    api = api_client_for(shop)
    query = {"from": PERIOD.start.isoformat(), "to": PERIOD.end.isoformat()}
    api.get(API, query)
    with django_assert_num_queries(API_QUERIES):
        body = api.get(API, query).json()
    assert body["members"] == 1 and body["points_available"] == 140
    assert body["liability"] == {"EUR": "7.00"} and body["point_value"] == {"points": 100, "value": {"EUR": "5.00"}}
    assert body["redemption_rate"] == 0.25 and body["points_spent"] == 50 and body["points_expired"] == 10
    assert body["members_orders"]["EUR"]["average_order_value"] == "125.00"
    assert body["others_orders"]["EUR"]["repeat_rate"] == 0.0
    assert body["referral_revenue"] == {"EUR": "65.00"} and body["referral_conversion"] == 0.5
    assert body["months"][-1]["earned"] == 200


def test_another_shops_key_sees_none_of_it(shop, other_merchant):
    body = api_client_for(other_merchant).get(API).json()
    assert (body["members"], body["points_available"], body["liability"], body["referrals"]) == (0, 0, None, 0)
    assert body["members_orders"] == {} and body["others_orders"] == {}


@pytest.mark.parametrize(
    ("query", "field"),
    [({"from": "yesterday"}, "from"), ({"from": "2026-03-02", "to": "2026-03-01"}, "to"), ({"to": "2026-02-30"}, "to")],
)
def test_bad_ranges_are_refused_with_what_to_fix(merchant, query, field):
    response = api_client_for(merchant).get(API, query)
    assert response.status_code == 400 and field in response.json()


def test_the_page_shows_the_figures_in_a_fixed_number_of_queries(staff_client, shop, django_assert_num_queries):
    staff_client.get(PAGE)
    with django_assert_num_queries(PAGE_QUERIES):
        html = staff_client.get(PAGE).content.decode()
    assert "€7.00" in html and "25%" in html and "€125.00" in html and "€70.00" in html
    assert "Friends referred in these days who ordered: 1 of 2" in html
    with merchant_scope(shop):
        newcomer = CustomerFactory(merchant=shop, email="more@example.org")
    place(shop, newcomer, subtotal="10.00", number="#9")
    with django_assert_num_queries(PAGE_QUERIES):  # more history, not more queries
        staff_client.get(PAGE)


@pytest.mark.parametrize(
    "query", ["?range=forever", "?range=custom&from=2026-02-30&to=2026-03-01", "?from=2026-03-02&to=2026-03-01"]
)
def test_the_page_refuses_days_it_cannot_read(staff_client, merchant, query):
    response = staff_client.get(PAGE + query)
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
