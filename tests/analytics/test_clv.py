"""predicted_clv_12m: the per-customer summaries, the not-enough-history rule, the back-test, the task,
the API's fields, nulls for empty shops, isolation (docs/kpis.md, "Predicted CLV")."""

from datetime import UTC, timedelta
from decimal import Decimal

import pytest

from analytics.clv import (
    MIN_CUSTOMERS,
    NOT_ENOUGH_CUSTOMERS,
    NOT_ENOUGH_HISTORY,
    customer_summaries,
    predicted_clv_compute,
    predicted_clv_fit,
)
from analytics.models import PredictedClv
from analytics.tasks import fit_predicted_clv, fit_predicted_clv_all, refresh_daily_aggregates
from core.scoping import merchant_scope, unscoped
from tests.conftest import login_as

from .clv_history import shop_history
from .history import POSTGRESQL_ONLY, paris, seed_history

pytestmark = [pytest.mark.django_db, POSTGRESQL_ONLY]

AS_OF = paris(2026, 7, 1)
KPIS = "/api/v1/analytics/kpis"
WEEK = 7 * 24 * 3600
# Enough for a back-test too: about 540 of them had ordered 180 days before as_of, over 200 days.
BACKTESTED = {"customers": 800, "history_days": 560}


@pytest.mark.usefixtures("engine")  # the same summaries from the Python engine (SQLite's)
def test_summaries_of_the_hand_made_history(merchant):
    seed_history(merchant)
    found = customer_summaries(merchant, paris(2026, 4, 1), AS_OF)
    eur, usd = found["EUR"], found["USD"]
    # EUR, by first order: A (Jan 10), B (Mar 10), E (Mar 31 23:30); D's and F's orders are not counted.
    order = sorted(range(3), key=lambda i: -eur.age[i])
    x, t_x, m, spent = (eur.x[order], eur.t_x[order], eur.m[order], eur.spent[order])
    assert list(x) == [1, 1, 0]  # A: a2 before the cutoff; B: b2; E: e2 falls after April 1
    # A's repeat order 54 days after the first; its 20 refund (May 1) is not known on April 1.
    assert t_x[0] == pytest.approx(54 / 7) and m[0] == 50
    assert t_x[1] == pytest.approx(15 / 7) and m[1] == 40
    # In real time: an hour of it was lost to the clocks going forward on March 29.
    age = (paris(2026, 4, 1).astimezone(UTC) - paris(2026, 1, 10, 12)).total_seconds() / WEEK
    assert eur.age[0] == pytest.approx(age) and age < 81.5 / 7
    assert list(spent) == [0, 0, 20]  # E's April 1 order is the only EUR one after the cutoff
    assert (list(usd.x), list(usd.spent)) == ([0], [60])  # C: c2 on May 15, after the cutoff


@pytest.mark.parametrize(
    ("customers", "days", "reason"),
    [(MIN_CUSTOMERS - 1, 400, NOT_ENOUGH_CUSTOMERS), (MIN_CUSTOMERS, 170, NOT_ENOUGH_HISTORY)],
)
def test_not_enough_history(merchant, customers, days, reason):
    shop_history(merchant, AS_OF, customers=customers, history_days=days)
    figure = predicted_clv_compute(merchant, AS_OF)["EUR"]
    assert (figure["value"], figure["reason"], figure["customers"]) == (None, reason, customers)
    assert "backtest" not in figure


@pytest.mark.usefixtures("engine")
def test_a_shop_with_enough_history_gets_its_figure_and_back_test(merchant):
    shop_history(merchant, AS_OF, **BACKTESTED)
    figure = predicted_clv_compute(merchant, AS_OF)["EUR"]
    assert figure["reason"] == "" and figure["customers"] == 800
    # Orders are worth about pγ/(q − 1) = 60 and the customers buy about one more time a year.
    assert Decimal("20") < Decimal(figure["value"]) < Decimal("200")
    backtest = figure["backtest"]
    assert backtest["reason"] == ""
    # Drawn from the model itself: its own 180-day prediction lands close to what was spent.
    assert abs(Decimal(backtest["error"])) < Decimal("0.25"), backtest
    assert Decimal(backtest["mae"]) > 0 and Decimal(backtest["actual"]) > 0
    assert backtest["customers"] >= MIN_CUSTOMERS


