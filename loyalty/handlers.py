"""What loyalty does when an order event is published (subscribed in apps.py).

Each handler is idempotent: the entries' keys come from the event's cause (the order's placement,
its restoration number, the refund), so a redelivered event adds nothing.
"""

from core.scoping import merchant_scope, unscoped
from orders.events import batch_memo, publish_memo
from orders.models import OrderEvent, Refund
from returns.models import ReturnRequest

from . import perks, services
from .models import Account, LoyaltySettings

EARNING = {"order.created", "order.restored"}


def on_order_event(event: OrderEvent) -> None:
    handler = HANDLERS.get(event.kind)
    if handler is None or event.order_id is None:
        return
    if event.kind in EARNING and not _program_on(event.merchant_id):
        return  # nothing to earn: no query per order while the program is off (most shops)
    if event.kind not in EARNING and not _points_to_take_back(event.merchant_id):
        return
    with merchant_scope(event.merchant):
        handler(event)


def _created(event: OrderEvent) -> None:
    services.points_earn_for_order(order=event.order)


def _restored(event: OrderEvent) -> None:
    services.points_earn_for_order(order=event.order, restoration=services.restoration_number(event))


def _cancelled(event: OrderEvent) -> None:
    services.points_cancel_for_order(order=event.order)
    perks.order_bonus_take_back(event.order)


def _refunded(event: OrderEvent) -> None:
    refund = Refund.objects.select_related("order").filter(pk=event.payload.get("refund_id")).first()
    if refund is not None:
        services.points_reverse_for_refund(refund=refund)
        perks.order_bonus_take_back_if_all_back(refund.order)


HANDLERS = {
    "order.created": _created,
    "order.restored": _restored,
    "order.cancelled": _cancelled,
    "order.refunded": _refunded,
}


def on_return_resolved(event: OrderEvent) -> None:
    """Subscriber of return.resolved (apps.py): every resolution takes back the share it gives back.

    Points earned stay points when the program is turned off, so returns take them back as refunds do.
    """
    if event.order_id is None or not _points_to_take_back(event.merchant_id):
        return
    request = batch_memo(("loyalty-returns",), _resolved_returns, event).get(event.payload.get("id"))
    if request is None:
        return
    with merchant_scope(event.merchant):
        services.points_reverse_for_return(request=request)
        perks.order_bonus_take_back_if_all_back(request.order)


def _resolved_returns(events: list[OrderEvent]) -> dict:
    """The returns resolved in a batch, with their order and items, by id: one read for the batch."""
    ids = [event.payload.get("id") for event in events if event.kind == "return.resolved"]
    with unscoped():
        found = ReturnRequest.objects.filter(pk__in=[pk for pk in ids if isinstance(pk, int)])
        return {
            request.pk: request
            for request in found.select_related("order__customer", "order__merchant").prefetch_related("items")
        }


def _program_on(merchant_id: int) -> bool:
    """Whether the shop runs the program, read once per publishing pass."""

    def read() -> bool:
        with unscoped():
            return LoyaltySettings.objects.filter(merchant_id=merchant_id, enabled=True).exists()

    return publish_memo(("loyalty-on", merchant_id), read)


def _points_to_take_back(merchant_id: int) -> bool:
    """Whether the shop's points could be taken back: its program runs, or it ran once and left accounts.

    With the program off nothing earns, so no account appears during the pass and the memo stays true.
    """
    return _program_on(merchant_id) or _has_members(merchant_id)


def _has_members(merchant_id: int) -> bool:
    def read() -> bool:
        with unscoped():
            return Account.objects.filter(merchant_id=merchant_id).exists()

    return publish_memo(("loyalty-members", merchant_id), read)
