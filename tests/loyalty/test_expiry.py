"""Points expire after N months without earning or spending, with a reminder 30 days before; reruns do nothing."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from core.scoping import merchant_scope, unscoped
from loyalty import expiry, services
from loyalty.models import EntryKind, ExpiryReminder, LoyaltySettings, Source
from orders.models import OrderEvent
from portal import links
from store_credit.services import add_months

from .conftest import account_of, adjust, entries_of, place

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
SETTINGS = {"enabled": "on", "points_per_unit": "1", "deduct_discounts": "on", "pending_days": "30"}


def at(moment):
    return time_machine.travel(moment, tick=False)


def run(moment) -> dict:
    with at(moment):
        return expiry.points_expire_and_remind()


def reminders_recorded(merchant) -> list[OrderEvent]:
    with merchant_scope(merchant):
        return list(OrderEvent.objects.filter(kind="loyalty.points_expiring").order_by("id"))


@pytest.fixture
def expiring(merchant, program):
    return services.loyalty_settings_update(merchant=merchant, expiry_months=12)


def earn_at(merchant, customer, moment, *, number="#1043"):
    """An order placed at `moment` whose 120 points become available 30 days later."""
    with at(moment):
        order = place(merchant, customer, placed_at=moment, number=number)
    with at(moment + timedelta(days=31)):
        services.points_mature_due()
    return order


def test_the_reminder_comes_30_days_before_and_the_points_expire_at_n_months(merchant, customer, expiring):
    earn_at(merchant, customer, T0)
    ends = add_months(T0, 12)  # 10 January 2027
    assert run(ends - timedelta(days=30, minutes=1)) == {"reminded": 0, "expired": 0}
    assert run(ends - timedelta(days=30)) == {"reminded": 1, "expired": 0}
    [event] = reminders_recorded(merchant)
    assert (event.customer_id, event.payload["points"], event.payload["expires_at"]) == (
        customer.pk,
        120,
        ends.isoformat(),
    )
    assert run(ends - timedelta(days=29)) == {"reminded": 0, "expired": 0}  # once per period
    assert run(ends - timedelta(minutes=1)) == {"reminded": 0, "expired": 0}
    assert run(ends) == {"reminded": 0, "expired": 1}
    expired = entries_of(merchant, customer)[-1]
    account = account_of(merchant, customer)
    assert (expired.kind, expired.source, expired.available, expired.available_after) == ("expired", "expiry", -120, 0)
    assert expired.key == f"expire:{account.pk}:2026-01-10"
    assert account.available == 0
    assert run(ends + timedelta(days=1)) == {"reminded": 0, "expired": 0}  # the rerun adds nothing
    assert len(reminders_recorded(merchant)) == 1 and len(entries_of(merchant, customer)) == 3


def test_earning_or_spending_starts_a_new_period(merchant, customer, expiring):
    earn_at(merchant, customer, T0)
    with at(T0 + timedelta(days=200)):
        services.points_spend(merchant=merchant, customer=customer, points=20, source=Source.REWARD, key="reward:1")
    first_end = add_months(T0, 12)
    assert run(first_end - timedelta(days=30)) == {"reminded": 0, "expired": 0}
    assert run(first_end) == {"reminded": 0, "expired": 0}
    assert account_of(merchant, customer).available == 100
    spent = T0 + timedelta(days=200)
    assert run(add_months(spent, 12) - timedelta(days=30)) == {"reminded": 1, "expired": 0}
    # an order after the reminder: the reminded period is over, its points do not expire
    earn_at(merchant, customer, add_months(spent, 12) - timedelta(days=10), number="#1044")
    assert run(add_months(spent, 12) + timedelta(days=1)) == {"reminded": 0, "expired": 0}
    assert account_of(merchant, customer).available == 220


def test_points_added_by_staff_count_as_activity_and_points_taken_away_do_not(merchant, customer, expiring):
    with at(T0):
        adjust(merchant, customer, 50)
    with at(T0 + timedelta(days=100)):
        adjust(merchant, customer, -10, key="staff:2")
    assert run(add_months(T0, 12) - timedelta(days=30))["reminded"] == 1
    with at(T0 + timedelta(days=340)):
        adjust(merchant, customer, 5, key="staff:3")
    assert run(add_months(T0, 12))["expired"] == 0


def test_pending_points_do_not_expire(merchant, customer, program):
    # Settings the form refuses (points pending longer than the expiry), set directly to reach the case.
    services.loyalty_settings_update(merchant=merchant, expiry_months=12, pending_days=400)
    with at(T0):
        adjust(merchant, customer, 40)
        place(merchant, customer, placed_at=T0)
    run(add_months(T0, 12) - timedelta(days=30))
    assert run(add_months(T0, 12)) == {"reminded": 0, "expired": 1}
    account = account_of(merchant, customer)
    assert (account.available, account.pending) == (0, 120)


def test_a_shop_switching_expiry_on_warns_before_taking_points(merchant, customer, program):
    with at(T0):
        adjust(merchant, customer, 80)
    late = add_months(T0, 30)
    services.loyalty_settings_update(merchant=merchant, expiry_months=12)
    assert run(late) == {"reminded": 1, "expired": 0}
    with unscoped():
        reminder = ExpiryReminder.objects.get()
    assert reminder.expires_at == late + timedelta(days=30)
    assert run(late + timedelta(days=29)) == {"reminded": 0, "expired": 0}
    assert run(late + timedelta(days=30)) == {"reminded": 0, "expired": 1}


def test_nothing_expires_without_an_expiry_or_while_the_program_is_off(merchant, customer, program):
    with at(T0):
        adjust(merchant, customer, 80)
    assert run(add_months(T0, 40)) == {"reminded": 0, "expired": 0}  # expiry_months 0: never
    services.loyalty_settings_update(merchant=merchant, expiry_months=12, enabled=False)
    assert run(add_months(T0, 40)) == {"reminded": 0, "expired": 0}
    assert account_of(merchant, customer).available == 80


def test_an_activity_between_reading_and_expiring_keeps_the_points(merchant, customer, expiring):
    """The expiry checks the last activity again under the account's lock."""
    with at(T0):
        adjust(merchant, customer, 80)
    run(add_months(T0, 12) - timedelta(days=30))
    account = account_of(merchant, customer)
    account.last_activity_at = T0
    with at(add_months(T0, 12) - timedelta(days=1)):
        adjust(merchant, customer, 1, key="staff:late")
    with at(add_months(T0, 12)), merchant_scope(merchant):
        assert expiry._expire(account) is None
    assert account_of(merchant, customer).available == 81


