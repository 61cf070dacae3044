"""Tracking page views off the request path: buffered in Redis, written in bulk by a periodic task."""

import threading
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.db import OperationalError, connection

from config.celery import app
from core.scoping import merchant_scope, unscoped
from tracking import services, tasks, view_buffer
from tracking.models import TrackingPageView
from tracking.tokens import tracking_page_path

WHEN = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


def views_of(order) -> list[tuple]:
    with unscoped():
        return list(TrackingPageView.objects.filter(order=order).order_by("id").values_list("merchant_id", "language"))


def buffer(merchant, order, count, language="fr"):
    for _ in range(count):
        assert view_buffer.push(view_buffer.View(merchant.pk, order.pk, language, WHEN))


def test_views_wait_in_redis_then_are_written_once(redis_cache, client, merchant, order):
    client.get(tracking_page_path(order))
    client.get(tracking_page_path(order) + "?lang=en")
    assert views_of(order) == []
    assert view_buffer.pending() == 2
    client_ = redis_cache._cache.get_client(write=True)
    assert 0 < client_.ttl(redis_cache.make_key(view_buffer.LIST_KEY)) <= view_buffer.LIST_SECONDS

    assert tasks.flush_page_views.delay().get() == 2
    assert views_of(order) == [(merchant.pk, "fr"), (merchant.pk, "en")]
    assert services.tracking_page_views_flush() == 0  # run again: nothing is written twice
    assert len(views_of(order)) == 2


def test_without_redis_the_view_is_written_at_once(client, merchant, order):
    """The embedded defaults (bin/demo: a file cache) and the tests' own cache have no shared list."""
    client.get(tracking_page_path(order))
    assert views_of(order) == [(merchant.pk, "fr")]
    assert view_buffer.pending() == 0 and services.tracking_page_views_flush() == 0


def test_redis_down_the_view_is_written_at_once(settings, client, merchant, order):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    assert client.get(tracking_page_path(order)).status_code == 200
    assert views_of(order) == [(merchant.pk, "fr")]


def test_a_large_backlog_is_written_in_batches(redis_cache, merchant, order, monkeypatch):
    monkeypatch.setattr(services, "PAGE_VIEWS_FLUSH_BATCH", 10)
    buffer(merchant, order, 35)
    assert services.tracking_page_views_flush() == 35
    assert view_buffer.pending() == 0 and len(views_of(order)) == 35


def test_views_of_a_missing_order_or_of_another_shop_are_dropped(
    redis_cache, merchant, other_merchant, order, other_order
):
    buffer(merchant, order, 1)
    buffer(merchant, other_order, 1)  # a view naming one shop with another shop's order
    view_buffer.push(view_buffer.View(merchant.pk, order.pk + 10_000, "fr", WHEN))  # deleted since
    view_buffer._client_and_key()[0].rpush(view_buffer._client_and_key()[1], b"not json")
    assert services.tracking_page_views_flush() == 1
    assert views_of(order) == [(merchant.pk, "fr")] and views_of(other_order) == []
    with merchant_scope(merchant):
        assert TrackingPageView.objects.get().viewed_at == WHEN


def test_a_failed_insert_puts_the_batch_back(redis_cache, merchant, order, monkeypatch):
    buffer(merchant, order, 3)
    real_bulk_create = TrackingPageView.objects.bulk_create

    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(TrackingPageView.objects, "bulk_create", database_gone)
    with pytest.raises(OperationalError):
        services.tracking_page_views_flush()
    assert view_buffer.pending() == 3 and views_of(order) == []
    monkeypatch.setattr(TrackingPageView.objects, "bulk_create", real_bulk_create)
    assert services.tracking_page_views_flush() == 3


def test_a_flush_killed_mid_way_loses_its_batch_but_never_counts_twice(redis_cache, merchant, order, monkeypatch):
    monkeypatch.setattr(services, "PAGE_VIEWS_FLUSH_BATCH", 10)
    buffer(merchant, order, 25)

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")  # not an Exception: nothing runs after it, as with a real kill

    monkeypatch.setattr(TrackingPageView.objects, "bulk_create", killed)
    with pytest.raises(SystemExit):
        services.tracking_page_views_flush()
    monkeypatch.undo()
    monkeypatch.setattr(services, "PAGE_VIEWS_FLUSH_BATCH", 10)
    assert services.tracking_page_views_flush() == 15
    assert services.tracking_page_views_flush() == 0
    assert len(views_of(order)) == 15  # the killed batch of 10 is lost: low, never high


@pytest.mark.django_db(transaction=True)
def test_concurrent_flushes_write_each_view_once(redis_cache, monkeypatch):
    from tests.factories import MerchantFactory, OrderFactory

    merchant = MerchantFactory()
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant)
    monkeypatch.setattr(services, "PAGE_VIEWS_FLUSH_BATCH", 50)
    buffer(merchant, order, 1000)
    written, errors, start = [], [], threading.Barrier(4)

    def flush():
        try:
            start.wait()
            written.append(services.tracking_page_views_flush())
        except Exception as exc:  # reported below: an assertion in a thread would go unseen
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=flush) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(written) == 1000
    assert len(views_of(order)) == 1000 and view_buffer.pending() == 0


def test_the_flush_runs_every_few_seconds_on_the_analytics_queue():
    [entry] = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "tracking.tasks.flush_page_views"]
    assert entry["task"] in app.tasks and entry["schedule"] <= 60
    assert app.amqp.router.route({}, entry["task"])["queue"].name == "analytics"
