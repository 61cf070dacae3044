"""Dates are written one way per language, in the reader's time zone: staff in their shop's, customers
in their own. core/l10n.py does it; no template or module writes a date for people any other way."""

import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from core.l10n import format_datetime, format_day, format_day_range, format_time_of_day
from core.scoping import merchant_scope
from tests.conftest import login_as
from tests.factories import OrderFactory

ROOT = Path(__file__).resolve().parents[1]
PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
LATE_EVENING = datetime(2026, 12, 2, 22, 51, tzinfo=UTC)  # 23:51 in Paris
THIN = "\u2009\u2013\u2009"  # CLDR's range dash


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize(
    ("language", "day", "moment", "older", "clock"),
    [
        ("en", "Thu, Dec 3", "Wed, Dec 2, 11:51\u202fPM", "Tue, Dec 3, 2024", "6:00\u202fPM"),
        ("fr", "jeu. 3 déc.", "mer. 2 déc. 23:51", "mar. 3 déc. 2024", "18:00"),
    ],
)
def test_one_way_to_write_a_day_and_a_moment_per_language(language, day, moment, older, clock):
    assert format_time_of_day(time(18, 0), language) == clock
    assert format_day(date(2026, 12, 3), language) == day
    assert format_datetime(LATE_EVENING, language, PARIS) == moment
    assert format_day(date(2024, 12, 3), language) == older  # another year is named
    assert format_day(LATE_EVENING, language, PARIS) == format_day(date(2026, 12, 2), language)
    assert format_day(LATE_EVENING, language, ZoneInfo("Asia/Tokyo")) == format_day(date(2026, 12, 3), language)


@pytest.mark.parametrize(
    ("language", "same_month", "two_months", "two_years"),
    [
        (
            "en",
            f"Thu, Dec 3{THIN}Sat, Dec 5",
            f"Mon, Nov 30{THIN}Wed, Dec 2",
            f"Wed, Dec 30, 2026{THIN}Sat, Jan 2, 2027",
        ),
        (
            "fr",
            f"jeu. 3{THIN}sam. 5 déc.",
            f"lun. 30 nov.{THIN}mer. 2 déc.",
            f"mer. 30 déc. 2026{THIN}sam. 2 janv. 2027",
        ),
    ],
)
def test_ranges_always_name_their_month(language, same_month, two_months, two_years):
    assert format_day_range(date(2026, 12, 3), date(2026, 12, 5), language) == same_month
    assert format_day_range(date(2026, 11, 30), date(2026, 12, 2), language) == two_months
    assert format_day_range(date(2026, 12, 30), date(2027, 1, 2), language) == two_years
    assert format_day_range(date(2026, 12, 3), date(2026, 12, 3), language) == format_day(date(2026, 12, 3), language)
    assert format_day_range(None, date(2026, 12, 3), language) == ""


def _project_files(*suffixes):
    for path in ROOT.rglob("*"):
        if path.suffix in suffixes and not {".venv", "node_modules", "test-results", "tests"} & set(path.parts):
            yield path


def test_no_template_or_module_writes_a_date_its_own_way():
    """`|date:` only for machine-readable values ('c', or 'Y-m-d' for a date input), never `|time:`; Django's date
    formats only in core/l10n."""
    own_way = []
    for path in _project_files(".html", ".txt"):
        for number, line in enumerate(path.read_text(errors="ignore").splitlines(), 1):
            if re.search(r"\|date:(?!['\"](c|Y-m-d)['\"])|\|time\b|\|naturalday", line):
                own_way.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    for path in _project_files(".py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\bdate_format\(|\btime_format\(|\.strftime\(", line):
                own_way.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert own_way == []


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "written"), [("en", "Wed, Dec 2, 11:51\u202fPM"), ("fr", "mer. 2 déc. 23:51")])
def test_dashboard_pages_of_a_paris_shop_write_times_in_paris(client, owner, merchant, language, written):
    merchant.time_zone = "Europe/Paris"
    merchant.save(update_fields=["time_zone"])
    owner.language = language
    owner.save(update_fields=["language"])
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant, placed_at=LATE_EVENING)
    staff = login_as(client, owner, merchant)
    for url in ("/", "/app/orders/", f"/app/orders/{order.pk}/"):
        page = staff.get(url).content.decode()
        assert written in page, url
        assert not re.search(r"\d{1,2}/\d{1,2}/\d{4}|[ap]\.m\.", page), url  # no US numeric date, no "p.m."


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "day"), [("en", "Tue, Mar 18, 2025"), ("fr", "mar. 18 mars 2025")])
def test_emails_write_days_like_the_pages(merchant, language, day):
    from flows.dispatcher import step_test_send
    from flows.models import FlowStep
    from flows.services import default_flows_install

    default_flows_install(merchant=merchant)
    with merchant_scope(merchant):
        shipped = FlowStep.objects.get(key="shipped")
        step_test_send(step=shipped, language=language, to="staff@example.com")
    assert day in mail.outbox[0].body  # the sample order's expected delivery
