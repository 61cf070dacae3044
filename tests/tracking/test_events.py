"""tracking_event_add and the status rules: every source goes through it."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.scoping import merchant_scope
from orders.models import OrderEvent
from tracking.models import Shipment, ShipmentStatus, TrackingEvent
from tracking.services import TrackingEventError, shipment_upsert, tracking_event_add
from tracking.status import FoldedEvent, fold

from .conftest import PLACED

S = ShipmentStatus
T0 = PLACED + timedelta(hours=5)


@pytest.fixture
def shipment(merchant, order):
    return shipment_upsert(merchant=merchant, order=order, tracking_number="3318810025", shipped_at=T0)


def add(merchant, shipment, status, hours, description="", **extra):
    return tracking_event_add(
        merchant=merchant,
        shipment=shipment,
        status=status,
        occurred_at=T0 + timedelta(hours=hours),
        source="api",
        description=description,
        **extra,
    )


def reload(merchant, shipment) -> Shipment:
    with merchant_scope(merchant):
        return Shipment.objects.get(pk=shipment.pk)


def kinds(merchant):
    with merchant_scope(merchant):
        return list(OrderEvent.objects.order_by("id").values_list("kind", "payload"))


def test_status_follows_the_newest_event_and_records_the_change(merchant, shipment):
    event, created = add(merchant, shipment, S.IN_TRANSIT, 1, "Parcel picked up", city="Lyon", country="fr")
    assert created and event.country == "FR"
    fresh = reload(merchant, shipment)
    assert fresh.status == S.IN_TRANSIT
    assert fresh.last_event_at == T0 + timedelta(hours=1)
    changes = [p for k, p in kinds(merchant) if k == "shipment.status_changed"]
    assert changes == [
        {"shipment_id": shipment.pk, "order_id": shipment.order_id, "from": "pending", "to": "in_transit"}
    ]


def test_duplicate_event_is_ignored(merchant, shipment):
    first, created = add(merchant, shipment, S.IN_TRANSIT, 1, "Picked up")
    again, created_again = add(merchant, shipment, S.IN_TRANSIT, 1, "Picked up")
    assert created and not created_again and again.pk == first.pk
    with merchant_scope(merchant):
        assert TrackingEvent.objects.count() == 1
    assert [k for k, _p in kinds(merchant)].count("shipment.status_changed") == 1


def test_late_old_event_never_moves_the_status_backwards(merchant, shipment):
    add(merchant, shipment, S.OUT_FOR_DELIVERY, 30)
    add(merchant, shipment, S.IN_TRANSIT, 2)  # older, arrives late
    fresh = reload(merchant, shipment)
    assert fresh.status == S.OUT_FOR_DELIVERY
    assert fresh.last_event_at == T0 + timedelta(hours=30)


def test_delivered_is_final_and_sets_delivered_at(merchant, shipment):
    add(merchant, shipment, S.DELIVERED, 48)
    add(merchant, shipment, S.IN_TRANSIT, 50)  # a stray later scan
    fresh = reload(merchant, shipment)
    assert fresh.status == S.DELIVERED
    assert fresh.delivered_at == T0 + timedelta(hours=48)
    delivered = [p for k, p in kinds(merchant) if k == "shipment.delivered"]
    assert delivered == [
        {"shipment_id": shipment.pk, "order_id": shipment.order_id, "delivered_at": fresh.delivered_at.isoformat()}
    ]


def test_late_delivered_event_still_wins_over_a_newer_transit_scan(merchant, shipment):
    add(merchant, shipment, S.IN_TRANSIT, 50)
    add(merchant, shipment, S.DELIVERED, 48)
    assert reload(merchant, shipment).status == S.DELIVERED


def test_return_to_sender_after_delivery_reopens(merchant, shipment):
    add(merchant, shipment, S.DELIVERED, 48)
    add(merchant, shipment, S.RETURNING_TO_SENDER, 60)
    fresh = reload(merchant, shipment)
    assert fresh.status == S.RETURNING_TO_SENDER
    assert fresh.delivered_at is None


def test_first_moving_event_sets_shipped_at_when_unknown(merchant, order):
    shipment = shipment_upsert(merchant=merchant, order=order, tracking_number="3318810025")
    with merchant_scope(merchant):
        Shipment.objects.filter(pk=shipment.pk).update(shipped_at=None)
    add(merchant, shipment, S.INFO_RECEIVED, 1)
    assert reload(merchant, shipment).shipped_at is None
    add(merchant, shipment, S.IN_TRANSIT, 3)
    assert reload(merchant, shipment).shipped_at == T0 + timedelta(hours=3)


@pytest.mark.parametrize(
    ("status", "occurred_at", "country", "field"),
    [
        ("in_transit", datetime.now(UTC) + timedelta(hours=2), "", "occurred_at"),
        ("in_transit", PLACED - timedelta(days=1), "", "occurred_at"),
        ("in_transit", datetime(2025, 3, 4, 10, 0), "", "occurred_at"),  # naive
        ("teleported", T0, "", "status"),
        ("in_transit", T0, "FRA", "country"),
    ],
)
def test_bad_events_are_refused_and_change_nothing(merchant, shipment, status, occurred_at, country, field):
    with pytest.raises(TrackingEventError) as caught:
        tracking_event_add(
            merchant=merchant, shipment=shipment, status=status, occurred_at=occurred_at, country=country, source="api"
        )
    assert field in caught.value.errors
    with merchant_scope(merchant):
        assert TrackingEvent.objects.count() == 0
    assert reload(merchant, shipment).status == S.PENDING


def test_future_error_message_is_actionable(merchant, shipment):
    with pytest.raises(TrackingEventError) as caught:
        add(merchant, shipment, S.IN_TRANSIT, 24 * 365 * 3)
    assert "in the future" in caught.value.errors["occurred_at"]


def test_small_clock_skew_is_accepted(merchant, shipment):
    _event, created = tracking_event_add(
        merchant=merchant,
        shipment=shipment,
        status=S.IN_TRANSIT,
        occurred_at=datetime.now(UTC) + timedelta(minutes=5),
        source="api",
    )
    assert created


def test_carrier_date_becomes_the_window(merchant, shipment):
    day = (T0 + timedelta(days=3)).date()
    add(merchant, shipment, S.IN_TRANSIT, 1, estimated_delivery=day)
    fresh = reload(merchant, shipment)
    assert (fresh.estimated_delivery_from, fresh.estimated_delivery_to, fresh.estimate_source) == (day, day, "carrier")


def test_delivery_inside_and_outside_the_window_is_recorded(merchant, order):
    inside = shipment_upsert(
        merchant=merchant, order=order, external_id="a", tracking_number="3318810025", shipped_at=T0
    )
    outside = shipment_upsert(
        merchant=merchant, order=order, external_id="b", tracking_number="8487135506", shipped_at=T0
    )
    add(merchant, inside, S.DELIVERED, 30)
    add(merchant, outside, S.DELIVERED, 24 * 20)
    assert reload(merchant, inside).delivered_within_window is True
    assert reload(merchant, outside).delivered_within_window is False


def test_tenant_isolation_of_events(merchant, other_merchant, shipment):
    with pytest.raises(Shipment.DoesNotExist):
        tracking_event_add(
            merchant=other_merchant, shipment=shipment, status=S.IN_TRANSIT, occurred_at=T0, source="api"
        )


# --- Property: folding does not depend on arrival order ---------------------------------------------

event_strategy = st.builds(
    FoldedEvent,
    status=st.sampled_from(list(S.values)),
    occurred_at=st.integers(min_value=0, max_value=20).map(lambda h: T0 + timedelta(hours=h)),
    substatus=st.just(""),
    description=st.sampled_from(["", "scan", "hub"]),
)


@settings(max_examples=300, deadline=None)
@given(
    events=st.lists(event_strategy, max_size=12, unique_by=lambda e: (e.status, e.occurred_at, e.description)),
    data=st.data(),
)
def test_any_arrival_order_gives_the_same_status(events, data):
    shuffled = data.draw(st.permutations(events))
    assert fold(shuffled) == fold(events)


@settings(max_examples=200, deadline=None)
@given(events=st.lists(event_strategy, min_size=1, max_size=12))
def test_fold_rules(events):
    folded = fold(events)
    newest = max(e.occurred_at for e in events)
    assert folded.last_event_at == newest
    delivered = [e.occurred_at for e in events if e.status == S.DELIVERED]
    if delivered:
        later_return = [e for e in events if e.status == S.RETURNING_TO_SENDER and e.occurred_at >= min(delivered)]
        if not later_return:
            assert folded.status == S.DELIVERED
    else:
        assert folded.status in {e.status for e in events if e.occurred_at == newest}


@settings(max_examples=25, deadline=None)
@given(
    order_of_arrival=st.permutations(
        [(S.INFO_RECEIVED, 0), (S.IN_TRANSIT, 5), (S.OUT_FOR_DELIVERY, 20), (S.DELIVERED, 26), (S.IN_TRANSIT, 30)]
    )
)
@pytest.mark.django_db
def test_database_path_matches_for_any_arrival_order(order_of_arrival):
    from tests.factories import MerchantFactory, OrderFactory

    shop = MerchantFactory()
    with merchant_scope(shop):
        an_order = OrderFactory(merchant=shop, placed_at=PLACED)
    shipment = shipment_upsert(merchant=shop, order=an_order, tracking_number="3318810025")
    for status, hours in order_of_arrival:
        add(shop, shipment, status, hours)
    assert reload(shop, shipment).status == S.DELIVERED
    with merchant_scope(shop):
        assert OrderEvent.objects.filter(kind="shipment.delivered").count() == 1
