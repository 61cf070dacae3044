"""Fan-out of order events to outbound webhook endpoints: who gets what, once."""

import json
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from core.scoping import merchant_scope, unscoped
from orders.events import event_publish, event_record
from orders.models import OrderEvent
from outbound import services as webhooks
from outbound.models import OutboundMessage, WebhookEndpoint
from tests.factories import LineItemFactory, OrderFactory
from tracking.models import Shipment

from .outbound_support import endpoint_for, publish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_private")]

URL = "http://127.0.0.1:9/hook"  # never called in these tests: deliveries stay queued


@pytest.fixture
def order(merchant):
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant, number="#2001", external_id="450789469")
        LineItemFactory(order=order, sku="TEE-M", title="Tee", quantity=2)
        return order


@pytest.fixture
def shipment(merchant, order):
    with merchant_scope(merchant):
        return Shipment.objects.create(
            merchant=merchant,
            order=order,
            carrier="colissimo",
            tracking_number="6A12345678901",
            status="in_transit",
            shipped_at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
        )


def messages_of(merchant):
    with merchant_scope(merchant):
        return list(OutboundMessage.objects.select_related("endpoint").order_by("id"))


def test_one_message_per_subscribed_endpoint(merchant, order):
    everything = endpoint_for(merchant, URL, ["*"]).endpoint
    orders_only = endpoint_for(merchant, URL, ["order.*"]).endpoint
    exact = endpoint_for(merchant, URL, ["order.created"]).endpoint
    shipments_only = endpoint_for(merchant, URL, ["shipment.*"]).endpoint
    disabled = endpoint_for(merchant, URL, ["*"]).endpoint
    webhooks.endpoint_disable(endpoint=disabled, reason=WebhookEndpoint.DisabledReason.MANUAL)

    publish(merchant, "order.created", order=order, payload={"order_id": order.pk})

    got = {message.endpoint_id for message in messages_of(merchant)}
    assert got == {everything.pk, orders_only.pk, exact.pk}
    assert shipments_only.pk not in got and disabled.pk not in got


def test_publishing_the_same_event_twice_creates_one_message(merchant, order):
    endpoint_for(merchant, URL, ["*"])
    event = publish(merchant, "order.created", order=order, payload={"order_id": order.pk})
    with unscoped():  # the sweep republishes an event whose fan-out did not complete
        OrderEvent.objects.filter(pk=event.pk).update(published_at=None)
    event_publish(event_id=event.pk)
    with merchant_scope(merchant):
        assert webhooks.event_fan_out(OrderEvent.objects.get(pk=event.pk)) == []
    assert len(messages_of(merchant)) == 1


def test_unique_constraint_backs_the_idempotency(merchant, order):
    from django.db import IntegrityError, transaction

    endpoint = endpoint_for(merchant, URL, ["*"]).endpoint
    event = publish(merchant, "order.created", order=order, payload={"order_id": order.pk})
    with merchant_scope(merchant), pytest.raises(IntegrityError), transaction.atomic():
        OutboundMessage.objects.create(
            merchant=merchant,
            endpoint=endpoint,
            event=event,
            message_id="msg_dup",
            event_type="order.created",
            body="{}",
        )


def test_event_types_outside_the_catalogue_are_not_sent(merchant, order):
    endpoint_for(merchant, URL, ["*"])
    publish(merchant, "order.refunded", order=order, payload={"order_id": order.pk, "amount": "5.00"})
    assert messages_of(merchant) == []


def test_other_merchants_endpoints_get_nothing(merchant, other_merchant, order):
    endpoint_for(other_merchant, URL, ["*"])
    publish(merchant, "order.created", order=order, payload={"order_id": order.pk})
    assert messages_of(merchant) == []
    assert messages_of(other_merchant) == []


def test_order_body(merchant, order):
    endpoint_for(merchant, URL, ["*"])
    event = publish(merchant, "order.updated", order=order, payload={"order_id": order.pk, "changed": ["email"]})
    [message] = messages_of(merchant)
    body = json.loads(message.body)
    assert body["type"] == "order.updated"
    assert body["timestamp"] == event.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    data = body["data"]
    assert data["changed"] == ["email"]
    assert "order_id" not in data
    assert data["order"]["id"] == order.pk
    assert data["order"]["external_id"] == "450789469"
    assert data["order"]["number"] == "#2001"
    assert data["order"]["total"] == "54.80"
    assert data["order"]["currency"] == "EUR"
    assert data["order"]["customer"]["email"] == order.customer.email
    with merchant_scope(merchant):
        line_item_id = order.line_items.get().pk
    assert data["order"]["line_items"] == [
        {
            "id": line_item_id,
            "external_id": "",
            "sku": "TEE-M",
            "title": "Tee",
            "variant_title": "",
            "quantity": 2,
            "quantity_refunded": 0,
            "unit_price": "49.90",
        }
    ]
    assert message.event_type == "order.updated"
    assert message.message_id.startswith("msg_")


