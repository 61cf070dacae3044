"""Recording order events and fanning them out after commit.

Services call `event_record(...)` inside their transaction. After commit the event is
published: every subscriber registered for its kind runs (flows schedule emails,
outbound webhooks queue deliveries). Subscribers must be idempotent: an event may be
published again by the sweep if a worker died half-way.

Apps subscribe in their AppConfig.ready():

    from orders.events import subscribe
    subscribe("shipment.", my_handler)       # every kind starting with "shipment."
    subscribe("*", my_handler)               # every kind
"""

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from merchants.models import Merchant
from merchants.scoping import merchant_scope, unscoped

from .cache_version import order_cache_version_bump
from .models import Order, OrderEvent

logger = logging.getLogger(__name__)

Subscriber = Callable[[OrderEvent], None]
_subscribers: list[tuple[str, Subscriber]] = []


def subscribe(kind_prefix: str, handler: Subscriber) -> None:
    if (kind_prefix, handler) not in _subscribers:
        _subscribers.append((kind_prefix, handler))


def subscribers_for(kind: str) -> list[Subscriber]:
    return [h for prefix, h in _subscribers if prefix == "*" or kind == prefix or kind.startswith(prefix)]


def event_record(
    *,
    merchant: Merchant,
    kind: str,
    order: Order | None = None,
    payload: dict | None = None,
    occurred_at: datetime | None = None,
) -> OrderEvent:
    """Write the event now; publish it once the surrounding transaction commits."""
    with merchant_scope(merchant):
        event = OrderEvent.objects.create(
            merchant=merchant, order=order, kind=kind, payload=payload or {}, occurred_at=occurred_at or timezone.now()
        )
    transaction.on_commit(lambda: _enqueue_publish(event.pk))
    if order is not None:  # every change to an order records an event: pages cached from it are stale
        order_cache_version_bump(order.pk)
    return event


def _enqueue_publish(event_id: int) -> None:
    from .tasks import publish_event

    try:
        publish_event.delay(event_id)
    except Exception:  # broker down: the sweep republishes it later
        logger.warning("could not enqueue event %s; the sweep will retry", event_id, exc_info=True)


def event_publish(*, event_id: int) -> None:
    """Run every subscriber of the event once, then mark it published."""
    with unscoped():
        event = OrderEvent.objects.select_related("merchant", "order").filter(pk=event_id).first()
    if event is None or event.published_at is not None:
        return
    with merchant_scope(event.merchant):
        for handler in subscribers_for(event.kind):
            handler(event)
        OrderEvent.objects.filter(pk=event.pk).update(published_at=timezone.now())
