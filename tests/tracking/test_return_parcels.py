"""Return parcels in tracking: tracked like any parcel, but out of `Shipment.objects` and recording
`return_parcel.*` events instead of `shipment.*` ones (tracking/services.py: shipment_event_kind)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from core.event_kinds import event_kind, event_kinds
from core.scoping import merchant_scope
from orders.models import OrderEvent
from tracking.models import Shipment, ShipmentDirection
from tracking.serializers import shipments_order_section
from tracking.services import (
    ProviderEvent,
    ReturnParcelError,
    provider_events_apply,
    return_shipment_create,
    shipment_upsert,
)
from tracking.tasks import check_delays

from .conftest import PLACED

NUMBER = "RB123456785GB"
pytestmark = pytest.mark.django_db


def kinds(merchant):
    with merchant_scope(merchant):
        return list(OrderEvent.objects.order_by("id").values_list("kind", flat=True))


def apply(merchant, status, at, number=NUMBER):
    return provider_events_apply(
        merchant=merchant,
        source="easypost",
        tracking_number=number,
        events=[ProviderEvent(status=status, occurred_at=at, description=status)],
    )


def test_a_return_parcel_is_created_once_per_order_and_number(merchant, order):
    first = return_shipment_create(order, "rb 1234 5678 5gb")
    again = return_shipment_create(order, NUMBER, "Royal Mail")
    assert again.pk == first.pk and first.direction == ShipmentDirection.RETURN and first.carrier == "royal_mail"
    assert kinds(merchant) == ["return_parcel.created"]


def test_the_outgoing_parcels_number_is_no_return_parcel(merchant, order):
    shipment_upsert(merchant=merchant, order=order, tracking_number=NUMBER)
    with pytest.raises(ReturnParcelError):
        return_shipment_create(order, NUMBER)


def test_shipment_objects_and_the_orders_shipments_hold_the_outgoing_parcels_only(merchant, order):
    outgoing = shipment_upsert(merchant=merchant, order=order, tracking_number="3318810025")
    back = return_shipment_create(order, NUMBER)
    with merchant_scope(merchant):
        assert list(Shipment.objects.all()) == [outgoing]
        assert list(order.shipments.all()) == [outgoing]
        assert set(Shipment.all_directions.all()) == {outgoing, back}
        section = shipments_order_section()
        prefetched = type(order).objects.prefetch_related(section.prefetch(merchant)).get(pk=order.pk)
        assert [s.pk for s in prefetched.shipments.all()] == [outgoing.pk]  # the order's API JSON


def test_provider_scans_reach_a_return_parcel_as_return_parcel_events(merchant, order):
    back = return_shipment_create(order, NUMBER)
    shipped = timezone.now().replace(microsecond=0) - timedelta(days=2)
    assert apply(merchant, "in_transit", shipped).added == 1
    assert apply(merchant, "delivered", shipped + timedelta(days=1)).added == 1
    assert apply(merchant, "delivered", shipped + timedelta(days=1)).duplicates == 1  # a redelivered webhook
    with merchant_scope(merchant):
        back = Shipment.all_directions.get(pk=back.pk)
    assert back.status == "delivered" and back.shipped_at == shipped
    assert back.delivered_within_window is None  # no on-time figure for a parcel coming back
    assert kinds(merchant) == [
        "return_parcel.created",
        "return_parcel.status_changed",
        "return_parcel.status_changed",
        "return_parcel.delivered",
    ]


def test_the_delay_sweep_checks_return_parcels_and_records_a_return_parcel_delay(merchant, order):
    back = return_shipment_create(order, NUMBER)
    apply(merchant, "in_transit", PLACED + timedelta(days=1))
    check_delays(now_iso=(PLACED + timedelta(days=8)).isoformat())
    with merchant_scope(merchant):
        assert Shipment.all_directions.get(pk=back.pk).is_delayed
    assert "return_parcel.delayed" in kinds(merchant) and "shipment.delayed" not in kinds(merchant)


def test_return_parcel_kinds_are_on_timelines_but_not_offered_to_webhooks():
    assert event_kind("return_parcel.delivered") is not None
    offered = {entry.kind for entry in event_kinds(webhook=True)}
    assert not {kind for kind in offered if kind.startswith("return_parcel.")}
    assert "shipment.delivered" in offered


def test_a_malformed_number_is_refused(merchant, order):
    for number in ("", "   ", "AB-12/34", "X" * 65):
        with pytest.raises(ReturnParcelError):
            return_shipment_create(order, number)
    with merchant_scope(merchant):
        assert not Shipment.all_directions.exists()


def test_return_parcel_scan_before_the_order_is_refused_like_any_other(merchant, order):
    return_shipment_create(order, NUMBER)
    result = apply(merchant, "in_transit", datetime(2020, 1, 1, tzinfo=UTC))
    assert result.added == 0 and len(result.rejected) == 1
