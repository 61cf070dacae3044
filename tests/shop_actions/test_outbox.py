"""The shop actions outbox: idempotent requests, attempts, retries with backoff, claims and leases."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.scoping import merchant_scope, unscoped
from shop_actions import services, tasks
from shop_actions.models import ShopAction, ShopActionKind, ShopActionStatus
from tests.factories import MerchantFactory, OrderFactory

from .conftest import ask, refund_payload

pytestmark = pytest.mark.django_db

Status = ShopActionStatus


def reload(action) -> ShopAction:
    with unscoped():
        return ShopAction.objects.get(pk=action.pk)


def count(merchant) -> int:
    with merchant_scope(merchant):
        return ShopAction.objects.count()


def run_due(capture) -> int:
    """What beat does every minute: claim due actions; their attempts run at once (eager Celery)."""
    with capture(execute=True):
        return tasks.perform_due_actions()


def later(action, extra=timedelta(seconds=1)):
    """Travel to just after the action's next attempt (or claim lease) is due."""
    return time_machine.travel(reload(action).next_attempt_at + extra, tick=False)


def test_the_same_key_twice_makes_one_action_and_one_call(merchant, fake_shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = ask(merchant)
        second = ask(merchant)
    assert first.pk == second.pk
    assert count(merchant) == 1
    assert [(call.action_kind, call.idempotency_key) for call in fake_shop.calls] == [
        ("refund", "return:RMA-1042:refund")
    ]
    assert fake_shop.calls[0].payload == refund_payload()
    with django_capture_on_commit_callbacks(execute=True):
        again = ask(merchant)  # after it succeeded: still the same row, nothing asked of the shop
    assert again.pk == first.pk and reload(again).status == Status.SUCCEEDED
    assert len(fake_shop.calls) == 1


def test_the_same_key_for_another_request_is_refused_and_changes_nothing(merchant, fake_shop):
    first = ask(merchant)
    with pytest.raises(services.ShopActionKeyConflictError, match="already used"):
        ask(merchant, payload=refund_payload(amount="99.00"))
    with pytest.raises(services.ShopActionKeyConflictError):
        ask(merchant, kind=ShopActionKind.STORE_CREDIT)
    assert reload(first).payload == refund_payload()
    assert count(merchant) == 1


def test_keys_are_per_merchant(merchant, fake_shop):
    other = MerchantFactory()
    mine, theirs = ask(merchant), ask(other)
    assert mine.pk != theirs.pk and (count(merchant), count(other)) == (1, 1)


def test_the_request_joins_the_callers_transaction(merchant, fake_shop):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        ask(merchant)
        raise RuntimeError("the caller's own work failed")
    assert count(merchant) == 0  # rolled back with the caller: nothing is asked of the shop


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"kind": "chargeback"}, "kind", "Unknown kind"),
        ({"platform": "magento"}, "platform", "No shop adapter for “magento”"),
        ({"key": "   "}, "key", "Give an idempotency key"),
        ({"key": "k" * 256}, "key", "too long"),
        ({"payload": ["not", "an", "object"]}, "payload", "JSON object"),
        ({"payload": {"amount": Decimal("12.50")}}, "payload", "amounts as strings"),
        ({"payload": {"amount": float("nan")}}, "payload", "plain JSON"),
        ({"subject": "s" * 121}, "subject", "120 characters"),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_stores_nothing(merchant, fake_shop, change, field, message):
    values = {
        "merchant": merchant,
        "kind": ShopActionKind.REFUND,
        "platform": "fakeshop",
        "key": "k-1",
        "payload": {"amount": "1.00"},
        "subject": "",
    }
    with pytest.raises(ValidationError) as error:
        services.shop_action_request(**(values | change))
    assert message in " ".join(error.value.message_dict[field])
    assert count(merchant) == 0


def test_an_order_of_another_merchant_is_refused(merchant, fake_shop):
    other = MerchantFactory()
    with merchant_scope(other):
        foreign = OrderFactory(merchant=other)
    with pytest.raises(ValidationError) as error:
        ask(merchant, order=foreign)
    assert "another shop" in error.value.message_dict["order"][0]
    assert count(merchant) == 0