def test_each_shop_expires_its_own_accounts(merchant, customer, other_merchant, other_customer, expiring):
    with at(T0):
        adjust(merchant, customer, 80)
        adjust(other_merchant, other_customer, 80, key="staff:other")
    run(add_months(T0, 12) - timedelta(days=30))
    run(add_months(T0, 12))
    assert account_of(merchant, customer).available == 0
    assert account_of(other_merchant, other_customer).available == 80
    with unscoped():
        assert {entry.merchant_id for entry in ExpiryReminder.objects.all()} == {merchant.pk}


def test_a_year_of_one_customer_pending_available_reminded_expired(merchant, customer, expiring):
    order_day = T0
    earn_at(merchant, customer, order_day)
    kinds = [entry.kind for entry in entries_of(merchant, customer)]
    assert kinds == [EntryKind.EARNED, EntryKind.AVAILABLE]
    for month in range(1, 14):
        run(add_months(order_day, month) - timedelta(days=30))
        run(add_months(order_day, month))
    assert [entry.kind for entry in entries_of(merchant, customer)] == [
        EntryKind.EARNED,
        EntryKind.AVAILABLE,
        EntryKind.EXPIRED,
    ]
    assert len(reminders_recorded(merchant)) == 1


def test_the_settings_take_an_expiry_in_months(staff_client, merchant):
    assert staff_client.post("/app/loyalty/settings/", {**SETTINGS, "expiry_months": "12"}).status_code == 302
    assert services.loyalty_settings(merchant).expiry_months == 12
    assert staff_client.post("/app/loyalty/settings/", {**SETTINGS, "expiry_months": ""}).status_code == 302
    assert services.loyalty_settings(merchant).expiry_months == 0


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"expiry_months": "-1"}, "greater than or equal to 0"),
        ({"expiry_months": "121"}, "less than or equal to 120"),
        ({"expiry_months": "soon"}, "Enter a whole number"),
        ({"expiry_months": "2"}, "with points pending for 30 days, choose at least 3 months"),
        ({"expiry_months": "12", "pending_days": "365"}, "choose at least 15 months"),
    ],
)
def test_bad_expiry_settings_are_refused_and_nothing_changes(staff_client, merchant, form, message):
    answer = staff_client.post("/app/loyalty/settings/", {**SETTINGS, **form})
    assert answer.status_code == 400
    assert message in answer.content.decode()
    with merchant_scope(merchant):
        assert not LoyaltySettings.objects.exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "Points expire after 12 months without earning or using any. We email you 30 days before."),
        ("fr", "Les points expirent après 12 mois sans en gagner ni en utiliser."),
    ],
)
def test_the_loyalty_page_tells_the_customer_when_points_expire(merchant, customer, expiring, language, words):
    html = Client().get(f"/points/{links.customer_token(customer)}/?lang={language}").content.decode()
    assert words in html


def test_the_loyalty_page_says_nothing_of_expiry_when_points_never_expire(merchant, customer, program):
    assert "points-expiry" not in Client().get(f"/points/{links.customer_token(customer)}/").content.decode()
