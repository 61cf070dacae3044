"""Two workers, or two callers, at the same time on the real PostgreSQL."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core.scoping import unscoped
from shop_actions import services
from shop_actions.models import ShopAction, ShopActionStatus

from .conftest import ask


def in_threads(*targets):
    """Run each target in its own thread (own database connection); re-raise what they raised."""
    errors = []

    def run(target):
        try:
            target()
        except Exception as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_perform_each_action_once(merchant, fake_shop, monkeypatch):
    with monkeypatch.context() as lost:
        lost.setattr(services, "_enqueue", lambda action_id, token: None)  # the broker lost every first task
        actions = [ask(merchant, key=f"return:RMA-{n}:refund") for n in range(12)]
    with unscoped():  # and every first claim's lease has run out
        ShopAction.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    fake_shop.delay = 0.02  # the shop takes a moment: both workers are busy at the same time
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        while services.shop_actions_claim_due(limit=2):  # each claim's attempts run after its commit
            pass

    in_threads(worker, worker)
    performed = Counter(call.idempotency_key for call in fake_shop.calls)
    assert performed == Counter({action.key: 1 for action in actions})
    with unscoped():
        assert set(ShopAction.objects.values_list("status", "attempt_count")) == {(ShopActionStatus.SUCCEEDED, 1)}


def callers_race(merchant, first_caller_then):
    """A first caller asks, then runs `first_caller_then` in its open transaction while a second
    caller asks with the same key. Returns the second caller's action id."""
    first_inserted = threading.Event()
    got = {}

    def first_caller():
        with transaction.atomic():
            ask(merchant)
            first_inserted.set()
            threading.Event().wait(0.3)  # still in its transaction when the second caller asks
            first_caller_then()

    def second_caller():
        first_inserted.wait(5)
        got["second"] = ask(merchant).pk  # waits on the unique key until the first one ends

    in_threads(first_caller, second_caller)
    return got["second"]


class CallerFailedError(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_two_callers_with_the_same_key_get_one_action(merchant, fake_shop, monkeypatch):
    monkeypatch.setattr(services, "_enqueue", lambda action_id, token: None)
    second = callers_race(merchant, lambda: None)
    with unscoped():
        assert list(ShopAction.objects.values_list("pk", flat=True)) == [second]


@pytest.mark.django_db(transaction=True)
def test_the_second_caller_takes_the_key_when_the_first_rolls_back(merchant, fake_shop, monkeypatch):
    monkeypatch.setattr(services, "_enqueue", lambda action_id, token: None)

    def fail():
        raise CallerFailedError("the first caller's own work failed")

    with pytest.raises(AssertionError, match="CallerFailedError"):
        callers_race(merchant, fail)
    with unscoped():
        [action] = ShopAction.objects.all()
    assert action.key == "return:RMA-1042:refund"
