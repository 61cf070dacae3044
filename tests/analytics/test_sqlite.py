"""On SQLite (the demo's database) the Python engine (analytics/small_shop.py) computes the figures.

Forced here on the test PostgreSQL database: the page, its CSVs, the API and the home tiles answer with
the hand-worked figures of history.py, from the orders (no daily aggregates), in a handful of queries.
"""

import csv
import io

import pytest
from django.utils import timezone

from analytics.tasks import fit_predicted_clv, refresh_daily_aggregates
from tests.conftest import login_as

from .history import order, seed_history
from .test_api import KPIS, MARCH_ANSWER
from .test_api import MARCH as API_MARCH

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("python_engine")]

URL = "/app/analytics/"
MARCH = {"range": "custom", "from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def shop(merchant):
    seed_history(merchant)
    return merchant


def test_the_page_shows_the_figures(staff_client, shop, django_assert_num_queries):
    # The dashboard's own (2), 2 per period for the KPIs (orders, refunds), the weekly bars (1), the
    # cohorts (2), the email KPIs (messages, clicks, orders, refunds: 4), the delivery promises of each
    # period (2), the service tiles of each period (5 WISMO + 1 scores), the stored predicted CLV (1),
    # the returns figures (5, returns' own small-shop engine), the flows holding customers out (1: none
    # here, so no results to read). Whatever the number of orders.
    with django_assert_num_queries(2 + 2 * 2 + 1 + 2 + 4 + 2 + 2 * 6 + 1 + 5 + 1):
        response = staff_client.get(URL, MARCH)
    assert response.status_code == 200
    page = response.content.decode()
    assert "50%" in page and "€37.50 · $30.00" in page  # repeat rate; aov per currency (every refund known now)
    assert page.count("<rect ") == 6  # the weeks of Feb 23 to Mar 30
    assert "Week of Mon, Mar 30: 1 order" in page  # e1, 23:30 on March 31 in Paris
    assert "No new customer" not in page and "Download the cohorts (CSV)" in page  # B, C and E's March
    # The holdouts, returns, service tiles and predicted CLV are there.
    assert "No flow holds customers out." in page and 'id="kpi-wismo_rate"' in page and "Return rate" in page
    assert "Not computed yet: the prediction is worked out once a day." in page


def test_the_page_in_french(client, shop, owner):
    owner.language = "fr"
    owner.save()
    login_as(client, owner, shop)
    page = client.get(URL, MARCH | {"lang": "fr"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "37,50\xa0€ · 30,00\xa0$US" in page and "50\xa0%" in page
    assert "Aucun parcours n’a de groupe témoin." in page  # the holdouts, computed here too


def test_the_kpi_and_cohort_csvs(staff_client, shop):
    lines = b"".join(staff_client.get("/app/analytics/kpis.csv", MARCH).streaming_content).decode()
    rows = list(csv.reader(io.StringIO(lines)))
    assert ["aov", "EUR", "37.50", ""] in rows and ["orders", "", "5", "0"] in rows
    assert ["repeat_rate", "", "0.5", ""] in rows
    assert ["wismo_rate", "", "", ""] in rows  # nothing shipped (test_service_tiles.py has figures)
    cohorts = b"".join(staff_client.get("/app/analytics/cohorts.csv", MARCH).streaming_content).decode()
    assert ["2026-03", "3", "1", "0.3333", "EUR", "46.67"] in list(csv.reader(io.StringIO(cohorts)))


def test_the_api_gives_the_same_answer_as_postgresql(api, shop, django_assert_num_queries):
    # The key (2) + per period: orders, refunds; the email KPIs (no email sent: messages, orders, refunds,
    # clicks); the delivery promises; WISMO (5) and survey scores (1); + the stored predicted CLV.
    with django_assert_num_queries(2 + 2 * (2 + 4 + 1 + 5 + 1) + 1):
        response = api.get(KPIS, API_MARCH)
    assert response.status_code == 200
    assert response.json() == MARCH_ANSWER
    cohorts = api.get("/api/v1/analytics/cohorts", API_MARCH)
    assert cohorts.status_code == 200 and [row["customers"] for row in cohorts.json()["cohorts"]] == [3]


def test_bad_input_is_still_a_400(api, staff_client, shop):
    assert api.get(KPIS, {"from": "March"}).status_code == 400
    assert staff_client.get(URL, {"range": "week"}).status_code == 400


def test_the_home_tiles(staff_client, shop):
    order(shop, "now1", "a@example.org", timezone.now(), "80.00")
    page = staff_client.get("/").content.decode()
    assert "Repeat rate, last 30 days" in page and "€80.00" in page


def test_the_predicted_clv_is_fitted_and_shown(staff_client, shop):
    fit_predicted_clv(shop.pk)  # too few customers for a figure: the page says how many it has
    page = staff_client.get(URL, MARCH).content.decode()
    assert "Not enough history yet: 3 customers so far; the prediction needs 500." in page  # EUR: A, B, E


def test_the_daily_table_is_not_built_elsewhere(monkeypatch, shop):
    monkeypatch.setattr("core.engines.on_postgresql", lambda: False)
    assert refresh_daily_aggregates() == 0  # the daily table is a PostgreSQL speed-up
