"""Order events published in batches schedule exactly what publishing them one by one schedules."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from core.scoping import merchant_scope
from flows.models import ScheduledMessage
from flows.services import default_flows_install
from orders import events
from orders.events import event_record
from tracking.models import Shipment

from .helpers import place_order

pytestmark = pytest.mark.django_db

PLACED = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def journeys(shop) -> None:
    """Three orders: one delivered two days later, one only shipped, one just placed. Nothing published."""
    default_flows_install(merchant=shop)
    for number, stage in ((1, "delivered"), (2, "shipped"), (3, "placed")):
        order = place_order(shop, external_id=f"{number}", customer_external_id=f"c-{number}", placed_at=PLACED)
        if stage == "placed":
            continue
        with merchant_scope(shop):
            shipment = Shipment.objects.create(
                merchant=shop,
                order=order,
                carrier="colissimo",
                tracking_number=f"6A1234567890{number}",
                shipped_at=PLACED + timedelta(days=1),
                status="in_transit",
            )
        event_record(merchant=shop, kind="shipment.created", order=order, payload={"shipment_id": shipment.pk})
        if stage == "delivered":
            delivered_at = PLACED + timedelta(days=2)
            with merchant_scope(shop):
                Shipment.objects.filter(pk=shipment.pk).update(status="delivered", delivered_at=delivered_at)
            event_record(
                merchant=shop,
                kind="shipment.delivered",
                order=order,
                payload={"shipment_id": shipment.pk, "delivered_at": delivered_at.isoformat()},
                occurred_at=delivered_at,
            )


def scheduled(shop) -> list[tuple]:
    with merchant_scope(shop):
        return sorted(
            ScheduledMessage.objects.values_list(
                "order__external_id", "step__key", "status", "skip_reason", "anchor_at", "first_due_at", "due_at"
            ),
            key=lambda row: tuple("" if value is None else str(value) for value in row),  # NPS rows have no order
        )


def test_a_batch_schedules_what_one_by_one_publishing_schedules(merchant, other_merchant, monkeypatch):
    with time_machine.travel(PLACED + timedelta(days=2, hours=1), tick=False):
        journeys(merchant)
        published_in_batches = events.events_publish_pending()
        journeys(other_merchant)
        with monkeypatch.context() as patch:
            patch.setattr(events, "BATCH_SIZE", 1)
            published_one_by_one = events.events_publish_pending()
    # The 6 recorded here, and what subscribers record on the way (the NPS becoming due on delivery).
    assert published_in_batches == published_one_by_one > 6

    batched, one_by_one = scheduled(merchant), scheduled(other_merchant)
    assert batched == one_by_one
    delivered_anchors = {anchor for number, _key, _status, _reason, anchor, _f, _d in batched if number == "1"}
    assert PLACED + timedelta(days=2) in delivered_anchors  # the delivered order's journey moved to its delivery
