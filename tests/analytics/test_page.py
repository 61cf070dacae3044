"""Dashboard → Analytics: the figures, presets, errors, CSV exports, the home tiles, isolation."""

import csv
import io
import re
from datetime import date

import pytest
from django.utils import timezone

from analytics.aggregates import aggregates_rebuild
from core.ranges import PresetError, chosen_range
from core.scoping import merchant_scope
from flows.models import Flow
from tests.conftest import login_as
from tests.factories import MembershipFactory
from tests.returns.test_figures import march_history

from .email_history import seed_email_history
from .history import POSTGRESQL_ONLY, order

pytestmark = [pytest.mark.django_db, POSTGRESQL_ONLY]

URL = "/app/analytics/"
MARCH = {"range": "custom", "from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def shop(built_shop):
    return built_shop


def test_march_against_february(staff_client, shop, django_assert_num_queries):
    # The dashboard's own (2), 6 per period for the KPIs, the weekly bars (2), the cohorts (1), returns (5),
    # the predicted CLV (1), the email KPIs (1), the delivery promises of each period (2), the flows with a
    # holdout (1: none), the customer service tiles of each period (2 × 6: test_service_tiles.py).
    with django_assert_num_queries(2 + 2 * 6 + 2 + 1 + 5 + 1 + 1 + 2 + 1 + 2 * 6):
        response = staff_client.get(URL, MARCH)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="kpi-orders"' in page and "Repeat rate" in page
    assert "50%" in page and "€37.50 · $30.00" in page  # repeat rate; aov per currency (every refund known now)
    assert page.count("<rect ") == 6  # the weeks of Feb 23 to Mar 30
    # A custom range is computed on every request (a preset is stored: test_stored_figures.py).
    with django_assert_num_queries(2 + 2 * 6 + 2 + 1 + 5 + 1 + 1 + 2 + 1 + 2 * 6):
        assert "€37.50 · $30.00" in staff_client.get(URL, MARCH).content.decode()


def test_french(client, shop, owner):
    owner.language = "fr"
    owner.save()
    login_as(client, owner, shop)
    page = client.get(URL, MARCH | {"lang": "fr"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "37,50\xa0€ · 30,00\xa0$US" in page
    assert "50\xa0%" in page


@pytest.mark.parametrize(
    "query",
    [
        {"range": "week"},
        {"range": "custom", "from": "2026-03-31", "to": "2026-03-01"},
        {"range": "custom", "from": "March", "to": "2026-03-01"},
        {"range": "custom", "from": "2026-02-30", "to": "2026-03-01"},
        {"range": "custom", "from": "2016-01-01", "to": "2026-03-01"},
    ],
)
def test_bad_ranges_are_a_400_saying_why(staff_client, shop, query):
    response = staff_client.get(URL, query)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert staff_client.get("/app/analytics/kpis.csv", query).status_code == 400


def test_presets():
    today = date(2026, 12, 4)
    assert chosen_range({}, today).first == date(2026, 11, 5)
    assert chosen_range({"range": "90"}, today).first == date(2026, 9, 6)
    assert chosen_range({"range": "year"}, today).first == date(2026, 1, 1)
    with pytest.raises(PresetError):
        chosen_range({"range": "custom", "from": "2026-01-02", "to": "2026-01-01"}, today)


def test_csv_exports_are_neutralised(staff_client, shop):
    order(shop, "z1", "=cmd@example.org", timezone.now(), "12.00", "EUR")
    lines = b"".join(staff_client.get("/app/analytics/kpis.csv", MARCH).streaming_content).decode()
    rows = list(csv.reader(io.StringIO(lines)))
    assert rows[0] == ["kpi", "currency", "value", "previous"]
    assert ["aov", "EUR", "37.50", ""] in rows and ["orders", "", "5", "0"] in rows
    assert ["repeat_rate", "", "0.5", ""] in rows
    cohorts = b"".join(staff_client.get("/app/analytics/cohorts.csv", MARCH).streaming_content).decode()
    rows = list(csv.reader(io.StringIO(cohorts)))
    assert rows[0][0] == "cohort" and ["2026-03", "3", "1", "0.3333", "EUR", "46.67"] in rows
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_another_shops_staff_see_their_own_empty_figures(client, shop, other_merchant):
    staff = MembershipFactory(merchant=other_merchant).user
    login_as(client, staff, other_merchant)
    page = client.get(URL, MARCH).content.decode()
    assert "€40.00" not in page and "No new customer" in page


def email_table(page: str) -> str:
    return page[page.index('id="email"') : page.index("</section>", page.index('id="email"'))]


def test_the_email_table_per_flow_and_step(staff_client, merchant, django_assert_num_queries):
    steps = seed_email_history(merchant)  # worked out in test_email.py; every refund known by now
    aggregates_rebuild(merchant=merchant)
    with django_assert_num_queries(2 + 2 * 6 + 2 + 1 + 5 + 1 + 1 + 2 + 1 + 2 * 6):  # as above: one query for the table
        page = staff_client.get(URL, MARCH).content.decode()
    table = email_table(page)
    j7 = table[table.index(f"/steps/{steps['j7'].pk}/") :]
    cells = re.findall(r'<td class="num">([^<]*)</td>', j7)[:6]
    assert cells == ["3", "100%", "66.67%", "33.33%", "2", "€25.00 · $40.00"]  # d1 net of both refunds now
    j30 = table[table.index(f"/steps/{steps['j30'].pk}/") :]
    # G's bounce (August 1) is known by now: 1 delivered.
    assert re.findall(r'<td class="num">([^<]*)</td>', j30)[:6] == ["1", "0%", "100%", "0%", "1", "€70.00"]
    assert "Winback" not in table and table.count(">Post-purchase</a>") == 1  # the flow named once
    assert table.count(">Shipped</a>") == 1  # a flow of one email named as it: named once


def test_the_email_table_in_french(client, merchant, owner):
    seed_email_history(merchant)
    owner.language = "fr"
    owner.save()
    login_as(client, owner, merchant)
    table = email_table(client.get(URL, MARCH, HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert "Délivrés" in table and "66,67\xa0%" in table and "25,00\xa0€ · 40,00\xa0$US" in table


def test_a_shop_that_sent_nothing_says_so(staff_client, shop):
    assert "No email was sent in these days." in email_table(staff_client.get(URL, MARCH).content.decode())


def test_the_email_csv_is_neutralised(staff_client, merchant):
    steps = seed_email_history(merchant)
    with merchant_scope(merchant):
        Flow.objects.filter(pk=steps["j7"].flow_id).update(name="=HYPERLINK(evil)")
    lines = b"".join(staff_client.get("/app/analytics/email.csv", MARCH).streaming_content).decode()
    rows = list(csv.reader(io.StringIO(lines)))
    assert rows[0] == [
        "flow", "step", "sent", "delivered", "open_rate", "click_rate", "unsubscribe_rate", "orders", "currency",
        "revenue",
    ]  # fmt: skip
    assert rows[1:] == [
        ["'=HYPERLINK(evil)", "J+7", "4", "3", "1.0", "0.6667", "0.3333", "2", "EUR", "25.00"],
        ["'=HYPERLINK(evil)", "J+7", "4", "3", "1.0", "0.6667", "0.3333", "2", "USD", "40.00"],
        ["'=HYPERLINK(evil)", "J+30", "2", "1", "0.0", "1.0", "0.0", "1", "EUR", "70.00"],
        ["Shipped", "Shipped", "1", "1", "1.0", "0.0", "0.0", "0", "", ""],
    ]
    assert staff_client.get("/app/analytics/email.csv", {"range": "week"}).status_code == 400


def test_another_shops_staff_do_not_see_these_emails(client, merchant, other_merchant):
    seed_email_history(merchant)
    staff = MembershipFactory(merchant=other_merchant).user
    login_as(client, staff, other_merchant)
    assert "No email was sent in these days." in email_table(client.get(URL, MARCH).content.decode())
    lines = b"".join(client.get("/app/analytics/email.csv", MARCH).streaming_content).decode()
    assert lines.strip().count("\n") == 0  # the header only


def test_home_tiles(staff_client, shop):
    order(shop, "now1", "a@example.org", timezone.now(), "80.00")
    page = staff_client.get("/").content.decode()
    assert "Repeat rate, last 30 days" in page and "€80.00" in page


def test_the_returns_block_shows_the_return_rate_and_revenue_kept(staff_client, merchant):
    march_history(merchant)  # tests/returns/test_figures.py: 87.5% of items returned, 77.27% of EUR kept
    page = staff_client.get(URL, MARCH).content.decode()
    assert 'id="returns"' in page and "87.5%" in page and "77.27% (EUR) · 0% (GBP)" in page
    assert "/app/returns/overview/?from=2026-03-01&amp;to=2026-03-31" in page
