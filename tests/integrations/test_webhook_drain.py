"""Received deliveries are processed by drains: one queued task for a burst, never a delivery left behind."""

import threading
import time

import psycopg
import pytest
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
    client, shop, queued, django_capture_on_commit_callbacks
):
    post_orders(client, shop, [1], django_capture_on_commit_callbacks)
    webhooks.deliveries_drain()  # found nothing more: cleared the flag before its last claim
    post_orders(client, shop, [2], django_capture_on_commit_callbacks)

    assert queued == ["drain", "drain"]
    webhooks.deliveries_drain()
    assert statuses(shop) == ["processed", "processed"]


def test_a_drain_that_crashes_lets_the_next_delivery_queue_another(
    client, shop, queued, monkeypatch, django_capture_on_commit_callbacks
):
    post_orders(client, shop, [1], django_capture_on_commit_callbacks)

    def crash(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(webhooks, "_orders_create_in_bulk", crash)
    with pytest.raises(MemoryError):
        webhooks.deliveries_drain()
    post_orders(client, shop, [2], django_capture_on_commit_callbacks)

    assert queued == ["drain", "drain"]


def test_a_drain_over_its_budget_hands_over_to_a_fresh_task(
    client, shop, queued, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(webhooks, "BATCH_SIZE", 1)
    post_orders(client, shop, range(3), django_capture_on_commit_callbacks)

    assert webhooks.deliveries_drain(budget_seconds=0) == 1
    assert queued == ["drain", "drain"]  # the burst's drain, then the hand-over
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


def test_the_flag_is_per_database():
    assert connection.settings_dict["NAME"] in webhooks.DELIVERIES.flag()


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

    monkeypatch.setattr("core.drains.cache.add", down)
    post_orders(client, shop, range(2), django_capture_on_commit_callbacks)

    assert queued == ["drain", "drain"]


def test_a_broker_outage_clears_the_flag_so_the_next_delivery_tries_again(
    client, shop, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DRAIN_TASKS = 1
    attempts = []

    def broker_down():
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


def test_a_process_that_saw_a_drain_queued_does_not_ask_again_within_the_window(
    client, shop, queued, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DRAIN_WINDOW_SECONDS = 60
    asked = []
    add = drains.cache.add
    monkeypatch.setattr(drains.cache, "add", lambda *args, **kwargs: asked.append(args[0]) or add(*args, **kwargs))
    post_orders(client, shop, range(3), django_capture_on_commit_callbacks)

    assert queued == ["drain"]
    assert asked == [webhooks.DELIVERIES.flag()]  # once for the three
    webhooks.DELIVERIES.flag_clear()  # as a drain does before its last claims: this process looks again
    post_orders(client, shop, [4], django_capture_on_commit_callbacks)
    assert queued == ["drain", "drain"]
    assert len(asked) == 2


def test_a_drain_keeps_claiming_for_twice_the_window_after_clearing_the_flag(settings):
    settings.WEBHOOK_DRAIN_WINDOW_SECONDS = 0.1
    started = time.monotonic()
    late = [1]

    def take():
        # A delivery committed after the clear by a process that saw the flag set within its window.
        if late and time.monotonic() - started > 0.15:
            return late.pop()
        return 0

    assert webhooks.DELIVERIES.run(take) == 1
    assert time.monotonic() - started >= 0.15 + 0.2  # and then lingered again before stopping


def test_without_a_window_a_drain_stops_at_its_first_empty_claims(settings):
    settings.WEBHOOK_DRAIN_WINDOW_SECONDS = 0
    started = time.monotonic()
    assert webhooks.DELIVERIES.run(lambda: 0) == 0
    assert time.monotonic() - started < 0.05