def test_the_least_history_that_gets_a_figure(merchant):
    shop_history(merchant, AS_OF, customers=MIN_CUSTOMERS, history_days=190)
    figure = predicted_clv_compute(merchant, AS_OF)["EUR"]
    assert figure["value"] is not None and figure["reason"] == ""
    assert figure["backtest"]["reason"] == NOT_ENOUGH_CUSTOMERS  # nobody had ordered 180 days before


def test_a_back_test_needs_the_same_history_180_days_earlier(merchant):
    # About 560 customers had ordered 180 days before as_of, over 120 days only.
    shop_history(merchant, AS_OF, customers=1400, history_days=300)
    figure = predicted_clv_compute(merchant, AS_OF)["EUR"]
    assert figure["value"] is not None
    assert figure["backtest"]["customers"] >= MIN_CUSTOMERS
    assert figure["backtest"]["reason"] == NOT_ENOUGH_HISTORY and "error" not in figure["backtest"]


def test_each_currency_on_its_own(merchant):
    shop_history(merchant, AS_OF, customers=MIN_CUSTOMERS, history_days=400)
    shop_history(merchant, AS_OF, customers=20, history_days=400, currency="USD", seed=3)
    figures = predicted_clv_compute(merchant, AS_OF)
    assert figures["EUR"]["value"] is not None
    assert (figures["USD"]["value"], figures["USD"]["reason"]) == (None, NOT_ENOUGH_CUSTOMERS)


def test_the_task_fits_and_a_rerun_replaces_the_row(merchant, api):
    shop_history(merchant, AS_OF, customers=MIN_CUSTOMERS, history_days=400)
    fit_predicted_clv(merchant.pk)
    fit_predicted_clv(merchant.pk)
    with unscoped():
        assert PredictedClv.objects.filter(merchant=merchant).count() == 1
    body = api.get(KPIS).json()
    assert set(body["predicted_clv_12m"]) == {"EUR"} and body["predicted_clv_reason"] is None
    assert body["predicted_clv_fitted_at"] is not None


def test_a_shop_built_in_full_gets_its_fit_at_once(merchant, django_capture_on_commit_callbacks):
    seed_history(merchant)  # history with no aggregate yet, like an import
    with django_capture_on_commit_callbacks(execute=True):
        refresh_daily_aggregates()
    with unscoped():
        assert PredictedClv.objects.filter(merchant=merchant).exists()


def test_the_daily_run_fits_every_shop(merchant, other_merchant):
    assert fit_predicted_clv_all() == 2  # eager in the tests: each shop's task runs at once
    with unscoped():
        assert set(PredictedClv.objects.values_list("merchant_id", flat=True)) == {merchant.pk, other_merchant.pk}


def test_api_fields(merchant, api):
    shop_history(merchant, AS_OF, **BACKTESTED)
    shop_history(merchant, AS_OF, customers=20, history_days=400, currency="USD", seed=3)
    with merchant_scope(merchant):
        stored = predicted_clv_fit(merchant=merchant, as_of=AS_OF)
    figure = stored.figures["EUR"]
    body = api.get(KPIS, {"from": "2026-06-01", "to": "2026-07-01"}).json()
    assert body["predicted_clv_12m"] == {"EUR": figure["value"]}
    assert body["predicted_clv_backtest_error"] == {"EUR": float(figure["backtest"]["error"])}
    assert body["predicted_clv_backtest_mae"] == {"EUR": figure["backtest"]["mae"]}
    assert body["predicted_clv_fitted_at"] == stored.fitted_at.isoformat()
    assert body["predicted_clv_reason"] == "not_enough_history"  # USD has 20 customers
    assert "predicted_clv_12m" not in body["previous"]  # the latest fit, not a figure of a period


