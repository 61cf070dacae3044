"""Received deliveries are processed by drains: one queued task for a burst, never a delivery left behind."""

import json
import math
import threading
import time

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection

from core import drains
from core.scoping import merchant_scope, unscoped
from integrations import inbound as webhooks
from integrations.models import WebhookDelivery
from merchants.services import integration_secret_set
from orders.models import Order
from tests.conftest import record_task_calls
from tests.integrations.fixtures import SHOPIFY_SECRET, payload, post_shopify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_event_fanout(monkeypatch):
    monkeypatch.setattr("orders.events.publish_request", lambda: None)


@pytest.fixture
def shop(merchant):
    integration_secret_set(merchant=merchant, provider="shopify", secret=SHOPIFY_SECRET)
    return merchant


@pytest.fixture
def queued(monkeypatch, settings):
    """Drain tasks queued, recorded instead of run."""
    settings.WEBHOOK_DRAIN_TASKS = 1
    return record_task_calls(monkeypatch, "integrations.tasks.drain_webhook_deliveries", "drain")


class QueuedDrains:
    """Drain tasks queued (with their slot), run on demand as a worker would, in order."""

    def __init__(self):
        self.waiting: list[tuple[int | None, str | None]] = []
        self.most_outstanding = 0  # queued and not finished yet, at the worst moment
        self.running = 0

    def delay(self, slot=None, token=None):
        self.waiting.append((slot, token))
        self.most_outstanding = max(self.most_outstanding, self.queued + self.running)

    @property
    def queued(self) -> int:
        return len(self.waiting)

    def run_next(self, **kwargs) -> int:
        slot, token = self.waiting.pop(0)
        self.running += 1
        try:
            return webhooks.deliveries_drain(slot=slot, token=token, **kwargs)
        finally:
            self.running -= 1


@pytest.fixture
def slots(monkeypatch, settings):
    """Drain tasks queued, kept to be run by the test; no lingering window."""
    settings.WEBHOOK_DRAIN_WINDOW_SECONDS = 0
    drains = QueuedDrains()
    monkeypatch.setattr("integrations.tasks.drain_webhook_deliveries.delay", drains.delay)
    return drains


def order_payload(number: int) -> dict:
    data = payload("shopify", "orders_create.json")
    data["id"] = 7_000_000 + number
    data["name"] = f"#{number}"
    return data


def post_orders(client, shop, numbers, capture):
    for number in numbers:
        with capture(execute=True):
            assert post_shopify(client, shop.slug, "orders/create", order_payload(number)).status_code == 200


def statuses(shop):
    with merchant_scope(shop):
        return list(WebhookDelivery.objects.order_by("id").values_list("status", flat=True))


def test_a_burst_of_deliveries_queues_one_drain(client, shop, queued, django_capture_on_commit_callbacks):
    post_orders(client, shop, range(5), django_capture_on_commit_callbacks)

    assert queued == ["drain"]
    assert statuses(shop) == ["received"] * 5


def test_one_drain_processes_every_waiting_delivery(client, shop, queued, django_capture_on_commit_callbacks):
    post_orders(client, shop, range(3), django_capture_on_commit_callbacks)

    assert webhooks.deliveries_drain() == 3
    assert statuses(shop) == ["processed"] * 3
    with merchant_scope(shop):
        assert Order.objects.count() == 3


def test_a_delivery_after_the_drains_last_claim_queues_a_new_drain(
    client, shop, slots, django_capture_on_commit_callbacks
):
    post_orders(client, shop, [1], django_capture_on_commit_callbacks)
    assert slots.run_next() == 1  # found nothing more: released its slot
    post_orders(client, shop, [2], django_capture_on_commit_callbacks)

    assert slots.queued == 1
    assert slots.run_next() == 1
    assert statuses(shop) == ["processed", "processed"]


