"""A worker leaves its start-up heap out of garbage collection, whichever pool runs its tasks."""

import gc

from celery import signals

from config.celery import start_up_heap_freeze


def _connected(signal) -> bool:
    return any(receiver() is start_up_heap_freeze for _key, receiver in signal.receivers)


def test_prefork_children_and_in_process_pools_freeze_the_start_up_heap():
    assert _connected(signals.worker_process_init) and _connected(signals.worker_ready)
    try:
        start_up_heap_freeze()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
