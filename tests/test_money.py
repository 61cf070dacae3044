"""Sums of money are exact Decimals on every database, and money is written in the reader's language.

The module runs on PostgreSQL with the suite, and once more on SQLite (the demo's database) in a
subprocess: SQLite adds decimal columns as floats, which showed as "32,145.0000000001 EUR" on the
Overview. A thousand orders make a float sum drift past the fifteen digits SQLite keeps.
"""

import random
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone, translation

from core.l10n import format_money
from core.money import exact_amount
from core.scoping import merchant_scope
from flows.models import Flow
from flows.selectors import step_stats
from flows.services import default_flows_install
from orders.home import orders_home_figures
from orders.models import Order
from orders.templatetags.money import percent
from tests.flows.test_dashboard import clicked_then_ordered
from tests.sqlite_run import pytest_on_sqlite

EMAIL = "ada@example.org"
NOISE = re.compile(r"\d[.,]\d{4,}")  # more decimals than any currency has


def amounts(n: int = 1000) -> list[Decimal]:
    rng = random.Random(19)  # noqa: S311 - fixed test data
    return [Decimal(rng.randint(500, 15000)).scaleb(-2) for _ in range(n)]


@pytest.fixture
def month_of_orders(merchant):
    """A click on the welcome email, then 1000 EUR orders, two KWD and one JPY by the same person."""
    default_flows_install(merchant=merchant)
    with merchant_scope(merchant):
        welcome = Flow.objects.get(key="post-purchase").steps.get(key="welcome")
        clicked_then_ordered(merchant, welcome, EMAIL, "KWD", Decimal("12.345"))
        first = Order.objects.filter(currency="KWD").get()
        # The order the email was about: out of the Overview's 30 days, and before the click.
        Order.objects.exclude(pk=first.pk).update(placed_at=timezone.now() - timedelta(days=40))
        rows = [("EUR", amount) for amount in amounts()] + [("KWD", Decimal("0.005")), ("JPY", Decimal("1000"))]
        Order.objects.bulk_create(
            Order(
                merchant=merchant,
                external_id=f"m-{index}",
                number=f"#M{index}",
                customer=first.customer,
                email=EMAIL,
                placed_at=first.placed_at + timedelta(minutes=index),
                currency=currency,
                total=total,
            )
            for index, (currency, total) in enumerate(rows)
        )
    expected = {"EUR": sum(amounts()), "KWD": Decimal("12.350"), "JPY": Decimal("1000")}
    return welcome, expected


def written(total: Decimal, currency: str, language: str) -> str:
    """What a person reading `language` expects, built by hand from CLDR's conventions."""
    places = {"EUR": 2, "KWD": 3, "JPY": 0}[currency]
    english = f"{total:,.{places}f}"
    if language == "en":
        return {"EUR": "€", "KWD": "KWD\u00a0", "JPY": "¥"}[currency] + english
    french = english.replace(",", "\u202f").replace(".", ",")
    return french + "\u00a0" + {"EUR": "€", "KWD": "KWD", "JPY": "JPY"}[currency]


def assert_exact(rows, expected):
    totals = {row["currency"]: row["total"] for row in rows}
    assert totals == expected
    for currency, total in totals.items():
        assert isinstance(total, Decimal)
        assert total.as_tuple().exponent == {"EUR": -2, "KWD": -3, "JPY": 0}[currency]


def test_overview_and_flow_revenue_are_exact_decimals(merchant, month_of_orders):
    welcome, expected = month_of_orders
    with merchant_scope(merchant):
        overview = orders_home_figures(merchant=merchant, since=timezone.now() - timedelta(days=30))
    assert_exact(overview["revenue_by_currency"], expected)
    email = step_stats(step=welcome)["email"]  # computed in Python on SQLite (flows/email_small_shop.py)
    assert_exact([{"currency": cur, "total": total} for cur, total in email.revenue.items()], expected)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_pages_write_the_sums_in_the_staff_members_language(staff_client, owner, merchant, month_of_orders, language):
    welcome, expected = month_of_orders
    owner.language = language
    owner.save(update_fields=["language"])
    flow_pages = (f"/app/flows/{welcome.flow_id}/", f"/app/flows/{welcome.flow_id}/steps/{welcome.pk}/")
    for url in ("/", *flow_pages):  # on SQLite too: its own engines compute the flow pages' figures
        page = staff_client.get(url).content.decode()
        for currency, total in expected.items():
            assert written(total, currency, language) in page, (url, currency)
        assert not NOISE.search(page), NOISE.search(page)


@pytest.mark.parametrize(
    ("amount", "currency", "language", "text"),
    [
        (Decimal("32145"), "EUR", "fr", "32\u202f145,00\u00a0€"),
        (Decimal("32145"), "EUR", "en", "€32,145.00"),
        (32145.0000000001, "EUR", "en", "€32,145.00"),  # a float sum, as SQLite gives it
        (Decimal("32239.8000000001"), "EUR", "fr", "32\u202f239,80\u00a0€"),
        (Decimal("12.345"), "KWD", "fr", "12,345\u00a0KWD"),
        (Decimal("1000"), "JPY", "en", "¥1,000"),
        (Decimal("1000.50"), "JPY", "en", "¥1,000.5"),  # stored before amounts followed their currency: shown whole
        (Decimal("-4.9"), "EUR", "en", "-€4.90"),
        (Decimal("12"), "CHF", "en", "CHF\u00a012.00"),
        ("54.80", "usd", "fr", "54,80\u00a0$US"),
    ],
)
def test_format_money(amount, currency, language, text):
    assert format_money(amount, currency, language) == text


def test_exact_amount_keeps_what_was_stored_and_drops_float_noise():
    assert exact_amount(75710.80999999991, "EUR") == Decimal("75710.81")
    assert str(exact_amount(Decimal("12.35"), "KWD")) == "12.350"
    assert str(exact_amount(Decimal("1000.000"), "JPY")) == "1000"
    assert str(exact_amount(Decimal("1000.5"), "JPY")) == "1000.5"


@pytest.mark.skipif(connection.vendor == "sqlite", reason="this is the run on SQLite")
def test_the_same_on_sqlite(tmp_path):
    result = pytest_on_sqlite(tmp_path / "money.sqlite3", str(Path(__file__)))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 skipped" in result.stdout and " passed" in result.stdout, result.stdout[-2000:]


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [("en", 15, "15%"), ("fr", Decimal("15.00"), "15\u00a0%"), ("en", Decimal("12.5"), "12.5%"), ("fr", "x", "")],
)
def test_percentages_are_written_as_the_page_language_writes_them(language, value, expected):
    with translation.override(language):
        assert percent(value) == expected
