"""Back-fill: past orders earn what live earning would have given them, once, under the live keys."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.scoping import merchant_scope, unscoped
from loyalty import services
from loyalty.backfill import points_backfill
from loyalty.models import MemberProfile, PointsEntry
from merchants.models import Role
from orders.events import event_record, events_publish_pending
from tests.factories import CustomerFactory

from .conftest import account_of, entries_of, place, refund
from .test_pages import member
from .test_perks import perks_set

pytestmark = pytest.mark.django_db
OLD = datetime.now(UTC) - timedelta(days=90)
RECENT = datetime.now(UTC) - timedelta(days=5)
SETTINGS_PAGE = "/app/loyalty/settings/"
BACKFILL = "/app/loyalty/settings/backfill/"


def program_on(merchant, **values):
    return services.loyalty_settings_update(
        merchant=merchant,
        enabled=True,
        points_per_unit=values.pop("points_per_unit", 1),
        deduct_discounts=True,
        include_shipping=False,
        include_tax=False,
        pending_days=30,
        **values,
    )


def history(merchant, customer):
    """Two orders placed before the program existed: an old one (90 days) and a recent one (5 days)."""
    old = place(merchant, customer, subtotal="120.00", number="#1001", placed_at=OLD)
    recent = place(merchant, customer, subtotal="80.50", number="#1002", placed_at=RECENT)
    return old, recent


def test_past_orders_earn_as_live_earning_would_have(merchant, customer):
    old, recent = history(merchant, customer)
    assert entries_of(merchant, customer) == []  # the program was off
    program_on(merchant)
    assert points_backfill(merchant=merchant) == 2
    old_entry, recent_entry = sorted(entries_of(merchant, customer), key=lambda e: e.order_id)
    # 120.00 → 120 points, past its 30 pending days: available at once.
    assert (old_entry.key, old_entry.available, old_entry.pending, old_entry.available_on) == (
        f"order:{old.pk}:placed",
        120,
        0,
        None,
    )
    # 80.50 → 80 points (rounded down), pending until placed + 30 days.
    assert (recent_entry.key, recent_entry.pending, recent_entry.available) == (f"order:{recent.pk}:placed", 80, 0)
    assert recent_entry.available_on == RECENT + timedelta(days=30)
    account = account_of(merchant, customer)
    assert (account.available, account.pending, account.debt) == (120, 80, 0)


def test_running_it_twice_and_the_late_webhook_add_nothing(merchant, customer):
    old, _recent = history(merchant, customer)
    program_on(merchant)
    points_backfill(merchant=merchant)
    assert points_backfill(merchant=merchant) == 0
    with merchant_scope(merchant):
        event_record(merchant=merchant, kind="order.created", order=old, payload={"order_id": old.pk, "again": 1})
    events_publish_pending()  # the shop's webhook for the same order, delivered late
    assert len(entries_of(merchant, customer)) == 2
    account = account_of(merchant, customer)
    assert (account.available, account.pending) == (120, 80)


def test_refunds_take_their_share_under_their_own_key(merchant, customer):
    old, recent = history(merchant, customer)
    # order total = subtotal + 25.00 (conftest): 145.00 and 105.50.
    made = refund(merchant, old, "36.25", external_id="r-old")  # a quarter: 30 of the 120 points
    refund(merchant, recent, "52.75", external_id="r-recent")  # half: 40 of the 80 pending points
    program_on(merchant)
    assert points_backfill(merchant=merchant) == 4
    reversals = [entry for entry in entries_of(merchant, customer) if entry.kind == "reversed"]
    by_key = {entry.key: (entry.pending, entry.available, entry.debt) for entry in reversals}
    assert by_key[f"refund:{made.pk}"] == (0, -30, 0)
    assert sorted(by_key.values()) == [(-40, 0, 0), (0, -30, 0)]
    account = account_of(merchant, customer)
    assert (account.available, account.pending) == (90, 40)
    # The refund's webhook redelivered reverses nothing more.
    with merchant_scope(merchant):
        event_record(merchant=merchant, kind="order.refunded", order=old, payload={"refund_id": made.pk, "n": 2})
    events_publish_pending()
    assert len(entries_of(merchant, customer)) == 4
    with merchant_scope(merchant):
        assert sum(e.available for e in PointsEntry.objects.all()) == account_of(merchant, customer).available


def test_since_limits_the_orders_and_other_shops_are_untouched(merchant, other_merchant, customer, other_customer):
    history(merchant, customer)
    place(other_merchant, other_customer, subtotal="50.00", number="#9", placed_at=OLD)
    program_on(merchant)
    program_on(other_merchant)
    assert points_backfill(merchant=merchant, since=RECENT - timedelta(days=1)) == 1
    assert [entry.points for entry in entries_of(merchant, customer)] == [80]
    assert entries_of(other_merchant, other_customer) == []


def test_a_shop_with_the_program_off_is_refused_and_nothing_is_stored(merchant, customer):
    history(merchant, customer)
    with pytest.raises(services.LoyaltyValidationError, match="Switch the program on"):
        points_backfill(merchant=merchant)
    with unscoped():
        assert not PointsEntry.objects.exists()


def test_members_only_shops_award_only_members_who_opened_their_page(merchant, customer):
    history(merchant, customer)
    with merchant_scope(merchant):
        stranger = CustomerFactory(merchant=merchant, email="stranger@example.org")
    place(merchant, stranger, subtotal="60.00", number="#1003", placed_at=OLD)
    program_on(merchant)
    perks_set(merchant, members_only=True)
    with merchant_scope(merchant):
        MemberProfile.objects.create(merchant=merchant, customer=customer, opened_at=datetime.now(UTC))
    assert points_backfill(merchant=merchant) == 2
    assert entries_of(merchant, stranger) == []


def test_queries_per_batch_do_not_grow_with_its_orders(merchant, customer):
    with merchant_scope(merchant):
        customers = [CustomerFactory(merchant=merchant, email=f"c{n}@example.org") for n in range(6)]
    for n, buyer in enumerate(customers[:3]):
        place(merchant, buyer, number=f"#{n}", placed_at=OLD)
    program_on(merchant)
    with CaptureQueriesContext(connection) as few:
        assert points_backfill(merchant=merchant) == 3
    services.loyalty_settings_update(merchant=merchant, enabled=False)
    for n, buyer in enumerate(customers, start=10):
        place(merchant, buyer, number=f"#{n}", placed_at=OLD)
        place(merchant, buyer, number=f"#{n}b", placed_at=OLD)
    program_on(merchant)
    with CaptureQueriesContext(connection) as many:
        assert points_backfill(merchant=merchant) == 12
    assert len(many) == len(few)


# --- The management command --------------------------------------------------------------------------------


def test_the_command_awards_and_says_how_many(merchant, customer):
    history(merchant, customer)
    program_on(merchant)
    out = StringIO()
    call_command("loyalty_backfill", "--merchant", merchant.slug, "--since", "2000-01-01", stdout=out)
    assert out.getvalue().strip() == "2 entries made."
    call_command("loyalty_backfill", "--merchant", merchant.slug, stdout=out)
    assert out.getvalue().strip().endswith("0 entries made.")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--merchant", "nobody"], "No shop has the slug"),
        (["--merchant", "maison-lumiere", "--since", "last week"], "--since: give a date"),
        (["--merchant", "maison-lumiere"], "Switch the program on"),
    ],
)
def test_the_command_refuses_bad_input(merchant, customer, arguments, message):
    history(merchant, customer)
    with pytest.raises(CommandError, match=message):
        call_command("loyalty_backfill", *arguments)
    assert entries_of(merchant, customer) == []


# --- The staff action ---------------------------------------------------------------------------------------


def test_an_admin_awards_past_orders_from_the_settings_page(
    staff_client, merchant, customer, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    history(merchant, customer)
    program_on(merchant)
    assert "Award points for past orders" in staff_client.get(SETTINGS_PAGE).content.decode()
    since = (RECENT - timedelta(days=1)).astimezone(merchant.tzinfo).date().isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(BACKFILL, {"since": since})
    assert response.status_code == 302
    assert [entry.points for entry in entries_of(merchant, customer)] == [80]
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(BACKFILL, {"since": ""})  # the whole history; a double click adds nothing
        staff_client.post(BACKFILL, {"since": ""})
    assert sorted(entry.points for entry in entries_of(merchant, customer)) == [80, 120]


def test_the_action_refuses_bad_input_a_program_off_and_non_admins(client, staff_client, merchant, customer):
    history(merchant, customer)
    response = staff_client.post(BACKFILL, {})
    assert response.status_code == 400
    assert "Switch the program on before awarding points" in response.content.decode()
    program_on(merchant)
    response = staff_client.post(BACKFILL, {"since": "2026-02-30"})
    assert response.status_code == 400 and "Enter a valid date" in response.content.decode()
    assert staff_client.get(BACKFILL).status_code == 405
    viewer = member(client, merchant, Role.AGENT)
    assert viewer.post(BACKFILL, {}).status_code == 403
    assert entries_of(merchant, customer) == []
