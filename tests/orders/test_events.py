"""The order-event outbox: events are written with their change and published by drains."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.scoping import unscoped
from orders import events
from orders.models import OrderEvent
from orders.tasks import republish_pending_events
from tests.conftest import record_task_calls
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seen(monkeypatch):
    """Only a recording subscriber listens; it fails on kinds named *.boom."""
    calls = []

    def record(event):
        if event.kind.endswith(".boom"):
            raise RuntimeError("subscriber failed")
        calls.append((event.kind, event.pk))

    monkeypatch.setattr(events, "_subscribers", [("test.", record)])
    return calls


@pytest.fixture
def queued(monkeypatch, settings):
    """Drain tasks queued, recorded instead of run."""
    settings.EVENT_DRAIN_TASKS = 1
    return record_task_calls(monkeypatch, "orders.tasks.publish_events", "publish")


def record(merchant, kind, order=None):
    return events.event_record(merchant=merchant, kind=kind, order=order)


def published(pk) -> bool:
    with unscoped():
        return OrderEvent.objects.get(pk=pk).published_at is not None


def test_a_burst_of_events_queues_one_publish_task(merchant, seen, queued, django_capture_on_commit_callbacks):
    for n in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            record(merchant, f"test.{n}")

    assert queued == ["publish"]
    assert seen == []  # nothing published until the task runs


def test_events_recorded_while_a_drain_publishes_never_queue_more_drains_than_slots(
    merchant, seen, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.EVENT_DRAIN_TASKS = 2
    monkeypatch.setattr(events, "BATCH_SIZE", 5)
    waiting = []
    monkeypatch.setattr("orders.tasks.publish_events.delay", lambda slot, token: waiting.append((slot, token)))
    with django_capture_on_commit_callbacks(execute=True):
        record(merchant, "test.first")
    batch = events._publish_batch
    more = iter(range(100))

    def publish_while_events_keep_coming(**kwargs):
        for _ in range(10):
            with django_capture_on_commit_callbacks(execute=True):
                record(merchant, f"test.{next(more)}")
        return batch(**kwargs)

    monkeypatch.setattr(events, "_publish_batch", publish_while_events_keep_coming)
    slot, token = waiting.pop(0)
    with pytest.raises(StopIteration):  # raised by the test once 100 events came: stop feeding
        events.events_publish_pending(slot=slot, token=token)
    monkeypatch.setattr(events, "_publish_batch", batch)
    assert len(waiting) <= 1  # the helper for the second slot, and nothing else
    while waiting:
        events.events_publish_pending(slot=waiting[0][0], token=waiting.pop(0)[1])

    with unscoped():
        assert not OrderEvent.objects.filter(published_at__isnull=True).exists()
        assert len(seen) == len({pk for _, pk in seen}) == OrderEvent.objects.count() == 101  # each once


def test_the_drain_publishes_every_event_oldest_first(merchant, seen, queued, django_capture_on_commit_callbacks):
    order = OrderFactory(merchant=merchant)
    with django_capture_on_commit_callbacks(execute=True):
        first = record(merchant, "test.first", order)
        second = record(merchant, "test.second", order)

    assert events.events_publish_pending() == 2
    assert seen == [("test.first", first.pk), ("test.second", second.pk)]
    assert published(first.pk) and published(second.pk)


def test_a_published_event_is_never_published_again(merchant, seen, queued):
    event = record(merchant, "test.once")
    events.events_publish_pending()
    events.event_publish(event_id=event.pk)
    events.events_publish_pending()

    assert seen == [("test.once", event.pk)]


def test_a_failing_subscriber_leaves_its_event_for_the_sweep_and_the_drain_goes_on(merchant, seen, queued, caplog):
    broken = record(merchant, "test.boom")
    fine = record(merchant, "test.fine")

    assert events.events_publish_pending() == 2
    assert seen == [("test.fine", fine.pk)]
    assert not published(broken.pk) and published(fine.pk)
    assert f"publishing event {broken.pk} failed" in caplog.text


def test_the_sweep_publishes_events_left_behind(merchant, seen, queued):
    event = record(merchant, "test.lost")  # its drain task was lost
    assert republish_pending_events() == 0  # too recent: its drain may still be on its way

    with unscoped():
        OrderEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert republish_pending_events() == 1
    assert published(event.pk)


def test_a_drain_pass_reads_each_merchants_flows_once(merchant, queued):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from flows.services import default_flows_install

    default_flows_install(merchant=merchant)
    for _ in range(3):
        record(merchant, "order.created", OrderFactory(merchant=merchant))

    with CaptureQueriesContext(connection) as queries:
        assert events.events_publish_pending() == 3
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "flows_flow"."id"')]
    assert len(reads) == 1
    outside_a_pass = events.publish_memo(("anything",), lambda: object())
    assert outside_a_pass is not events.publish_memo(("anything",), lambda: object())


def test_a_failed_event_empties_the_pass_memo(merchant, seen, queued, monkeypatch):
    computed = []

    def subscriber(event):
        events.publish_memo(("value",), lambda: computed.append(event.kind))
        if event.kind == "test.boom":
            raise RuntimeError("rolled back: what it read may not exist")

    monkeypatch.setattr(events, "_subscribers", [("test.", subscriber)])
    monkeypatch.setattr(events, "BATCH_SIZE", 1)
    for kind in ("test.a", "test.b", "test.boom", "test.c"):
        record(merchant, kind)

    events.events_publish_pending()
    # Read once; again for the failing event, published alone after its batch failed; then after it.
    assert computed == ["test.a", "test.boom", "test.c"]


def test_a_failing_batch_is_published_one_by_one_after_emptying_the_pass_memo(merchant, seen, queued, monkeypatch):
    computed = []

    def subscriber(event):
        events.publish_memo(("value",), lambda: computed.append(event.kind))
        seen.append(event.kind)
        if event.kind == "test.boom":
            raise RuntimeError("rolled back: what it read may not exist")

    monkeypatch.setattr(events, "_subscribers", [("test.", subscriber)])
    for kind in ("test.a", "test.boom", "test.c"):
        record(merchant, kind)

    assert events.events_publish_pending() == 3
    # Together until the failure; then one by one, reading again after each failure.
    assert seen == ["test.a", "test.boom", "test.a", "test.boom", "test.c"]
    assert computed == ["test.a", "test.a", "test.c"]
    with unscoped():
        assert sorted(OrderEvent.objects.filter(published_at__isnull=True).values_list("kind", flat=True)) == [
            "test.boom"
        ]


def test_publishing_a_batch_of_orders_reads_them_together(merchant, queued):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from flows.models import ScheduledMessage
    from flows.services import default_flows_install

    default_flows_install(merchant=merchant)

    def queries_to_publish(count: int) -> int:
        for _ in range(count):
            record(merchant, "order.created", OrderFactory(merchant=merchant))
        with CaptureQueriesContext(connection) as queries:
            assert events.events_publish_pending() == count
        return len(queries)

    ten, twenty = queries_to_publish(10), queries_to_publish(20)
    # Nothing per event. The batch: transaction, claim and savepoint with their releases (6); per
    # merchant: webhook endpoints (each batch), flow settings (twice), flows and steps (each pass) (5);
    # the orders with their items and shipments (3); one INSERT of scheduled messages (1); published
    # (1); loyalty's switch (1) and analytics' dirty days in one INSERT (1). Then an empty claim (4).
    assert ten == twenty == 6 + 5 + 3 + 1 + 1 + 2 + 4
    with unscoped():
        assert ScheduledMessage.objects.values("order").distinct().count() == 30


def test_a_batch_of_confirmations_asks_for_one_dispatch_pass(merchant, queued, monkeypatch):
    from flows.services import IMMEDIATE_DISPATCH, default_flows_install

    default_flows_install(merchant=merchant)
    requests = []
    monkeypatch.setattr(IMMEDIATE_DISPATCH, "request", lambda: requests.append("dispatch"))
    for _ in range(5):
        record(merchant, "order.created", OrderFactory(merchant=merchant, placed_at=timezone.now()))

    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert events.events_publish_pending() == 5
    assert requests == ["dispatch"]


def test_one_pass_over_two_shops_schedules_each_with_its_own_flows(merchant, other_merchant, queued):
    from flows.models import ScheduledMessage
    from flows.services import default_flows_install

    for shop in (merchant, other_merchant):
        default_flows_install(merchant=shop)
        for _ in range(2):
            record(shop, "order.created", OrderFactory(merchant=shop))

    assert events.events_publish_pending() == 4
    with unscoped():
        rows = list(ScheduledMessage.objects.values_list("merchant_id", "step__merchant_id", "order__merchant_id"))
    assert rows and all(own == step_shop == order_shop for own, step_shop, order_shop in rows)
    assert {own for own, _step, _order in rows} == {merchant.pk, other_merchant.pk}
