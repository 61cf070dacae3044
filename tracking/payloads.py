"""A shipment as outbound webhooks carry it, next to its order."""

from orders.models import OrderEvent
from orders.payloads import event_own_fields, iso, order_data, order_for_event

from .models import Shipment


def shipment_data(shipment: Shipment) -> dict:
    return {
        "id": shipment.pk,
        "order_id": shipment.order_id,
        "external_id": shipment.external_id,
        "carrier": shipment.carrier,
        "service": shipment.service,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
        "status": shipment.status,
        "substatus": shipment.substatus,
        "shipped_at": iso(shipment.shipped_at),
        "delivered_at": iso(shipment.delivered_at),
        "estimated_delivery_from": shipment.estimated_delivery_from.isoformat()
        if shipment.estimated_delivery_from
        else None,
        "estimated_delivery_to": shipment.estimated_delivery_to.isoformat() if shipment.estimated_delivery_to else None,
        "is_delayed": shipment.is_delayed,
        "delay_reason": shipment.delay_reason,
    }


def shipment_event_data(event: OrderEvent) -> dict:
    """The data of a shipment.* webhook: the event's own fields, the order and the shipment as they are now."""
    order = order_for_event(event)
    shipment_id = (event.payload or {}).get("shipment_id")
    shipment = Shipment.objects.filter(pk=shipment_id).first() if shipment_id else None
    return {
        **event_own_fields(event),
        "order": order_data(order) if order else None,
        "shipment": shipment_data(shipment) if shipment else None,
    }