def test_shipment_body(merchant, order, shipment):
    endpoint_for(merchant, URL, ["shipment.status_changed"])
    publish(
        merchant,
        "shipment.status_changed",
        order=order,
        payload={"shipment_id": shipment.pk, "order_id": order.pk, "from": "info_received", "to": "in_transit"},
    )
    [message] = messages_of(merchant)
    data = json.loads(message.body)["data"]
    assert (data["from"], data["to"]) == ("info_received", "in_transit")
    assert data["shipment"]["id"] == shipment.pk
    assert data["shipment"]["carrier"] == "colissimo"
    assert data["shipment"]["tracking_number"] == "6A12345678901"
    assert data["shipment"]["shipped_at"] == "2025-03-01T09:30:00Z"
    assert data["order"]["shipments"][0]["id"] == shipment.pk
    assert "shipment_id" not in data


def test_guest_order_and_missing_rows_give_nulls(merchant):
    with merchant_scope(merchant):
        guest = OrderFactory(merchant=merchant, customer=None, email="guest@example.org")
    endpoint_for(merchant, URL, ["*"])
    publish(
        merchant,
        "shipment.delayed",
        order=guest,
        payload={"shipment_id": 999999, "order_id": guest.pk, "reason": "late"},
    )
    data = json.loads(messages_of(merchant)[0].body)["data"]
    assert data["order"]["customer"] is None
    assert data["order"]["email"] == "guest@example.org"
    assert data["shipment"] is None
    assert data["reason"] == "late"


def test_end_to_end_from_a_service_transaction(merchant, order, receiver, django_capture_on_commit_callbacks):
    """event_record in a transaction -> after commit published -> fanned out -> delivered."""
    from django.db import transaction

    endpoint_for(merchant, receiver.url(), ["order.cancelled"])
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic(), merchant_scope(merchant):
            event_record(
                merchant=merchant,
                kind="order.cancelled",
                order=order,
                payload={"order_id": order.pk, "reason": "customer"},
            )
    assert len(receiver.received) == 1
    assert json.loads(receiver.received[0].body)["data"]["reason"] == "customer"
    [message] = messages_of(merchant)
    assert message.status == OutboundMessage.Status.SUCCEEDED
    assert message.delivered_at <= timezone.now()


@pytest.mark.parametrize(
    ("patterns", "event_type", "matches"),
    [
        (["*"], "shipment.delayed", True),
        (["shipment.*"], "shipment.delayed", True),
        (["shipment.*"], "order.created", False),
        (["order.created"], "order.created", True),
        (["order.created"], "order.cancelled", False),
        (["order.*", "shipment.delivered"], "shipment.delivered", True),
    ],
)
def test_subscription_matching(patterns, event_type, matches):
    assert webhooks.subscription_matches(patterns, event_type) is matches


def test_a_pass_reads_the_endpoints_once_per_batch(merchant, monkeypatch):
    """Fresh for each batch (its events were committed before it was claimed), never for each event."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from orders import events

    endpoint_for(merchant, URL, ["*"])
    monkeypatch.setattr(events, "BATCH_SIZE", 3)
    with merchant_scope(merchant):
        for _ in range(6):
            order = OrderFactory(merchant=merchant)
            event_record(merchant=merchant, kind="order.created", order=order, payload={"order_id": order.pk})

    with CaptureQueriesContext(connection) as queries:
        assert events.events_publish_pending() == 6
    table = WebhookEndpoint._meta.db_table
    reads = [q for q in queries.captured_queries if q["sql"].startswith(f'SELECT "{table}"')]
    assert len(reads) == 2
    assert len(messages_of(merchant)) == 6


@pytest.mark.parametrize("with_data", [True, False])
def test_an_event_about_a_customer_is_sent_only_when_its_kind_has_a_payload(merchant, with_data):
    from core.event_kinds import EventKind, event_kind_register, event_kind_unregister
    from tests.factories import CustomerFactory

    def points_data(event):  # what a loyalty app's builder would give: the event names no order
        return {"customer_id": event.customer_id, "anchor_key": event.anchor_key, "order": event.order_id}

    kind = "test.points_earned"
    event_kind_register(
        EventKind(kind, "Points earned", webhook_data=points_data if with_data else None, customer_anchored=True)
    )
    try:
        endpoint_for(merchant, URL, ["*"])
        with merchant_scope(merchant):
            customer = CustomerFactory(merchant=merchant)
            event = event_record(merchant=merchant, kind=kind, customer=customer, anchor_key="points:42")
        event_publish(event_id=event.pk)
    finally:
        event_kind_unregister(kind)
    sent = messages_of(merchant)
    if not with_data:
        assert sent == []
        return
    [message] = sent
    body = json.loads(message.body)
    assert body["type"] == kind
    assert body["data"] == {"customer_id": customer.pk, "anchor_key": "points:42", "order": None}