def test_nulls_before_the_first_fit_and_for_a_shop_without_orders(merchant, api):
    fields = ("predicted_clv_12m", "predicted_clv_backtest_error", "predicted_clv_backtest_mae")
    body = api.get(KPIS).json()
    assert [body[name] for name in fields] == [None, None, None]
    assert (body["predicted_clv_fitted_at"], body["predicted_clv_reason"]) == (None, "not_fitted_yet")
    fit_predicted_clv(merchant.pk)
    body = api.get(KPIS).json()
    assert [body[name] for name in fields] == [None, None, None]
    assert body["predicted_clv_reason"] == "not_enough_history" and body["predicted_clv_fitted_at"]


def test_another_shops_fit_is_not_shown(merchant, other_merchant, other_api):
    shop_history(merchant, AS_OF - timedelta(days=1), customers=MIN_CUSTOMERS, history_days=400)
    fit_predicted_clv(merchant.pk)
    body = other_api.get(KPIS).json()
    assert (body["predicted_clv_12m"], body["predicted_clv_reason"]) == (None, "not_fitted_yet")


FIGURES = {
    "EUR": {
        "customers": 812,
        "history_days": 400,
        "value": "84.20",
        "reason": "",
        "backtest": {
            "customers": 640,
            "history_days": 220,
            "reason": "",
            "predicted": "41200.00",
            "actual": "38900.00",
            "mae": "4.10",
            "error": "0.0591",
        },
    },
    "USD": {"customers": 20, "history_days": 400, "value": None, "reason": NOT_ENOUGH_CUSTOMERS},
}


def store(merchant, figures):
    with merchant_scope(merchant):
        PredictedClv.objects.create(merchant=merchant, as_of=AS_OF, fitted_at=AS_OF, figures=figures)


def test_the_page_says_the_figure_and_its_check_in_words(staff_client, merchant):
    store(merchant, FIGURES)
    page = staff_client.get("/app/analytics/").content.decode()
    assert "Predicted revenue per customer, next 12 months" in page
    assert "€84.20" in page
    assert "fitted on those placed until Thu, Jan 1, the model expected €41,200.00 over the 180 days after" in page
    assert "customers spent €38,900.00, so it was 5.9% too high (€4.10 per customer off on average)" in page
    assert "US Dollar" in page and "20 customers so far; the prediction needs 500." in page


def test_the_page_in_french(client, merchant, owner):
    owner.language = "fr"
    owner.save()
    login_as(client, owner, merchant)
    store(merchant, FIGURES | {"EUR": FIGURES["EUR"] | {"backtest": FIGURES["EUR"]["backtest"] | {"error": "-0.0591"}}})
    page = client.get("/app/analytics/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Revenu prévu par client sur les 12 prochains mois" in page and "84,20\xa0€" in page
    assert "trop basse de 5,9\xa0%" in page and "Dollar des États-Unis" in page


@pytest.mark.parametrize(
    ("figures", "words"),
    [
        (None, "Not computed yet: the prediction is worked out once a day."),
        ({}, "Not enough history yet: no order so far."),
        (
            {"EUR": {"customers": 600, "history_days": 90, "value": None, "reason": NOT_ENOUGH_HISTORY}},
            "the first order is 90 days old; the prediction needs 180.",
        ),
        (
            {"EUR": {"customers": 1, "history_days": 1, "value": None, "reason": NOT_ENOUGH_CUSTOMERS}},
            "Not enough history yet: 1 customer so far; the prediction needs 500.",
        ),
        (
            {"EUR": {"customers": 600, "history_days": 1, "value": None, "reason": NOT_ENOUGH_HISTORY}},
            "the first order is 1 day old; the prediction needs 180.",
        ),
        (
            {"EUR": FIGURES["EUR"] | {"backtest": {"customers": 12, "history_days": 20, "reason": "customers"}}},
            "No check yet: checking needs 500 customers and 180 days of orders by Thu, Jan 1.",
        ),
    ],
)
def test_the_page_says_why_there_is_no_figure(staff_client, merchant, figures, words):
    if figures is not None:
        store(merchant, figures)
    assert words in staff_client.get("/app/analytics/").content.decode()
