"""Recording order events and fanning them out after commit.

Services call `event_record(...)` inside their transaction. After commit a drain publishes
it: every subscriber registered for its kind runs (flows schedule emails, outbound webhooks
queue deliveries) in one transaction with the event's "published" mark. Subscribers must be
idempotent: an event may be published again by the sweep if its commit was lost.

Apps subscribe in their AppConfig.ready():

    from orders.events import subscribe
    subscribe("shipment.", my_handler)       # every kind starting with "shipment."
    subscribe("*", my_handler)               # every kind
"""

import logging
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from merchants.models import Merchant
from merchants.scoping import merchant_scope, unscoped

from .cache_version import order_cache_version_bump
from .drains import Drain, commit_without_waiting_for_disk
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
    transaction.on_commit(publish_request)
    if order is not None:  # every change to an order records an event: pages cached from it are stale
        order_cache_version_bump(order.pk)
    return event


# Publishing runs in drains (orders/drains.py): one queued task for a burst of events.
EVENTS = Drain("order-events", "orders.tasks.publish_events", copies=lambda: settings.EVENT_DRAIN_TASKS)


def publish_request() -> None:
    EVENTS.request()


def events_publish_pending(**kwargs) -> int:
    """Publish unpublished events, oldest first, until none is left; returns how many were taken.

    An event whose subscriber fails is left unpublished (and logged) for the sweep to try again.
    """
    failed: set[int] = set()
    memo = _pass_memo.set({})
    try:
        return EVENTS.run(lambda: _publish_next(exclude=failed), **kwargs)
    finally:
        _pass_memo.reset(memo)


# What subscribers read per merchant (its flows, webhook endpoints, settings) is read once per drain
# pass rather than once per event. A pass lasts at most drains.BUDGET_SECONDS, so an edit made
# during one reaches the events published after it within seconds.
_pass_memo: ContextVar[dict | None] = ContextVar("publish_pass_memo", default=None)


def publish_memo(key: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()`, remembered under `key` for the rest of the current drain pass (if any)."""
    memo = _pass_memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _publish_next(*, exclude: set[int]) -> bool:
    """Publish the oldest event nobody else holds, in one transaction with what its subscribers write."""
    event = None
    try:
        with transaction.atomic():
            commit_without_waiting_for_disk()  # the event row is durable: a lost commit is published again
            with unscoped():
                waiting = OrderEvent.objects.select_for_update(of=("self",), skip_locked=True)
                event = (
                    waiting.select_related("merchant", "order")
                    .filter(published_at__isnull=True)
                    .exclude(pk__in=exclude)
                    .order_by("created_at", "id")
                    .first()
                )
            if event is None:
                return False
            _publish(event)
    except Exception:
        if event is None:  # the claim itself failed (database down): the task retries
            raise
        logger.exception("publishing event %s failed; the sweep will try again", event.pk)
        exclude.add(event.pk)
        memo = _pass_memo.get()
        if memo is not None:  # it may hold what the rolled-back transaction wrote
            memo.clear()
    return True


def event_publish(*, event_id: int) -> None:
    """Publish one event now, unless it was already."""
    with unscoped():
        event = OrderEvent.objects.select_related("merchant", "order").filter(pk=event_id).first()
    if event is None or event.published_at is not None:
        return
    _publish(event)


def _publish(event: OrderEvent) -> None:
    """Run every subscriber of the event once, then mark it published."""
    with merchant_scope(event.merchant):
        for handler in subscribers_for(event.kind):
            handler(event)
        OrderEvent.objects.filter(pk=event.pk).update(published_at=timezone.now())