def test_a_drain_that_crashes_lets_the_next_delivery_queue_another(
    client, shop, slots, monkeypatch, django_capture_on_commit_callbacks
):
    post_orders(client, shop, [1], django_capture_on_commit_callbacks)

    def crash(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(webhooks, "_orders_create_in_bulk", crash)
    with pytest.raises(MemoryError):
        slots.run_next()
    post_orders(client, shop, [2], django_capture_on_commit_callbacks)

    assert slots.queued == 1


def test_a_drain_over_its_budget_hands_over_its_slot_to_a_fresh_task(
    client, shop, slots, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DRAIN_TASKS = 1  # no helper
    monkeypatch.setattr(webhooks, "BATCH_SIZE", 1)
    post_orders(client, shop, range(3), django_capture_on_commit_callbacks)
    ((slot, token),) = slots.waiting

    assert slots.run_next(budget_seconds=0) == 1
    assert slots.waiting == [(slot, token)]  # the hand-over holds the same slot
    assert statuses(shop) == ["processed", "received", "received"]


def test_a_transient_failure_is_retried_on_its_own_while_the_drain_goes_on(
    client, shop, queued, monkeypatch, django_capture_on_commit_callbacks
):
    retries = []
    monkeypatch.setattr(
        "integrations.tasks.process_webhook_delivery.apply_async",
        lambda args, countdown: retries.append((args, countdown)),
    )
    with django_capture_on_commit_callbacks(execute=True):  # a refund whose order has not come yet
        post_shopify(client, shop.slug, "refunds/create", payload("shopify", "refunds_create.json"))
    post_orders(client, shop, [1], django_capture_on_commit_callbacks)

    assert webhooks.deliveries_drain() == 2
    assert statuses(shop) == ["failed", "processed"]
    with merchant_scope(shop):
        failed = WebhookDelivery.objects.get(topic="refunds/create")
    assert failed.last_error.endswith("Will retry.")
    assert retries == [((failed.pk,), webhooks.RETRY_FIRST_SECONDS)]


def test_the_slots_are_per_database():
    name = connection.settings_dict["NAME"]
    assert name in webhooks.DELIVERIES.slot_key(0)
    assert name in webhooks.DELIVERIES.pending_key()


def test_a_process_local_cache_queues_a_drain_for_every_delivery(
    client, shop, queued, settings, django_capture_on_commit_callbacks
):
    # Another process's drain could not clear a flag kept in this process's memory.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    post_orders(client, shop, range(3), django_capture_on_commit_callbacks)

    assert queued == ["drain"] * 3


def test_a_cache_outage_still_queues_a_drain(client, shop, queued, monkeypatch, django_capture_on_commit_callbacks):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr("core.drains.cache.set", down)
    post_orders(client, shop, range(2), django_capture_on_commit_callbacks)

    assert queued == ["drain", "drain"]


def test_a_broker_outage_frees_the_slot_so_the_next_delivery_tries_again(
    client, shop, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DRAIN_TASKS = 1
    attempts = []

    def broker_down(*args):
        attempts.append(1)
        raise ConnectionError("broker down")

    monkeypatch.setattr("integrations.tasks.drain_webhook_deliveries.delay", broker_down)
    post_orders(client, shop, range(2), django_capture_on_commit_callbacks)

    assert len(attempts) == 2
    assert statuses(shop) == ["received", "received"]  # kept for the sweep


@pytest.mark.django_db(transaction=True)
def test_two_drains_never_take_the_same_delivery(client, merchant, queued, django_capture_on_commit_callbacks):
    integration_secret_set(merchant=merchant, provider="shopify", secret=SHOPIFY_SECRET)
    post_orders(client, merchant, range(2), django_capture_on_commit_callbacks)
    with unscoped():
        first, second = WebhookDelivery.objects.order_by("id").values_list("pk", flat=True)
    dsn = connection.get_connection_params()
    holding, release = threading.Event(), threading.Event()

    def other_drain_holds_the_first():
        with psycopg.connect(dbname=dsn["dbname"], host=dsn["host"], port=dsn["port"], user=dsn["user"]) as other:
            other.execute("SELECT id FROM integrations_webhookdelivery WHERE id = %s FOR UPDATE", [first])
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=other_drain_holds_the_first)
    thread.start()
    try:
        assert holding.wait(10)
        assert webhooks.deliveries_drain() == 1  # the second; the first is held by the other drain
    finally:
        release.set()
        thread.join()
    with unscoped():
        assert dict(WebhookDelivery.objects.values_list("pk", "status")) == {first: "received", second: "processed"}


def store_orders(shop, numbers, capture) -> None:
    """Deliveries stored as the receiving view does (commit, then the drain request)."""
    for number in numbers:
        with capture(execute=True):
            body = json.dumps(order_payload(number)).encode()
            webhooks.delivery_store(
                merchant=shop, source="shopify", delivery_id=f"d{number}", topic="orders/create", headers={}, body=body
            )


def processed_once(shop) -> bool:
    with merchant_scope(shop):
        attempts = list(WebhookDelivery.objects.values_list("status", "attempts"))
        return set(attempts) == {("processed", 1)} and Order.objects.count() == len(attempts)


def test_many_deliveries_during_a_drain_never_queue_more_drains_than_slots(
    shop, slots, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DRAIN_TASKS = 3
    monkeypatch.setattr(webhooks, "BATCH_SIZE", 5)
    store_orders(shop, [0], django_capture_on_commit_callbacks)
    batch = webhooks._drain_batch
    arriving = iter(range(1, 201))

    def take_while_deliveries_keep_coming():
        store_orders(shop, [next(arriving) for _ in range(10)], django_capture_on_commit_callbacks)
        return batch()

    monkeypatch.setattr(webhooks, "_drain_batch", take_while_deliveries_keep_coming)
    with pytest.raises(StopIteration):  # 200 deliveries stored while the first drain ran
        slots.run_next()
    monkeypatch.setattr(webhooks, "_drain_batch", batch)
    assert slots.most_outstanding <= 3
    while slots.waiting:
        slots.run_next()

    assert slots.most_outstanding <= 3
    assert statuses(shop).count("received") == 0
    assert processed_once(shop)


def test_steady_deliveries_and_finishing_drains_never_queue_more_drains_than_slots(
    shop, slots, settings, monkeypatch, django_capture_on_commit_callbacks
):
    # The way drains used to pile up: each drain that found nothing left let the next delivery queue more.
    settings.WEBHOOK_DRAIN_TASKS = 2
    monkeypatch.setattr(webhooks, "BATCH_SIZE", 2)
    for number in range(60):
        store_orders(shop, [2 * number, 2 * number + 1], django_capture_on_commit_callbacks)
        if number % 3 == 0 and slots.waiting:
            slots.run_next()
    while slots.waiting:
        slots.run_next()

    assert 1 <= slots.most_outstanding <= 2
    assert processed_once(shop)


def test_a_delivery_stored_as_the_drain_releases_its_slot_is_drained_by_it(
    shop, slots, monkeypatch, django_capture_on_commit_callbacks
):
    store_orders(shop, [1], django_capture_on_commit_callbacks)
    release = webhooks.DELIVERIES.slot_release
    late = [2]

    def a_delivery_comes_just_before_the_release(slot, token):
        if late:  # the drain's last claim found nothing; this delivery's request finds the slot held
            store_orders(shop, [late.pop()], django_capture_on_commit_callbacks)
        release(slot, token)

    monkeypatch.setattr(webhooks.DELIVERIES, "slot_release", a_delivery_comes_just_before_the_release)
    assert slots.run_next() == 2

    assert slots.queued == 0
    assert processed_once(shop)


def test_a_delivery_stored_just_after_the_drain_released_its_slot_queues_the_next_drain(
    shop, slots, monkeypatch, django_capture_on_commit_callbacks
):
    store_orders(shop, [1], django_capture_on_commit_callbacks)
    release = webhooks.DELIVERIES.slot_release
    late = [2]

    def a_delivery_comes_just_after_the_release(slot, token):
        release(slot, token)
        if late:  # the drain has not read the pending mark yet
            store_orders(shop, [late.pop()], django_capture_on_commit_callbacks)

    monkeypatch.setattr(webhooks.DELIVERIES, "slot_release", a_delivery_comes_just_after_the_release)
    assert slots.run_next() == 1  # saw the mark, but the slot was taken for a new drain: stops
    assert slots.queued == 1
    monkeypatch.setattr(webhooks.DELIVERIES, "slot_release", release)
    assert slots.run_next() == 1

    assert processed_once(shop)


def test_a_task_whose_slot_was_taken_over_while_it_waited_does_nothing(shop, slots, django_capture_on_commit_callbacks):
    store_orders(shop, [1], django_capture_on_commit_callbacks)
    cache.delete(webhooks.DELIVERIES.slot_key(0))  # its lease ran out (the worker was down)
    webhooks.DELIVERIES._slot_seen_at = -math.inf
    store_orders(shop, [2], django_capture_on_commit_callbacks)  # a new drain takes the slot
    assert slots.queued == 2

    assert slots.run_next() == 0
    assert statuses(shop) == ["received", "received"]
    assert slots.run_next() == 2
    assert processed_once(shop)


def test_a_process_that_found_the_slot_held_does_not_ask_again_within_the_window(
    shop, slots, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DRAIN_WINDOW_SECONDS = 60
    asked = []
    add = drains.cache.add
    monkeypatch.setattr(drains.cache, "add", lambda *args, **kwargs: asked.append(args[0]) or add(*args, **kwargs))
    store_orders(shop, range(3), django_capture_on_commit_callbacks)

    assert slots.queued == 1
    assert asked == [webhooks.DELIVERIES.slot_key(0)]  # once for the three


def test_a_drain_that_clears_the_pending_mark_keeps_claiming_for_twice_the_window(settings):
    settings.WEBHOOK_DRAIN_WINDOW_SECONDS = 0.1
    token = webhooks.DELIVERIES._slot_take(0)
    cache.set(webhooks.DELIVERIES.pending_key(), 1)
    started = time.monotonic()
    late = [1]

    def take():
        # A delivery committed after the clear by a process that found the slot held within its window.
        if late and time.monotonic() - started > 0.15:
            return late.pop()
        return 0

    assert webhooks.DELIVERIES.run(take, slot=0, token=token) == 1
    assert time.monotonic() - started >= 0.15
    assert cache.get(webhooks.DELIVERIES.slot_key(0)) is None  # released at the end


def test_without_a_window_a_drain_stops_at_its_first_empty_claims(settings):
    settings.WEBHOOK_DRAIN_WINDOW_SECONDS = 0
    token = webhooks.DELIVERIES._slot_take(0)
    started = time.monotonic()
    assert webhooks.DELIVERIES.run(lambda: 0, slot=0, token=token) == 0
    assert time.monotonic() - started < 0.05
