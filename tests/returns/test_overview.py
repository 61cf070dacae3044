"""Dashboard → Returns → Overview: the figures of tests/returns/test_figures.py on the page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from merchants.models import Role
from tests.returns.test_figures import march  # noqa: F401 - the history
from tests.returns.test_staff import staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("figure_engine")]
URL = "/app/returns/overview/"
MARCH = "?from=2026-03-01&to=2026-03-31"


def test_the_page_shows_the_figures_of_march(client, march):  # noqa: F811 - the fixture
    page = staff(march, client, Role.VIEWER).get(URL + MARCH)
    assert page.status_code == 200
    text = page.text
    assert "87.5%" in text and "7 returned of 8 shipped" in text  # item return rate
    assert "133.33%" in text  # orders returned 4 / orders shipped 3: a return of an order shipped in February
    assert "77.27%" in text and "45.45%" in text  # revenue kept and net revenue kept, EUR
    assert "€15.00" in text and "€20.00" in text and "€50.00" in text  # bonus, exchange returned, credit expired
    assert "£20.00" in text  # GBP in its own column
    assert "2 of 4 returns offered an exchange took one" in text
    assert "Linen shirt" in text and "No product type" not in text and "Too small" in text
    assert text.count('class="r-') >= 6  # the chart's bars and the legend's swatches


def test_the_page_speaks_french(client, march):  # noqa: F811 - the fixture
    text = staff(march, client, Role.VIEWER, language="fr").get(URL + MARCH).text
    assert "Aperçu des retours" in text and "Chiffre d’affaires conservé" in text
    assert "87,5\u00a0%" in text and "15,00\u00a0€" in text and "Trop petit" in text


@pytest.mark.parametrize("query", ["", "?lang=en"])  # the language switcher keeps the last 30 days
def test_an_empty_shop_shows_dashes(client, merchant, query):
    page = staff(merchant, client, Role.VIEWER).get(URL + query)
    assert page.status_code == 200
    assert "No return in these days." in page.text and "—" in page.text
    assert "No return was offered an exchange in these days." in page.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?from=2026-03-31&to=2026-03-01", "The first day comes after the last one."),
        ("?from=2026-02-30&to=2026-03-01", "Write dates as YYYY-MM-DD."),
        ("?from=yesterday&to=2026-03-01", "Write dates as YYYY-MM-DD."),
        ("?to=2026-03-01", "Give the first day (YYYY-MM-DD)."),
        ("?from=2020-01-01&to=2025-01-01", "Show at most 5 years at a time."),
    ],
)
def test_bad_days_are_a_400_saying_what_to_fix(client, merchant, query, message):
    page = staff(merchant, client, Role.VIEWER).get(URL + query)
    assert page.status_code == 400 and message in page.text


def test_five_years_of_days_are_shown(client, merchant):
    assert staff(merchant, client, Role.VIEWER).get(URL + "?from=2020-01-01&to=2024-12-31").status_code == 200


def test_another_shops_staff_see_their_own_figures_only(client, march, other_merchant):  # noqa: F811 - the fixture
    text = staff(other_merchant, client, Role.VIEWER).get(URL + MARCH).text
    assert "Linen shirt" not in text and "No return in these days." in text


def test_the_page_costs_a_fixed_number_of_queries(client, march):  # noqa: F811 - the fixture
    viewer = staff(march, client, Role.VIEWER)
    viewer.get(URL + MARCH)  # sessions and caches warm
    with CaptureQueriesContext(connection) as queries:
        assert viewer.get(URL + MARCH).status_code == 200
    assert len(queries) == 8, [q["sql"][:90] for q in queries]
