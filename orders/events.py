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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.drains import Drain, commit_without_waiting_for_disk
from core.event_kinds import is_customer_anchored
from core.scoping import merchant_scope, unscoped
from merchants.models import Merchant

from .cache_version import order_cache_versions_bump
from .models import Customer, Order, OrderEvent

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
    customer: Customer | None = None,
    anchor_key: str = "",
    payload: dict | None = None,
    occurred_at: datetime | None = None,
) -> OrderEvent:
    """Write the event now; publish it once the surrounding transaction commits.

    An event about a customer rather than an order (points earned, a survey due) gives `customer`
    and `anchor_key`, the name of what it is about ("nps:2026-Q4"): the emails it starts go out
    once per customer and key, however often it is recorded.
    """
    new = NewEvent(
        kind, order=order, customer=customer, anchor_key=anchor_key, payload=payload, occurred_at=occurred_at
    )
    return events_record(merchant=merchant, events=[new])[0]


@dataclass(frozen=True)
class NewEvent:
    """One event for `events_record`: the arguments of `event_record` but the merchant."""

    kind: str
    order: Order | None = None
    customer: Customer | None = None
    anchor_key: str = ""
    payload: dict | None = None
    occurred_at: datetime | None = None


_recording_history: ContextVar[bool] = ContextVar("recording_history", default=False)


@contextmanager
def events_recorded_as_history() -> Iterator[None]:
    """Every event recorded inside is history, as with `events_record(..., past=True)`.

    For replaying past moves through the services that make them (the demo's returns of last
    spring), which record their events themselves: the rows and events are the real ones, but no
    subscriber acts on them.
    """
    token = _recording_history.set(True)
    try:
        yield
    finally:
        _recording_history.reset(token)


def events_record(*, merchant: Merchant, events: list[NewEvent], past: bool = False) -> list[OrderEvent]:
    """Write many events with one statement; publish them once the surrounding transaction commits.

    `past=True` records history whose moment has passed (an import, the demo's past months): the
    events are written as already published, so no subscriber acts on them (no email goes out for
    an order delivered last spring). Inside `events_recorded_as_history()` every event is past.
    """
    past = past or _recording_history.get()
    for new in events:
        _anchor_check(merchant, new.kind, new.order, new.customer, new.anchor_key)
    now = timezone.now()
    rows = [
        OrderEvent(
            merchant=merchant,
            order=new.order,
            customer=new.customer,
            anchor_key=new.anchor_key,
            kind=new.kind,
            payload=new.payload or {},
            occurred_at=new.occurred_at or now,
            published_at=now if past else None,
        )
        for new in events
    ]
    with merchant_scope(merchant):
        written = OrderEvent.objects.bulk_create(rows, batch_size=1000)
    if not past:
        transaction.on_commit(publish_request)
    # Every change to an order records an event: pages cached from it are stale.
    order_cache_versions_bump({new.order.pk for new in events if new.order is not None})
    return written


MAX_ANCHOR_KEY_LENGTH = OrderEvent._meta.get_field("anchor_key").max_length


def _anchor_check(
    merchant: Merchant, kind: str, order: Order | None, customer: Customer | None, anchor_key: str
) -> None:
    """A programming error, raised before anything is written: the caller is our own code.

    Whether a kind is about customers is said once, where it is registered (core.event_kinds),
    so flows and their template checks can rely on it.
    """
    for row in (order, customer):
        if row is not None and row.merchant_id != merchant.pk:
            raise ValueError(f"{row._meta.model_name} {row.pk} belongs to another shop.")
    if is_customer_anchored(kind):
        if customer is None or order is not None or not anchor_key:
            raise ValueError(f"{kind} is about a customer: give customer and anchor_key, and no order.")
    elif customer is not None or anchor_key:
        raise ValueError(f"{kind} is not registered with customer_anchored=True: it takes no customer or anchor_key.")
    if len(anchor_key) > MAX_ANCHOR_KEY_LENGTH:
        raise ValueError(f"anchor_key is longer than {MAX_ANCHOR_KEY_LENGTH} characters.")


# Publishing runs in drains (core/drains.py): at most EVENT_DRAIN_TASKS queued or running.
EVENTS = Drain(
    "order-events",
    "orders.tasks.publish_events",
    slots=lambda: settings.EVENT_DRAIN_TASKS,
    batch_size=lambda: BATCH_SIZE,
)


def publish_request() -> None:
    EVENTS.request()


BATCH_SIZE = 50  # events claimed and published together, in one transaction


def events_publish_pending(**kwargs) -> int:
    """Publish unpublished events, oldest first, until none is left; returns how many were taken.

    An event whose subscriber fails is left unpublished (and logged) for the sweep to try again.
    """
    failed: set[int] = set()
    memo = _pass_memo.set({})
    try:
        return EVENTS.run(lambda: _publish_batch(exclude=failed), **kwargs)
    finally:
        _pass_memo.reset(memo)


