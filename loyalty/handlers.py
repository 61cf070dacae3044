"""What loyalty does when an order event is published (subscribed in apps.py).

Each handler is idempotent: the entries' keys come from the event's cause (the order's placement,
its restoration number, the refund), so a redelivered event adds nothing.
"""

from core.scoping import merchant_scope
from orders.models import OrderEvent, Refund

from . import services


def on_order_event(event: OrderEvent) -> None:
    handler = HANDLERS.get(event.kind)
    if handler is None or event.order_id is None:
        return
    with merchant_scope(event.merchant):
        handler(event)


def _created(event: OrderEvent) -> None:
    services.points_earn_for_order(order=event.order)


def _restored(event: OrderEvent) -> None:
    services.points_earn_for_order(order=event.order, restoration=services.restoration_number(event))


def _cancelled(event: OrderEvent) -> None:
    services.points_cancel_for_order(order=event.order)


def _refunded(event: OrderEvent) -> None:
    refund = Refund.objects.select_related("order").filter(pk=event.payload.get("refund_id")).first()
    if refund is not None:
        services.points_reverse_for_refund(refund=refund)


HANDLERS = {
    "order.created": _created,
    "order.restored": _restored,
    "order.cancelled": _cancelled,
    "order.refunded": _refunded,
}
