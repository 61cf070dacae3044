"""GET /api/v1/analytics/kpis and /cohorts on the hand-made history: exact JSON, bad input, isolation."""

import pytest

from analytics.models import DailyOrderAggregate
from core.scoping import unscoped

from .history import POSTGRESQL_ONLY

pytestmark = [pytest.mark.django_db, POSTGRESQL_ONLY]

KPIS = "/api/v1/analytics/kpis"
COHORTS = "/api/v1/analytics/cohorts"
NO_PARCEL = {
    "carriers": [],
    "all_carriers": {
        "delivered": 0,
        "with_promise": 0,
        "without_promise": 0,
        "on_time": 0,
        "on_time_rate": None,
        "transit_median_business_days": None,
        "transit_p90_business_days": None,
    },
}
MARCH = {"from": "2026-03-01", "to": "2026-04-01", "as_of": "2026-07-01"}


@pytest.fixture
def shop(built_shop):
    return built_shop


def test_kpis_of_a_period_and_the_one_before(api, shop, django_assert_num_queries):
    # The key (2) + per period: built?, days, edges, later refunds, customers, repurchase, CLV;
    # + the stored predicted CLV + the delivery promises of each period.
    with django_assert_num_queries(2 + 2 * 7 + 1 + 2):
        response = api.get(KPIS, MARCH)
    assert response.status_code == 200
    assert response.json() == {
        "from": "2026-03-01T00:00:00+01:00",
        "to": "2026-04-01T00:00:00+02:00",
        "as_of": "2026-07-01T00:00:00+02:00",
        "orders": 5,
        "customers": 4,
        "repeat_rate": 0.5,
        "purchase_frequency": 1.25,
        "aov": {"EUR": "40.00", "USD": "30.00"},
        "repurchase_30": 0.6667,
        "repurchase_90": 1.0,
        "historical_clv": {"EUR": "93.33", "USD": "90.00"},
        "predicted_clv_12m": None,  # not fitted yet (test_clv.py)
        "predicted_clv_backtest_error": None,
        "predicted_clv_backtest_mae": None,
        "predicted_clv_fitted_at": None,
        "predicted_clv_reason": "not_fitted_yet",
        "delivery_promises": NO_PARCEL,  # test_delivery_promises.py
        "previous": {
            # 31 days before March 1 in Paris; A's January 10 order is before it.
            "from": "2026-01-29T00:00:00+01:00",
            "to": "2026-03-01T00:00:00+01:00",
            "orders": 0,
            "customers": 0,
            "repeat_rate": None,
            "purchase_frequency": None,
            "aov": None,
            "repurchase_30": None,
            "repurchase_90": None,
            "historical_clv": {"EUR": "100.00"},  # as of March 1: A's January order
            "delivery_promises": NO_PARCEL,
        },
    }


def test_datetimes_with_offsets(api, shop):
    response = api.get(KPIS, {"from": "2026-03-31T20:00:00Z", "to": "2026-03-31T23:00:00+00:00"})
    assert response.status_code == 200
    body = response.json()
    assert body["from"] == "2026-03-31T22:00:00+02:00"  # shown in the shop's time zone
    assert (body["orders"], body["aov"]) == (2, {"EUR": "15.00"})  # e1 and e2, as of now


def test_as_of_defaults_to_now(api, shop):
    body = api.get(KPIS, {"from": "2026-03-01", "to": "2026-04-01"}).json()
    assert body["aov"] == {"EUR": "37.50", "USD": "30.00"}  # b1's August refund is known by now


def test_a_shop_without_orders_gets_nulls(other_api, shop):
    body = other_api.get(KPIS, MARCH).json()
    assert (body["orders"], body["customers"], body["aov"], body["repeat_rate"]) == (0, 0, None, None)
    assert other_api.get(COHORTS, MARCH).json()["cohorts"] == []


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"from": "2026-04-01", "to": "2026-03-01"}, "to", "must come after"),
        ({"from": "2026-03-01", "to": "2026-03-01"}, "to", "must come after"),
        ({"from": "yesterday"}, "from", "ISO 8601"),
        ({"from": "2026-02-30"}, "from", "ISO 8601"),
        ({"to": "2026-03-01T00:00:00"}, "to", "offset"),
        ({"from": "2020-01-01", "to": "2025-01-02"}, "to", "at most 5 years"),
        ({"from": "2026-03-01", "to": "2026-04-01", "as_of": "2026-02-28"}, "as_of", "cannot come before"),
        ({"since": "2026-03-01"}, "since", "Unknown query parameter"),
    ],
)
@pytest.mark.parametrize("url", [KPIS, COHORTS])
def test_bad_input_is_a_clear_400(api, shop, url, params, field, words):
    response = api.get(url, params)
    assert response.status_code == 400
    assert words in response.json()[field][0]
    with unscoped():
        assert DailyOrderAggregate.objects.count() == 8  # untouched: the 8 days of counted orders (history.py)


def test_five_years_exactly_is_allowed(api, shop):
    assert api.get(KPIS, {"from": "2021-03-01", "to": "2026-03-01"}).status_code == 200


def test_cohorts(api, shop, django_assert_num_queries):
    with django_assert_num_queries(2 + 1):  # the key, the cohorts
        response = api.get(COHORTS, {"from": "2026-01-01", "to": "2026-04-01", "as_of": "2026-06-15"})
    assert response.status_code == 200
    january, march = response.json()["cohorts"]
    assert january["month"] == "2026-01" and january["customers"] == 1
    assert march["months"] == [
        {"month": 0, "ordered_again": None, "revenue_per_customer": {"EUR": "43.33", "USD": "10.00"}},
        {"month": 1, "ordered_again": 0.3333, "revenue_per_customer": {"EUR": "50.00", "USD": "10.00"}},
        {"month": 2, "ordered_again": 0.3333, "revenue_per_customer": {"EUR": "50.00", "USD": "30.00"}},
        {"month": 3, "ordered_again": 0.0, "revenue_per_customer": {"EUR": "50.00", "USD": "30.00"}},
    ]


def test_another_shops_key_never_sees_these_orders(other_api, shop):
    body = other_api.get(KPIS, MARCH).json()
    assert body["historical_clv"] is None and body["previous"]["historical_clv"] is None
    assert other_api.get(KPIS, MARCH | {"from": "2026-01-01"}).json()["orders"] == 0


def test_without_a_key(client):
    assert client.get(KPIS).status_code in (401, 403)