# What subscribers read per merchant (its flows, settings) is read once per drain pass rather than
# once per event. A pass lasts at most drains.BUDGET_SECONDS, so an edit made during one reaches the
# events published after it within seconds. What must reach every event committed after it (webhook
# endpoints) is read per batch instead, with batch_memo.
_pass_memo: ContextVar[dict | None] = ContextVar("publish_pass_memo", default=None)


def publish_memo(key: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()`, remembered under `key` for the rest of the current drain pass (if any)."""
    memo = _pass_memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


@dataclass
class _Batch:
    events: list[OrderEvent]
    memo: dict = field(default_factory=dict)
    after_commit: dict = field(default_factory=dict)  # callbacks by identity, each run once
    deferred: dict = field(default_factory=dict)  # key -> (items, flush): written once, before the commit


_batch: ContextVar[_Batch | None] = ContextVar("publish_batch", default=None)


def batch_memo(key: tuple, load: Callable[[list[OrderEvent]], Any], event: OrderEvent) -> Any:
    """`load(events)` over the batch being published with `event`, computed once per batch.

    For what subscribers read per event (its order, with items and shipments): one query for the
    batch. Everything in a batch was committed before it was claimed, so what is read is at least
    as new as each event. Outside a batch (an event published alone): `load([event])`.
    """
    batch = _batch.get()
    if batch is None:
        return load([event])
    if key not in batch.memo:
        batch.memo[key] = load(batch.events)
    return batch.memo[key]


def batch_defer(key: tuple, items: list, flush: Callable[[list], None]) -> None:
    """`flush(items)` now; inside a batch, once for all the items deferred under `key`, just before
    the batch is marked published. For rows no subscriber of the same batch reads back."""
    batch = _batch.get()
    if batch is None:
        flush(items)
    else:
        batch.deferred.setdefault(key, ([], flush))[0].extend(items)


def after_publish(func: Callable[[], None]) -> None:
    """Run `func` once the events being published are committed; once per batch, however many ask."""
    batch = _batch.get()
    if batch is None:
        transaction.on_commit(func)
    else:
        batch.after_commit.setdefault(func, func)


def _publish_batch(*, exclude: set[int]) -> int:
    """Publish the oldest events nobody else holds together; returns how many were taken.

    The batch is one transaction with what its subscribers write. If a subscriber fails, the batch
    is rolled back and its events are published one by one, so only the failing one waits.
    """
    with transaction.atomic():
        commit_without_waiting_for_disk()  # the event rows are durable: a lost commit is published again
        events = _claim(limit=BATCH_SIZE, exclude=exclude)
        if not events:
            return 0
        published = _publish_together(events)
    if not published:
        for event in events:
            _publish_alone(event.pk, exclude=exclude)
    return len(events)


def _claim(*, limit: int, exclude: set[int], pk: int | None = None) -> list[OrderEvent]:
    with unscoped():
        waiting = OrderEvent.objects.select_for_update(of=("self",), skip_locked=True).select_related(
            "merchant", "order"
        )
        waiting = waiting.filter(published_at__isnull=True).exclude(pk__in=exclude)
        if pk is not None:
            waiting = waiting.filter(pk=pk)
        return list(waiting.order_by("created_at", "id")[:limit])


def _publish_together(events: list[OrderEvent]) -> bool:
    batch = _Batch(events)
    token = _batch.set(batch)
    try:
        with transaction.atomic():
            for event in events:
                _run_subscribers(event)
            for items, flush in batch.deferred.values():
                flush(items)
            with unscoped():
                OrderEvent.objects.filter(pk__in=[event.pk for event in events]).update(published_at=timezone.now())
    except Exception:
        logger.info("publishing a batch of %s events failed; publishing them one by one", len(events), exc_info=True)
        _forget_pass_memo()
        return False
    finally:
        _batch.reset(token)
    for func in batch.after_commit.values():
        transaction.on_commit(func)
    return True


def _publish_alone(pk: int, *, exclude: set[int]) -> None:
    """Publish one event in its own transaction; a failure is logged and the event left to the sweep."""
    try:
        with transaction.atomic():
            commit_without_waiting_for_disk()
            events = _claim(limit=1, exclude=exclude, pk=pk)
            if events:
                _publish(events[0])
    except Exception:
        logger.exception("publishing event %s failed; the sweep will try again", pk)
        exclude.add(pk)
        _forget_pass_memo()


def _forget_pass_memo() -> None:
    memo = _pass_memo.get()
    if memo is not None:  # it may hold what a rolled-back transaction wrote
        memo.clear()


def event_publish(*, event_id: int) -> None:
    """Publish one event now, unless it was already."""
    with unscoped():
        event = OrderEvent.objects.select_related("merchant", "order").filter(pk=event_id).first()
    if event is None or event.published_at is not None:
        return
    _publish(event)


def _publish(event: OrderEvent) -> None:
    """Run every subscriber of the event once, then mark it published."""
    _run_subscribers(event)
    with merchant_scope(event.merchant):
        OrderEvent.objects.filter(pk=event.pk).update(published_at=timezone.now())


def _run_subscribers(event: OrderEvent) -> None:
    with merchant_scope(event.merchant):
        for handler in subscribers_for(event.kind):
            handler(event)
