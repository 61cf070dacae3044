"""wismo_rate: contacts per 100 orders whose first shipment shipped in the period, against the baseline."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from core.scoping import merchant_scope
from support.selectors import wismo_rate, wismo_weeks
from support.services import ContactInput, WeekInput, baseline_weeks_import, support_contact_record
from tests.factories import OrderFactory
from tracking.models import Shipment, TrackingPageView, WismoContact

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("figure_engine")]  # each test on both engines
START, END = datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC)


def shipped(merchant, *moments, direction="outbound", test=False):
    order = OrderFactory(merchant=merchant, test=test)
    for moment in moments:
        Shipment.objects.create(merchant=merchant, order=order, direction=direction, shipped_at=moment)
    return order


def ticket(merchant, external_id, moment, subject):
    support_contact_record(
        merchant=merchant,
        contact=ContactInput(source="zendesk", external_id=external_id, created_at=moment, subject=subject),
    )


@pytest.fixture
def history(scoped):
    """Worked by hand: 4 orders first shipped in the week (a second parcel or a return parcel in the
    week does not make an order count; an order first shipped before the week and a test order do not count)."""
    merchant = scoped
    first = shipped(merchant, datetime(2026, 3, 2, 8, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC))
    shipped(merchant, datetime(2026, 3, 3, tzinfo=UTC))
    shipped(merchant, datetime(2026, 3, 5, tzinfo=UTC))
    shipped(merchant, datetime(2026, 3, 8, 23, tzinfo=UTC))
    shipped(merchant, datetime(2026, 2, 27, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC))  # first parcel before
    shipped(merchant, datetime(2026, 3, 9, tzinfo=UTC))  # the end is excluded
    shipped(merchant, datetime(2026, 3, 4, tzinfo=UTC), direction="return")
    shipped(merchant, datetime(2026, 3, 4, tzinfo=UTC), test=True)  # the shop trying its own checkout
    WismoContact.objects.create(
        merchant=merchant, order=first, reason="late", created_at=datetime(2026, 3, 4, tzinfo=UTC)
    )
    ticket(merchant, "1", datetime(2026, 3, 5, tzinfo=UTC), "Où est ma commande ?")
    ticket(merchant, "2", datetime(2026, 3, 6, tzinfo=UTC), "Facture")  # not WISMO
    ticket(merchant, "3", datetime(2026, 3, 10, tzinfo=UTC), "Where is my order")  # after the period
    for _view in range(6):
        TrackingPageView.objects.create(merchant=merchant, order=first, viewed_at=datetime(2026, 3, 5, tzinfo=UTC))
    return merchant


def test_the_rate_of_a_week_worked_by_hand(history):
    rate = wismo_rate(history, START, END)

    assert (rate.tracking_form_contacts, rate.helpdesk_contacts, rate.contacts, rate.orders_shipped) == (1, 1, 2, 4)
    assert rate.rate == Decimal("50.00")  # 2 contacts × 100 / 4 orders
    assert rate.page_views_per_shipped_order == Decimal("1.5000")  # 6 views / 4 orders
    assert (rate.baseline_rate, rate.reduction) == (None, None)


def test_the_reduction_against_the_imported_baseline(history):
    baseline_weeks_import(
        merchant=history, weeks=[WeekInput(date(2026, 1, 5), 30, 40), WeekInput(date(2026, 1, 12), 50, 60)]
    )

    rate = wismo_rate(history, START, END)

    assert rate.baseline_rate == Decimal("80.00")  # (30 + 50) × 100 / (40 + 60)
    assert rate.reduction == Decimal("0.3750")  # 1 − 50 / 80


def test_a_shop_with_nothing_shipped_has_no_rate_rather_than_an_error(scoped):
    rate = wismo_rate(scoped, START, END)

    assert (rate.orders_shipped, rate.rate, rate.reduction, rate.page_views_per_shipped_order) == (0, None, None, None)


def test_weeks_are_the_shops_local_weeks(history):
    history.time_zone = "Pacific/Auckland"  # 2026-03-08 23:00 UTC is Monday 9 March there
    history.save()

    weeks = wismo_weeks(history, date(2026, 3, 2), 2)

    assert [(week.week, week.orders_shipped) for week in weeks] == [(date(2026, 3, 2), 3), (date(2026, 3, 9), 2)]


def test_the_rate_takes_five_queries(history, django_assert_num_queries):
    with django_assert_num_queries(5):
        wismo_rate(history, START, END)


def test_another_shops_contacts_and_parcels_do_not_count(history, other_merchant):
    with merchant_scope(other_merchant):
        order = shipped(other_merchant, datetime(2026, 3, 3, tzinfo=UTC))
        WismoContact.objects.create(merchant=other_merchant, order=order, reason="late", created_at=START)
        rate = wismo_rate(other_merchant, START, END)

    assert (rate.contacts, rate.orders_shipped) == (1, 1)
    assert wismo_rate(history, START, END).orders_shipped == 4
