"""Deliveries stored at the same moment by several threads of a process share one INSERT and commit."""

import threading
import time

import pytest
from django.db import IntegrityError, connection, connections

from core.scoping import unscoped
from integrations import delivery_writes
from integrations.models import WebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)


def delivery(merchant, delivery_id: str) -> WebhookDelivery:
    return WebhookDelivery(
        merchant=merchant,
        source="shopify",
        delivery_id=delivery_id,
        topic="orders/create",
        headers={"x-shopify-topic": "orders/create"},
        body='{"id": 1}',
        body_sha256="0" * 64,
        status=WebhookDelivery.Status.IGNORED,  # nothing to drain
    )


def store_from_threads(deliveries: list[WebhookDelivery]) -> list:
    """Each delivery stored by its own thread, all released at once; returns ids or errors."""
    results: list = [None] * len(deliveries)
    start = threading.Barrier(len(deliveries))

    def store(index: int) -> None:
        start.wait()
        try:
            results[index] = delivery_writes.insert_unless_known(deliveries[index])
        except BaseException as exc:  # what the thread died of is its result
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=store, args=(index,)) for index in range(len(deliveries))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a thread still waits for a write"
    return results


def stored_ids() -> list[str]:
    with unscoped():
        return sorted(WebhookDelivery.objects.values_list("delivery_id", flat=True))


def test_concurrent_deliveries_are_written_together_and_each_gets_its_id(merchant, monkeypatch):
    statements = []
    real = delivery_writes.insert_many
    monkeypatch.setattr(delivery_writes, "insert_many", lambda batch: statements.append(len(batch)) or real(batch))
    deliveries = [delivery(merchant, f"d-{n}") for n in range(8)]

    results = store_from_threads(deliveries)

    assert stored_ids() == [f"d-{n}" for n in range(8)]
    with unscoped():
        ids = dict(WebhookDelivery.objects.values_list("delivery_id", "pk"))
    assert results == [ids[f"d-{n}"] for n in range(8)]
    assert sum(statements) == 8 and len(statements) < 8  # some threads shared a statement


def test_the_same_delivery_sent_twice_at_once_is_stored_once(merchant):
    results = store_from_threads([delivery(merchant, "twice"), delivery(merchant, "twice"), delivery(merchant, "x")])

    assert stored_ids() == ["twice", "x"]
    assert sorted(result is None for result in results[:2]) == [False, True]  # one new, one known


def test_a_row_that_fails_a_shared_write_fails_only_its_own_request(merchant, monkeypatch):
    real = delivery_writes.insert_many

    def refuse_the_bad_one(batch):
        if any(item.delivery_id == "bad" for item in batch):
            raise IntegrityError("bad row")
        return real(batch)

    monkeypatch.setattr(delivery_writes, "insert_many", refuse_the_bad_one)
    deliveries = [delivery(merchant, "bad")] + [delivery(merchant, f"good-{n}") for n in range(5)]

    results = store_from_threads(deliveries)

    assert isinstance(results[0], IntegrityError)
    assert all(isinstance(result, int) for result in results[1:])
    assert stored_ids() == [f"good-{n}" for n in range(5)]


def test_inside_a_transaction_a_delivery_is_written_in_it(merchant):
    from django.db import transaction

    with transaction.atomic():
        pk = delivery_writes.insert_unless_known(delivery(merchant, "in-tx"))
        assert connection.in_atomic_block and pk is not None
        transaction.set_rollback(True)

    assert stored_ids() == []


def test_a_writing_thread_that_dies_releases_the_threads_waiting_on_it(merchant, monkeypatch):
    real = delivery_writes.insert_many
    died = []

    def dies_once_while_writing_for_others(batch):
        if len(batch) > 1 and not died:
            died.append([item.delivery_id for item in batch])
            raise KeyboardInterrupt  # not an Exception: nothing catches it on the way up
        return real(batch)

    monkeypatch.setattr(delivery_writes, "insert_many", dies_once_while_writing_for_others)
    results = store_from_threads([delivery(merchant, f"d-{n}") for n in range(8)])

    assert died, "no two threads shared a write"
    assert [type(result) for result in results].count(KeyboardInterrupt) == 1  # the thread that died
    assert sum(isinstance(result, int) for result in results) == 7  # every other one stored its delivery
    assert len(stored_ids()) == 7


def test_only_a_write_during_a_burst_waits_for_more_rows(merchant, monkeypatch):
    monkeypatch.setattr(delivery_writes, "BUSY_SECONDS", 5.0)
    monkeypatch.setattr(delivery_writes, "GATHER_SECONDS", 1.0)
    writes = delivery_writes.SharedWrites()

    started = time.monotonic()
    writes.insert(delivery(merchant, "after-a-quiet-spell"))
    assert time.monotonic() - started < 0.5  # written at once

    started = time.monotonic()
    writes.insert(delivery(merchant, "in-a-burst"))
    assert time.monotonic() - started >= 1.0  # waited for company, then wrote alone
    assert stored_ids() == ["after-a-quiet-spell", "in-a-burst"]
