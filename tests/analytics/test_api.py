"""GET /api/v1/analytics/kpis and /cohorts on the hand-made history: exact JSON, bad input, isolation."""

import pytest

from analytics.models import DailyOrderAggregate
from core.scoping import unscoped
from flows.models import FlowKind

from .email_history import P as EMAIL_P
from .email_history import flow_with_steps, january_orders, seed_email_history, sent
from .history import POSTGRESQL_ONLY, paris

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
NO_SERVICE = {
    "wismo_contacts": 0,
    "orders_shipped": 0,
    "wismo_rate": None,
    "wismo_baseline_rate": None,
    "wismo_reduction": None,
    "tracking_page_views_per_shipped_order": None,
    "nps": None,
    "nps_answers": 0,
    "csat": None,
    "csat_mean": None,
    "csat_answers": 0,
}
MARCH = {"from": "2026-03-01", "to": "2026-04-01", "as_of": "2026-07-01"}
# The answer to MARCH on history.py, worked out by hand (tests/analytics/test_kpis.py).
MARCH_ANSWER = {
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
    "email": [],  # no flow: the email KPIs are test_email.py's
    "predicted_clv_12m": None,  # not fitted yet (test_clv.py)
    "predicted_clv_backtest_error": None,
    "predicted_clv_backtest_mae": None,
    "predicted_clv_fitted_at": None,
    "predicted_clv_reason": "not_fitted_yet",
    "delivery_promises": NO_PARCEL,  # test_delivery_promises.py
    **NO_SERVICE,  # test_api_service.py
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
        "email": [],
        "delivery_promises": NO_PARCEL,
        **NO_SERVICE,
    },
}


@pytest.fixture
def shop(built_shop):
    return built_shop


def test_kpis_of_a_period_and_the_one_before(api, shop, django_assert_num_queries):
    # The key (2) + per period: built?, days, edges, later refunds, customer figures, CLV, email,
    # delivery promises, WISMO (5: support.selectors.wismo_rate) and survey scores (1);
    # + the stored predicted CLV.
    with django_assert_num_queries(2 + 2 * (7 + 1 + 5 + 1) + 1):
        response = api.get(KPIS, MARCH)
    assert response.status_code == 200
    assert response.json() == MARCH_ANSWER


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


def test_email_kpis_per_flow_and_step(api, merchant, django_assert_num_queries):
    steps = seed_email_history(merchant)  # worked out in test_email.py
    # As above, but this shop's daily table is not built: its orders are read, no daily-table query.
    with django_assert_num_queries(2 + 2 * (6 + 1 + 5 + 1) + 1):
        body = api.get(KPIS, EMAIL_P).json()
    j7, j30, shipped = body["email"]
    assert j7 == {
        "flow_id": steps["j7"].flow_id,
        "flow": "Post-purchase",
        "step_id": steps["j7"].pk,
        "step": "J+7",
        "sent": 4,
        "delivered": 3,
        "open_rate": 1.0,
        "click_rate": 0.6667,
        "unsubscribe_rate": 0.3333,
        "orders": 2,
        "revenue": {"EUR": "30.00", "USD": "40.00"},
    }
    assert (j30["step"], j30["delivered"], j30["click_rate"], j30["revenue"]) == ("J+30", 2, 0.5, {"EUR": "70.00"})
    assert (shipped["flow"], shipped["orders"], shipped["revenue"]) == ("Shipped", 0, None)
    # February: E's email was sent on the 27th, clicked, and its order placed in March.
    before = {row["step"]: row for row in body["previous"]["email"]}
    assert (before["J+7"]["sent"], before["J+7"]["click_rate"], before["J+7"]["revenue"]) == (1, 1.0, None)


def test_email_kpis_of_another_shop_are_not_shown(other_api, merchant, other_merchant):
    seed_email_history(merchant)
    (bounced,) = flow_with_steps(other_merchant, "Post-purchase", FlowKind.MARKETING, "J+7")
    about = january_orders(other_merchant, "a")
    sent(other_merchant, bounced, about["a"], paris(2026, 3, 2, 9), bounced=paris(2026, 3, 2, 10))
    body = other_api.get(KPIS, EMAIL_P).json()
    assert [row["step_id"] for row in body["email"]] == [bounced.pk]
    assert body["email"][0]["open_rate"] is None and body["email"][0]["revenue"] is None
    assert body["previous"]["email"] == []


def test_without_a_key(client):
    assert client.get(KPIS).status_code in (401, 403)