def test_success_keeps_the_answer_and_is_never_performed_again(
    merchant, order, fake_shop, finished, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        action = ask(merchant, order=order)
    done = reload(action)
    assert done.status == Status.SUCCEEDED
    assert done.result == {"id": "gid://fake/Refund/1", "status": "success"}
    assert (done.attempt_count, done.last_error, done.claim_token, done.next_attempt_at) == (1, "", None, None)
    assert done.completed_at is not None
    # Neither the sweep, nor its first task delivered again by the broker, nor a staff retry asks again.
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert run_due(django_capture_on_commit_callbacks) == 0
    assert services.shop_action_perform(action_id=action.pk, claim_token=action.claim_token) is None
    with pytest.raises(services.ShopActionStateError):
        services.shop_action_retry(action=done)
    assert len(fake_shop.calls) == 1
    assert finished == [(action.pk, Status.SUCCEEDED)]


def test_a_transient_error_reschedules_with_a_growing_delay(merchant, fake_shop, django_capture_on_commit_callbacks):
    fake_shop.fail_transiently(2, "HTTP 429: slow down.")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            action = ask(merchant)
        first = reload(action)
    assert (first.status, first.attempt_count, first.last_error) == (Status.PENDING, 1, "HTTP 429: slow down.")
    assert first.claim_token is None
    first_wait = first.next_attempt_at - start
    assert timedelta(seconds=54) <= first_wait <= timedelta(seconds=66)  # 1 min, ±10 % jitter

    retried_at = first.next_attempt_at
    with time_machine.travel(retried_at, tick=False):
        assert run_due(django_capture_on_commit_callbacks) == 1
    second = reload(action)
    second_wait = second.next_attempt_at - retried_at
    assert (second.status, second.attempt_count) == (Status.PENDING, 2)
    assert timedelta(seconds=162) <= second_wait <= timedelta(seconds=198)  # 3 min, ±10 %

    with time_machine.travel(retried_at + timedelta(seconds=60), tick=False):
        assert run_due(django_capture_on_commit_callbacks) == 0  # not due yet: backoff
    with later(action):
        assert run_due(django_capture_on_commit_callbacks) == 1
    third = reload(action)
    assert (third.status, third.attempt_count, third.last_error) == (Status.SUCCEEDED, 3, "")
    assert [call.idempotency_key for call in fake_shop.calls] == ["return:RMA-1042:refund"] * 3


def test_retry_delays_grow_by_three_up_to_eight_hours():
    delays = [services.retry_delay(n, jitter=False) for n in range(1, 10)]
    assert delays[:5] == [timedelta(minutes=m) for m in (1, 3, 9, 27, 81)]
    assert delays[-1] == services.RETRY_CAP == timedelta(hours=8)
    assert delays == sorted(delays)


def test_a_refusal_fails_at_once_and_is_not_retried(merchant, fake_shop, finished, django_capture_on_commit_callbacks):
    fake_shop.refuse("Refund amount exceeds the refundable amount.")
    with django_capture_on_commit_callbacks(execute=True):
        action = ask(merchant)
    failed = reload(action)
    assert failed.status == Status.FAILED
    assert failed.last_error == "Refund amount exceeds the refundable amount."
    assert (failed.attempt_count, failed.next_attempt_at, failed.result) == (1, None, {})
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert run_due(django_capture_on_commit_callbacks) == 0
    assert len(fake_shop.calls) == 1
    assert finished == [(action.pk, Status.FAILED)]


def test_it_gives_up_after_max_attempts_with_the_last_error(
    merchant, fake_shop, finished, django_capture_on_commit_callbacks
):
    fake_shop.fail_transiently(services.MAX_ATTEMPTS - 1, "HTTP 502 from the shop.")
    fake_shop.fail_transiently(1, "Timed out after 10 s.")
    with django_capture_on_commit_callbacks(execute=True):
        action = ask(merchant)
    for _ in range(services.MAX_ATTEMPTS - 1):
        with later(action):
            assert run_due(django_capture_on_commit_callbacks) == 1
    gave_up = reload(action)
    assert gave_up.status == Status.FAILED
    assert (gave_up.attempt_count, gave_up.last_error) == (services.MAX_ATTEMPTS, "Timed out after 10 s.")
    assert len(fake_shop.calls) == services.MAX_ATTEMPTS
    assert finished == [(action.pk, Status.FAILED)]


def test_a_staff_retry_starts_a_new_round_with_the_same_key(
    merchant, fake_shop, finished, django_capture_on_commit_callbacks
):
    fake_shop.refuse("The shop is in maintenance mode.")
    with django_capture_on_commit_callbacks(execute=True):
        action = ask(merchant)
    with django_capture_on_commit_callbacks(execute=True):
        services.shop_action_retry(action=reload(action))
    done = reload(action)
    assert (done.status, done.attempt_count, done.last_error) == (Status.SUCCEEDED, 1, "")
    assert {call.idempotency_key for call in fake_shop.calls} == {action.key}
    assert finished == [(action.pk, Status.FAILED), (action.pk, Status.SUCCEEDED)]


def test_an_action_that_needs_a_person_waits_for_staff_then_is_confirmed(
    merchant, fake_shop, finished, django_capture_on_commit_callbacks
):
    fake_shop.need_staff("Create the exchange order by hand: the shop's API does not allow it.")
    with django_capture_on_commit_callbacks(execute=True):
        action = ask(merchant, kind=ShopActionKind.EXCHANGE_ORDER, key="return:RMA-7:exchange")
    waiting = reload(action)
    assert waiting.status == Status.WAITING_FOR_STAFF
    assert waiting.last_error.startswith("Create the exchange order by hand")
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert run_due(django_capture_on_commit_callbacks) == 0
    assert finished == []
    with pytest.raises(services.ShopActionStateError):
        services.shop_action_retry(action=waiting)

    services.shop_action_confirm(action=waiting, result={"reference": "#1099"})
    confirmed = reload(action)
    assert (confirmed.status, confirmed.result, confirmed.last_error) == (Status.SUCCEEDED, {"reference": "#1099"}, "")
    assert finished == [(action.pk, Status.SUCCEEDED)]
    with pytest.raises(services.ShopActionStateError, match="waiting for staff"):
        services.shop_action_confirm(action=confirmed, result={"reference": "#2000"})
    assert reload(action).result == {"reference": "#1099"}
    assert finished == [(action.pk, Status.SUCCEEDED)]
    assert len(fake_shop.calls) == 1


def test_a_stale_claims_outcome_is_ignored(merchant, fake_shop, finished, django_capture_on_commit_callbacks):
    action = ask(merchant)  # its task is queued with the first claim's token
    first_token = action.claim_token

    def lease_runs_out_and_another_worker_claims_it():
        with later(action), django_capture_on_commit_callbacks(execute=False):
            assert tasks.perform_due_actions() == 1

    fake_shop.during_call = lease_runs_out_and_another_worker_claims_it
    assert services.shop_action_perform(action_id=action.pk, claim_token=first_token).status == Status.PENDING
    claimed_again = reload(action)
    assert claimed_again.claim_token not in (None, first_token)
    assert (claimed_again.attempt_count, claimed_again.result, finished) == (0, {}, [])

    # The new claimant asks the shop with the same key and gets the same refund, done once there.
    services.shop_action_perform(action_id=action.pk, claim_token=claimed_again.claim_token)
    done = reload(action)
    assert (done.status, done.attempt_count, done.result["id"]) == (Status.SUCCEEDED, 1, "gid://fake/Refund/1")
    assert [call.idempotency_key for call in fake_shop.calls] == [action.key] * 2
    assert len(fake_shop.done) == 1
    assert finished == [(action.pk, Status.SUCCEEDED)]
    # A token nobody holds does nothing.
    assert services.shop_action_perform(action_id=action.pk, claim_token=uuid.uuid4()) is None


class WorkerKilled(BaseException):
    """What a killed worker looks like from here: nothing after the call runs."""


def test_the_lease_lets_the_sweep_take_over_a_lost_or_crashed_attempt(
    merchant, fake_shop, django_capture_on_commit_callbacks
):
    action = ask(merchant)  # the broker lost its task
    assert run_due(django_capture_on_commit_callbacks) == 0  # claimed by the lost task: left alone
    with later(action):
        fake_shop.then(WorkerKilled())
        with pytest.raises(WorkerKilled):  # this worker dies during the call to the shop
            run_due(django_capture_on_commit_callbacks)
    crashed = reload(action)
    assert (crashed.status, crashed.attempt_count) == (Status.PENDING, 0)
    with later(crashed, extra=-timedelta(seconds=1)):
        assert run_due(django_capture_on_commit_callbacks) == 0  # its lease still runs
    with later(crashed):
        assert run_due(django_capture_on_commit_callbacks) == 1
    done = reload(action)
    assert (done.status, done.attempt_count) == (Status.SUCCEEDED, 1)
    assert [call.idempotency_key for call in fake_shop.calls] == [action.key] * 2


def test_an_unknown_platform_at_attempt_time_fails_the_action(merchant, fake_shop, monkeypatch):
    action = ask(merchant)
    from shop_actions import adapters

    monkeypatch.delitem(adapters._registry, "fakeshop")
    services.shop_action_perform(action_id=action.pk, claim_token=action.claim_token)
    failed = reload(action)
    assert failed.status == Status.FAILED and "No shop adapter is registered" in failed.last_error


def test_an_adapter_bug_is_retried_with_backoff(merchant, fake_shop):
    action = ask(merchant)
    fake_shop.then(ZeroDivisionError("oops"))
    services.shop_action_perform(action_id=action.pk, claim_token=action.claim_token)
    broken = reload(action)
    assert (broken.status, broken.attempt_count, broken.last_error) == (
        Status.PENDING,
        1,
        "Unexpected error: ZeroDivisionError",
    )
    assert broken.next_attempt_at > timezone.now()


def test_an_answer_that_is_not_a_json_object_is_retried_not_stored(merchant, fake_shop, monkeypatch):
    action = ask(merchant)
    monkeypatch.setattr(fake_shop, "perform", lambda **call: ["gid://fake/Refund/1"])
    services.shop_action_perform(action_id=action.pk, claim_token=action.claim_token)
    odd = reload(action)
    assert (odd.status, odd.attempt_count, odd.result) == (Status.PENDING, 1, {})
    assert odd.last_error == "The fakeshop adapter's answer is not a JSON object."


def test_a_handler_that_raises_rolls_the_status_back_and_the_action_is_asked_again(
    merchant, fake_shop, monkeypatch, django_capture_on_commit_callbacks
):
    def broken_handler(action):
        raise LookupError("the return is gone")

    monkeypatch.setattr(services, "_finished_handlers", {ShopActionKind.REFUND: [broken_handler]})
    with django_capture_on_commit_callbacks(execute=True):
        action = ask(merchant)
    retried = reload(action)
    assert (retried.status, retried.attempt_count, retried.result) == (Status.PENDING, 1, {})
    assert retried.last_error == "Recording the shop's answer failed (LookupError); it will be asked again."
    monkeypatch.setattr(services, "_finished_handlers", {})
    with later(action):
        assert run_due(django_capture_on_commit_callbacks) == 1
    assert reload(action).status == Status.SUCCEEDED
    assert len(fake_shop.done) == 1  # asked twice, done once at the shop


def test_a_status_change_outside_the_table_is_refused(merchant, fake_shop):
    action = ask(merchant)
    from django.db import transaction

    with transaction.atomic():
        locked = reload(action)
        with pytest.raises(ValueError, match="cannot go from succeeded to pending"):
            locked.status = Status.SUCCEEDED
            services._status_change(locked, Status.PENDING, now=timezone.now())
    assert reload(action).status == Status.PENDING


def test_handlers_are_registered_per_known_kind():
    with pytest.raises(ValueError, match="Unknown shop action kind"):
        services.on_shop_action_finished("chargeback", lambda action: None)


def test_the_worker_runs_on_the_webhooks_queue_every_minute(settings):
    from config.celery import app

    [entry] = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "shop_actions.tasks.perform_due_actions"
    ]
    assert str(entry["schedule"]) == str(type(entry["schedule"])(minute="*"))
    for task in ("shop_actions.tasks.perform_due_actions", "shop_actions.tasks.perform_action"):
        assert app.amqp.router.route({}, task)["queue"].name == "webhooks"
