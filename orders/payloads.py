"""An order as outbound webhooks carry it: the `order` object of every event's data."""

from datetime import UTC, datetime

from core.money import amount_str

from .models import Order, OrderEvent


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def order_data(order: Order) -> dict:
    customer = order.customer
    return {
        "id": order.pk,
        "external_id": order.external_id,
        "number": order.number,
        "placed_at": iso(order.placed_at),
        "email": order.email,
        "currency": order.currency,
        "subtotal": amount_str(order.subtotal, order.currency),
        "shipping": amount_str(order.shipping, order.currency),
        "tax": amount_str(order.tax, order.currency),
        "discount": amount_str(order.discount, order.currency),
        "total": amount_str(order.total, order.currency),
        "refunded_amount": amount_str(order.refunded_amount, order.currency),
        "financial_status": order.financial_status,
        "fulfillment_status": order.fulfillment_status,
        "cancelled_at": iso(order.cancelled_at),
        "cancel_reason": order.cancel_reason,
        "source_platform": order.source_platform,
        "discount_codes": list(order.discount_codes or []),
        "payment_gateways": list(order.payment_gateways or []),
        "exchange_for_rma": order.exchange_for_rma,
        "customer": None
        if customer is None
        else {
            "id": customer.pk,
            "external_id": customer.external_id,
            "email": customer.email,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "language": customer.language,
        },
        "shipping_address": {
            "name": order.shipping_name,
            "address1": order.shipping_address1,
            "address2": order.shipping_address2,
            "city": order.shipping_city,
            "postal_code": order.shipping_postal_code,
            "country": order.shipping_country,
        },
        "line_items": [
            {
                "id": item.pk,
                "external_id": item.external_id,
                "sku": item.sku,
                "title": item.title,
                "variant_title": item.variant_title,
                "quantity": item.quantity,
                "quantity_refunded": item.quantity_refunded,
                "unit_price": amount_str(item.unit_price, order.currency),
            }
            for item in order.line_items.all()
        ],
        "shipments": [
            {
                "id": shipment.pk,
                "carrier": shipment.carrier,
                "tracking_number": shipment.tracking_number,
                "tracking_url": shipment.tracking_url,
                "status": shipment.status,
            }
            for shipment in order.shipments.all()
        ],
    }


def event_own_fields(event: OrderEvent) -> dict:
    """The event's payload without the ids its objects stand for."""
    return {key: value for key, value in (event.payload or {}).items() if key not in ("order_id", "shipment_id")}


def order_for_event(event: OrderEvent) -> Order | None:
    order_id = event.order_id or (event.payload or {}).get("order_id")
    if not order_id:
        return None
    return (
        Order.objects.select_related("customer").prefetch_related("line_items", "shipments").filter(pk=order_id).first()
    )


def order_event_data(event: OrderEvent) -> dict:
    """The data of an order.* webhook: the event's own fields and the order as it is now."""
    order = order_for_event(event)
    return {**event_own_fields(event), "order": order_data(order) if order else None}
