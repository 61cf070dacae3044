"""Building orders and events the way the rest of the platform does, for flows tests."""

from datetime import datetime
from decimal import Decimal

from django.core import mail

from core.scoping import merchant_scope
from orders.events import event_publish, event_record
from orders.services import CustomerInput, LineItemInput, OrderInput, order_upsert
from tracking.models import Shipment


def place_order(
    merchant,
    *,
    external_id="1001",
    email="camille@example.org",
    language="fr",
    time_zone="America/New_York",
    placed_at: datetime,
    items=None,
    total="54.80",
    accepts_marketing=True,
    customer_external_id="cust-1",
    currency="EUR",
):
    items = items or [
        LineItemInput(
            title="Bougie Figuier", quantity=1, unit_price="49.90", product_id="p-candle", product_type="candle"
        )
    ]
    data = OrderInput(
        external_id=external_id,
        number=f"#{external_id}",
        placed_at=placed_at,
        currency=currency,
        total=total,
        financial_status="paid",
        line_items=items,
        email=email,
        customer=CustomerInput(
            external_id=customer_external_id,
            email=email,
            first_name="Camille",
            language=language,
            time_zone=time_zone,
            accepts_marketing=accepts_marketing,
        ),
    )
    order, _created = order_upsert(merchant=merchant, data=data)
    return order


def record(merchant, kind, order, payload=None, occurred_at=None):
    """Record an event and publish it as the outbox would (subscribers run, as after commit)."""
    event = event_record(
        merchant=merchant,
        kind=kind,
        order=order,
        payload={"order_id": order.pk, **(payload or {})},
        occurred_at=occurred_at,
    )
    event_publish(event_id=event.pk)
    return event


def publish_pending(merchant):
    """Publish the events a service recorded (order_upsert, order_cancel...)."""
    from orders.models import OrderEvent

    with merchant_scope(merchant):
        ids = list(OrderEvent.objects.filter(published_at__isnull=True).values_list("pk", flat=True))
    for event_id in ids:
        event_publish(event_id=event_id)


def ship(merchant, order, *, at, tracking_number="6A12345678901", carrier="colissimo"):
    with merchant_scope(merchant):
        shipment = Shipment.objects.create(
            merchant=merchant,
            order=order,
            carrier=carrier,
            tracking_number=tracking_number,
            shipped_at=at,
            status="in_transit",
            tracking_url="https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901",
        )
    record(
        merchant,
        "shipment.created",
        order,
        {"shipment_id": shipment.pk, "carrier": carrier, "tracking_number": tracking_number},
        at,
    )
    return shipment


def deliver(merchant, order, shipment, *, at):
    with merchant_scope(merchant):
        Shipment.objects.filter(pk=shipment.pk).update(status="delivered", delivered_at=at)
    record(merchant, "shipment.delivered", order, {"shipment_id": shipment.pk, "delivered_at": at.isoformat()}, at)


def subjects():
    return [m.subject for m in mail.outbox]


MONEY = Decimal
