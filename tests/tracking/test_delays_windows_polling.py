"""Delay detection, delivery windows and polling."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from core.scoping import merchant_scope
from orders.models import OrderEvent
from tests.factories import OrderFactory
from tracking import polling, tasks
from tracking.models import Shipment
from tracking.selectors import needs_attention
from tracking.services import (
    ProviderEvent,
    carrier_setting_save,
    shipment_delay_check,
    shipment_upsert,
    tracking_event_add,
)
from tracking.windows import (
    add_business_days,
    business_days_between,
    format_window,
    is_business_day,
    percentile,
    transit_range,
)

from .conftest import PLACED

T1 = PLACED + timedelta(hours=6)


@pytest.fixture(autouse=True)
def _clock(time_machine):
    """Our clock at the time of the test data: delays are measured against now."""
    time_machine.move_to(T1 + timedelta(hours=1), tick=False)
    return time_machine


@pytest.fixture
def shipment(merchant, order):
    shipment = shipment_upsert(merchant=merchant, order=order, tracking_number="3318810025", shipped_at=T1)
    tracking_event_add(merchant=merchant, shipment=shipment, status="in_transit", occurred_at=T1, source="api")
    return shipment


def delayed_events(merchant):
    with merchant_scope(merchant):
        return list(OrderEvent.objects.filter(kind="shipment.delayed").values_list("payload", flat=True))


def test_no_news_for_n_days_marks_delayed_once(merchant, shipment):
    before = shipment_delay_check(merchant=merchant, shipment_id=shipment.pk, now=T1 + timedelta(days=2))
    assert not before.is_delayed
    for hours in (0, 1, 30):  # the periodic check runs again and again
        late = shipment_delay_check(
            merchant=merchant, shipment_id=shipment.pk, now=T1 + timedelta(days=3, hours=1 + hours)
        )
        assert late.is_delayed and late.delay_reason == "no_news"
    assert delayed_events(merchant) == [
        {"shipment_id": shipment.pk, "order_id": shipment.order_id, "reason": "no_news"}
    ]
    with merchant_scope(merchant):
        assert list(needs_attention(merchant=merchant)) == [Shipment.objects.get(pk=shipment.pk)]


def without_window(merchant, shipment):
    with merchant_scope(merchant):
        Shipment.objects.filter(pk=shipment.pk).update(estimated_delivery_from=None, estimated_delivery_to=None)


def test_threshold_per_carrier(merchant, shipment):
    without_window(merchant, shipment)
    carrier_setting_save(merchant=merchant, carrier="dhl", delay_threshold_days=5)
    assert not shipment_delay_check(merchant=merchant, shipment_id=shipment.pk, now=T1 + timedelta(days=4)).is_delayed
    assert shipment_delay_check(
        merchant=merchant, shipment_id=shipment.pk, now=T1 + timedelta(days=5, hours=1)
    ).is_delayed


def test_new_event_clears_the_delay_and_the_same_reason_is_not_told_twice(merchant, shipment, _clock):
    without_window(merchant, shipment)
    shipment_delay_check(merchant=merchant, shipment_id=shipment.pk, now=T1 + timedelta(days=4))
    _clock.move_to(T1 + timedelta(days=4, hours=1), tick=False)
    tracking_event_add(
        merchant=merchant,
        shipment=shipment,
        status="in_transit",
        occurred_at=T1 + timedelta(days=4),
        description="moving",
        source="api",
    )
    with merchant_scope(merchant):
        assert not Shipment.objects.get(pk=shipment.pk).is_delayed
    shipment_delay_check(merchant=merchant, shipment_id=shipment.pk, now=T1 + timedelta(days=8))
    assert len(delayed_events(merchant)) == 1


def test_exception_marks_delayed_at_once(merchant, shipment, _clock):
    _clock.move_to(T1 + timedelta(hours=4), tick=False)
    tracking_event_add(
        merchant=merchant, shipment=shipment, status="exception", occurred_at=T1 + timedelta(hours=3), source="api"
    )
    with merchant_scope(merchant):
        fresh = Shipment.objects.get(pk=shipment.pk)
    assert fresh.is_delayed and fresh.delay_reason == "exception"
    assert [p["reason"] for p in delayed_events(merchant)] == ["exception"]


def test_window_passed(merchant, shipment):
    with merchant_scope(merchant):
        Shipment.objects.filter(pk=shipment.pk).update(
            status="out_for_delivery", estimated_delivery_to=date(2025, 3, 5)
        )
    checked = shipment_delay_check(merchant=merchant, shipment_id=shipment.pk, now=datetime(2025, 3, 6, 9, tzinfo=UTC))
    assert checked.delay_reason == "window_passed"


def test_delivered_is_never_late(merchant, shipment, _clock):
    _clock.move_to(T1 + timedelta(days=2), tick=False)
    tracking_event_add(
        merchant=merchant, shipment=shipment, status="delivered", occurred_at=T1 + timedelta(days=1), source="api"
    )
    assert not shipment_delay_check(merchant=merchant, shipment_id=shipment.pk, now=T1 + timedelta(days=30)).is_delayed


def test_periodic_task_runs_over_merchants(merchant, other_merchant, shipment, other_order):
    theirs = shipment_upsert(merchant=other_merchant, order=other_order, tracking_number="8487135506", shipped_at=T1)
    tracking_event_add(merchant=other_merchant, shipment=theirs, status="in_transit", occurred_at=T1, source="api")
    assert tasks.check_delays((T1 + timedelta(days=10)).isoformat()) == 2
    assert tasks.check_delays((T1 + timedelta(days=10)).isoformat()) == 2
    assert len(delayed_events(merchant)) == 1 and len(delayed_events(other_merchant)) == 1


# --- Windows -------------------------------------------------------------------------------------


def test_business_days():
    monday = date(2025, 3, 3)
    assert business_days_between(monday, date(2025, 3, 4)) == 1
    assert business_days_between(date(2025, 3, 7), date(2025, 3, 10)) == 1  # Friday -> Monday
    assert add_business_days(date(2025, 3, 7), 1) == date(2025, 3, 10)
    assert add_business_days(date(2025, 3, 8), 0) == date(2025, 3, 10)  # handed over on Saturday


def test_public_holidays_of_the_destination_are_not_business_days():
    christmas_eve = date(2026, 12, 24)  # a Thursday; Christmas is a holiday in France, not Boxing Day
    assert add_business_days(christmas_eve, 1, "FR") == date(2026, 12, 28)
    assert add_business_days(christmas_eve, 1, "GB") == date(2026, 12, 29)  # Boxing Day, substituted
    assert add_business_days(christmas_eve, 1) == date(2026, 12, 25)  # no country: weekends only
    assert business_days_between(date(2026, 4, 30), date(2026, 5, 4), "FR") == 1  # 1 May, then a weekend
    assert add_business_days(date(2026, 5, 1), 0, "FR") == date(2026, 5, 4)  # handed over on a holiday
    assert add_business_days(christmas_eve, 1, "ZZ") == date(2026, 12, 25)  # unknown to the calendar


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    days=st.integers(0, 40),
    country=st.sampled_from(["", "FR", "GB", "DE", "NL", "US"]),
)
def test_business_days_round_trip(start, days, country):
    if is_business_day(start, country):
        assert business_days_between(start, add_business_days(start, days, country), country) == days


def test_percentiles_and_default():
    assert transit_range([2] * 19, (1, 3)) == ((1, 3), "default")
    days = [1] * 4 + [2] * 8 + [3] * 6 + [6] * 2
    assert transit_range(days, (1, 3)) == ((percentile(sorted(days), 20), percentile(sorted(days), 80)), "history")
    assert transit_range(days, (1, 3))[0] == (1, 3)


def test_format_window_in_both_languages():
    with time_machine.travel(datetime(2025, 6, 1, tzinfo=UTC)):
        assert (
            format_window(date(2025, 6, 24), date(2025, 6, 26), language="en")
            == "Tue, Jun 24\u2009\u2013\u2009Thu, Jun 26"
        )
        assert (
            format_window(date(2025, 6, 24), date(2025, 6, 26), language="fr")
            == "mar. 24\u2009\u2013\u2009jeu. 26 juin"
        )
        assert format_window(date(2025, 6, 30), date(2025, 7, 2), language="fr") == (
            "lun. 30 juin\u2009\u2013\u2009mer. 2 juil."
        )
        assert format_window(date(2025, 6, 24), date(2025, 6, 24), language="en") == "Tue, Jun 24"


def test_estimate_from_the_merchants_own_history(merchant, _clock):
    _clock.move_to(datetime(2025, 4, 1, tzinfo=UTC), tick=False)
    with merchant_scope(merchant):
        orders = [OrderFactory(merchant=merchant, placed_at=PLACED, shipping_country="BE") for _ in range(21)]
    shipped = datetime(2025, 3, 3, 10, tzinfo=UTC)  # Monday
    for index, past in enumerate(orders[:20]):
        transit = 2 if index < 10 else 4  # 20th percentile 2, 80th percentile 4
        delivered_day = add_business_days(shipped.date(), transit)
        s = shipment_upsert(merchant=merchant, order=past, tracking_number="3318810025", shipped_at=shipped)
        tracking_event_add(
            merchant=merchant,
            shipment=s,
            status="delivered",
            occurred_at=datetime(delivered_day.year, delivered_day.month, delivered_day.day, 12, tzinfo=UTC),
            source="api",
        )
    fresh = shipment_upsert(merchant=merchant, order=orders[20], tracking_number="8487135506", shipped_at=shipped)
    assert fresh.estimate_source == "history"
    assert (fresh.estimated_delivery_from, fresh.estimated_delivery_to) == (date(2025, 3, 5), date(2025, 3, 7))


def test_fewer_than_20_deliveries_use_the_carrier_default_or_the_merchants(merchant, order):
    shipped = datetime(2025, 3, 3, 10, tzinfo=UTC)
    first = shipment_upsert(
        merchant=merchant, order=order, external_id="a", tracking_number="3318810025", shipped_at=shipped
    )
    assert first.estimate_source == "default"
    assert (first.estimated_delivery_from, first.estimated_delivery_to) == (
        date(2025, 3, 4),
        date(2025, 3, 6),
    )  # DHL 1-3
    carrier_setting_save(
        merchant=merchant, carrier="dhl", delay_threshold_days=3, default_transit_min_days=2, default_transit_max_days=5
    )
    second = shipment_upsert(
        merchant=merchant, order=order, external_id="b", tracking_number="8487135506", shipped_at=shipped
    )
    assert (second.estimated_delivery_from, second.estimated_delivery_to) == (date(2025, 3, 5), date(2025, 3, 10))


# --- Polling -------------------------------------------------------------------------------------


class FakeCarrierAPI:
    def __init__(self, answers):
        self.answers = answers
        self.asked = []

    def fetch(self, tracking_number):
        self.asked.append(tracking_number)
        answer = self.answers.get(tracking_number, [])
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def fake_adapter():
    adapter = FakeCarrierAPI({})
    polling.register_adapter("fake-dhl", adapter)
    yield adapter
    polling.unregister_adapter("fake-dhl")


def test_polling_applies_events_for_configured_carriers_only(merchant, order, fake_adapter, _clock):
    _clock.move_to(T1 + timedelta(days=2), tick=False)
    polled = shipment_upsert(
        merchant=merchant, order=order, external_id="a", tracking_number="3318810025", shipped_at=T1
    )
    other_carrier = shipment_upsert(
        merchant=merchant, order=order, external_id="b", tracking_number="RB123456785GB", shipped_at=T1
    )
    fake_adapter.answers["3318810025"] = [
        ProviderEvent(
            status="in_transit", occurred_at=T1 + timedelta(hours=1), description="Hub", city="Leipzig", country="DE"
        ),
        ProviderEvent(status="out_for_delivery", occurred_at=T1 + timedelta(hours=20)),
    ]
    carrier_setting_save(merchant=merchant, carrier="dhl", delay_threshold_days=3, polling_adapter="fake-dhl")
    assert tasks.poll_active_shipments() == 1
    assert tasks.poll_active_shipments() == 1  # polling again adds nothing twice
    assert fake_adapter.asked == ["3318810025", "3318810025"]
    with merchant_scope(merchant):
        assert Shipment.objects.get(pk=polled.pk).status == "out_for_delivery"
        assert Shipment.objects.get(pk=polled.pk).events.count() == 2
        assert Shipment.objects.get(pk=other_carrier.pk).events.count() == 0


def test_polling_error_is_retried_next_run(merchant, order, fake_adapter):
    shipment_upsert(merchant=merchant, order=order, tracking_number="3318810025", shipped_at=T1)
    fake_adapter.answers["3318810025"] = polling.PollingError("quota")
    carrier_setting_save(merchant=merchant, carrier="dhl", delay_threshold_days=3, polling_adapter="fake-dhl")
    assert tasks.poll_active_shipments() == 1


def test_delivered_shipments_are_not_polled(merchant, order, fake_adapter, _clock):
    _clock.move_to(T1 + timedelta(days=2), tick=False)
    s = shipment_upsert(merchant=merchant, order=order, tracking_number="3318810025", shipped_at=T1)
    tracking_event_add(
        merchant=merchant, shipment=s, status="delivered", occurred_at=T1 + timedelta(days=1), source="api"
    )
    carrier_setting_save(merchant=merchant, carrier="dhl", delay_threshold_days=3, polling_adapter="fake-dhl")
    assert tasks.poll_active_shipments() == 0
