"""What we ask of the shop, as an outbox (DESIGN.md, mechanism 11).

How it flows:
1. `shop_action_request` stores a ShopAction in the caller's transaction, unique per
   (merchant, key): asking again with the same key returns the first row and changes nothing.
   The action is claimed at once and its first attempt queued once the transaction commits.
2. `shop_action_perform` (a Celery task on the `webhooks` queue) calls the platform's adapter
   outside any transaction, then records the outcome on the locked row, if its claim is still
   the row's: done (the shop's answer kept), refused (failed), needs a person (waiting for
   staff), or a transient error, tried again with exponential backoff until MAX_ATTEMPTS.
3. `shop_actions_claim_due`, run every minute by beat, claims due actions with
   `SELECT ... FOR UPDATE SKIP LOCKED` and queues them. A claim is a token plus a lease: a
   task whose token is no longer the row's does nothing, and an action whose worker died is
   claimed again when the lease ends and performed again with the same idempotency key, which
   is what keeps the shop from doing it twice (adapters pass it on; see adapters.py).
4. Staff retry a failed action (a new round of attempts) and confirm by hand an action that
   waits for them. Every status change goes through `_status_change`, checked against
   TRANSITIONS; an action that becomes done or failed runs the handlers registered with
   `on_shop_action_finished` in that same transaction.
"""

import json
import logging
import random
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from core.scoping import merchant_scope, unscoped

from . import adapters
from .models import ShopAction, ShopActionKind, ShopActionStatus

logger = logging.getLogger(__name__)

# Retry schedule, as for outbound webhooks: the first attempt at once, then waits of 1 min x 3^n
# capped at 8 h: 1m, 3m, 9m, 27m, 81m, ~4h, 8h, 8h -> the ninth and last attempt about 22 h later.
MAX_ATTEMPTS = 9
RETRY_BASE = timedelta(minutes=1)
RETRY_FACTOR = 3
RETRY_CAP = timedelta(hours=8)
# A claimed action is left to its worker this long before another may claim it.
CLAIM_LEASE = timedelta(minutes=5)
ERROR_LENGTH = 500
KEY_LENGTH = 255
SUBJECT_LENGTH = 120

Status = ShopActionStatus

# Every status change of an action goes through _status_change, which checks this table.
TRANSITIONS = {
    Status.PENDING: {
        Status.PENDING,  # a transient error with attempts left
        Status.SUCCEEDED,
        Status.FAILED,
        Status.WAITING_FOR_STAFF,
    },
    Status.WAITING_FOR_STAFF: {Status.SUCCEEDED},  # staff confirm they did it
    Status.FAILED: {Status.PENDING},  # staff retry: a new round
    Status.SUCCEEDED: set(),  # never performed again
}
FINISHED = {Status.SUCCEEDED, Status.FAILED}


class ShopActionStateError(Exception):
    """The action is not in a state that allows this (e.g. retrying one that succeeded)."""


class ShopActionKeyConflictError(Exception):
    """The key was already used for a different request."""


# --- Completion handlers -----------------------------------------------------------------------

FinishedHandler = Callable[[ShopAction], None]
_finished_handlers: dict[str, list[FinishedHandler]] = defaultdict(list)


def on_shop_action_finished(kind: str, handler: FinishedHandler) -> None:
    """Call `handler(action)` whenever an action of `kind` becomes done or failed.

    It runs in the transaction that changes the status, on the locked row, once per change: an
    action succeeds at most once; it is failed again only after a staff retry failed again.
    An exception rolls the status change back.
    """
    if kind not in ShopActionKind.values:
        raise ValueError(f"Unknown shop action kind {kind!r}.")
    if handler not in _finished_handlers[kind]:
        _finished_handlers[kind].append(handler)


def _status_change(action: ShopAction, status: str, *, now: datetime, **fields) -> None:
    """Set the status of a locked action and save it; finished actions run their handlers."""
    if status not in TRANSITIONS[action.status]:
        raise ValueError(f"A shop action cannot go from {action.status} to {status}.")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A shop action's status changes inside the transaction that locked it.")
    action.status = status
    action.completed_at = now if status in FINISHED else None
    for name, value in fields.items():
        setattr(action, name, value)
    action.save()
    if status in FINISHED:
        for handler in _finished_handlers.get(action.kind, ()):
            handler(action)


# --- Asking ------------------------------------------------------------------------------------


def _plain_data(value, *, field: str) -> dict:
    """`value` as the JSON object it will be stored as; refuses anything JSON cannot hold as is."""
    if not isinstance(value, dict):
        raise ValidationError({field: [gettext("Give a JSON object.")]})
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            {
                field: [
                    gettext("Only plain JSON data is allowed (amounts as strings such as “12.50”): %(error)s")
                    % {"error": exc}
                ]
            }
        ) from exc


def _request_clean(*, merchant, kind, platform, key, payload, subject, order, customer) -> dict:
    errors, cleaned = {}, {}
    if kind not in ShopActionKind.values:
        errors["kind"] = [
            gettext("Unknown kind “%(kind)s”. Use one of: %(known)s.")
            % {"kind": kind, "known": ", ".join(ShopActionKind.values)}
        ]
    if platform not in adapters.platforms():
        known = ", ".join(adapters.platforms()) or "—"
        errors["platform"] = [
            gettext("No shop adapter for “%(platform)s”. Known: %(known)s.") % {"platform": platform, "known": known}
        ]
    key = key.strip() if isinstance(key, str) else ""
    if not key:
        errors["key"] = [gettext("Give an idempotency key.")]
    elif len(key) > KEY_LENGTH:
        errors["key"] = [gettext("The key is too long (%(max)s characters at most).") % {"max": KEY_LENGTH}]
    if not isinstance(subject, str) or len(subject) > SUBJECT_LENGTH:
        errors["subject"] = [
            gettext("The subject must be text of %(max)s characters at most.") % {"max": SUBJECT_LENGTH}
        ]
    for name, row in (("order", order), ("customer", customer)):
        if row is not None and row.merchant_id != merchant.pk:
            errors[name] = [gettext("This belongs to another shop.")]
    try:
        cleaned["payload"] = _plain_data(payload, field="payload")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return {**cleaned, "kind": kind, "platform": platform, "key": key, "subject": subject.strip()}


def _same_request(existing: ShopAction, cleaned: dict) -> ShopAction:
    asked = (cleaned["kind"], cleaned["platform"], cleaned["payload"])
    if (existing.kind, existing.platform, existing.payload) != asked:
        raise ShopActionKeyConflictError(
            f"The key {existing.key!r} was already used for another request (action {existing.pk})."
        )
    return existing


def shop_action_request(
    *, merchant, kind: str, platform: str, key: str, payload: dict, subject: str = "", order=None, customer=None
) -> ShopAction:
    """Ask the shop for something, in the caller's transaction; its first attempt starts after commit.

    The same key returns the action it made first and changes nothing, also when two requests
    race (the unique constraint decides). The same key with another kind, platform or payload
    raises ShopActionKeyConflictError. Bad input raises ValidationError and stores nothing.
    Link the order or customer the payload is about: personal-data requests find it through them.
    """
    cleaned = _request_clean(
        merchant=merchant,
        kind=kind,
        platform=platform,
        key=key,
        payload=payload,
        subject=subject,
        order=order,
        customer=customer,
    )
    with merchant_scope(merchant):
        existing = ShopAction.objects.filter(merchant=merchant, key=cleaned["key"]).first()
        if existing is not None:
            return _same_request(existing, cleaned)
        now, token = timezone.now(), uuid.uuid4()
        try:
            with transaction.atomic():  # a savepoint: the caller's transaction survives a lost race
                action = ShopAction.objects.create(
                    merchant=merchant,
                    order=order,
                    customer=customer,
                    claim_token=token,
                    next_attempt_at=now + CLAIM_LEASE,
                    **cleaned,
                )
        except IntegrityError:
            existing = ShopAction.objects.filter(merchant=merchant, key=cleaned["key"]).first()
            if existing is None:
                raise
            return _same_request(existing, cleaned)
        _enqueue_on_commit(action.pk, token)
    return action


def _enqueue_on_commit(action_id: int, token: uuid.UUID) -> None:
    transaction.on_commit(lambda: _enqueue(action_id, token))


def _enqueue(action_id: int, token: uuid.UUID) -> None:
    from .tasks import perform_action

    try:
        perform_action.delay(action_id, str(token))
    except Exception:  # broker down: the claim's lease ends and the beat sweep queues it again
        logger.warning("could not queue shop action %s; the sweep will retry", action_id, exc_info=True)


# --- Claiming ----------------------------------------------------------------------------------


def retry_delay(attempts_made: int, *, jitter: bool = True) -> timedelta:
    """How long to wait after the `attempts_made`-th failed attempt (1-based)."""
    delay = min(RETRY_BASE * (RETRY_FACTOR ** max(attempts_made - 1, 0)), RETRY_CAP)
    if jitter:  # spread retries so a recovering shop is not hit all at once
        delay *= random.uniform(0.9, 1.1)
    return delay


def shop_actions_claim_due(*, limit: int = 100) -> int:
    """Claim due actions of every merchant and queue them. Returns how many were claimed."""
    now = timezone.now()
    with unscoped(), transaction.atomic():
        due = list(
            ShopAction.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")[:limit]
        )
        for action in due:
            action.claim_token = uuid.uuid4()
            action.next_attempt_at = now + CLAIM_LEASE
        ShopAction.objects.bulk_update(due, ["claim_token", "next_attempt_at"])
        for action in due:
            _enqueue_on_commit(action.pk, action.claim_token)
    return len(due)


# --- Performing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: str  # PENDING stands for "try again"
    error: str = ""
    result: dict | None = None
    error_message: dict = field(default_factory=dict)  # the error to translate for each reader


def _error_text(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__)[:ERROR_LENGTH]


def _failed(status: str, exc: adapters.ShopActionError, merchant) -> Outcome:
    """The adapter's error: stored in the shop's language, and as it came to be read in each reader's."""
    with translation.override(merchant.default_language):
        error = _error_text(exc)
    return Outcome(status, error=error, error_message={"message": exc.message, "params": exc.params})


def _attempt(action: ShopAction) -> Outcome:
    """One call to the shop through the platform's adapter. Never raises."""
    try:
        adapter = adapters.adapter_for(action.platform)
    except adapters.UnknownPlatformError as exc:
        return Outcome(Status.FAILED, error=_error_text(exc))
    try:
        answer = adapter.perform(
            merchant=action.merchant,
            action_kind=action.kind,
            payload=json.loads(json.dumps(action.payload)),  # the adapter's own copy
            idempotency_key=action.key,
        )
    except adapters.TransientShopError as exc:
        return _failed(Status.PENDING, exc, action.merchant)
    except adapters.PermanentShopError as exc:
        return _failed(Status.FAILED, exc, action.merchant)
    except adapters.NeedsStaffError as exc:
        return _failed(Status.WAITING_FOR_STAFF, exc, action.merchant)
    except Exception as exc:  # a bug in an adapter: retried with backoff, then failed, never claimed forever
        logger.exception("unexpected error performing shop action %s", action.pk)
        return Outcome(Status.PENDING, error=f"Unexpected error: {type(exc).__name__}")
    try:
        return Outcome(Status.SUCCEEDED, result=_plain_data(answer, field="result"))
    except ValidationError:
        return Outcome(Status.PENDING, error=f"The {action.platform} adapter's answer is not a JSON object.")


def shop_action_perform(*, action_id: int, claim_token: uuid.UUID) -> ShopAction | None:
    """Make the attempt the claim `claim_token` stands for. A stale claim does nothing (None)."""
    with unscoped():
        action = ShopAction.objects.select_related("merchant").filter(pk=action_id).first()
    if claim_token is None or action is None or action.claim_token != claim_token:
        return None
    with merchant_scope(action.merchant):
        outcome = _attempt(action)  # no transaction and no lock held while the shop answers
        try:
            return _outcome_record(action_id=action_id, claim_token=claim_token, outcome=outcome)
        except Exception as exc:  # e.g. a completion handler raised: the action is tried again later
            logger.exception("could not record the outcome of shop action %s", action_id)
            error = f"Recording the shop's answer failed ({type(exc).__name__}); it will be asked again."
            return _outcome_record(action_id=action_id, claim_token=claim_token, outcome=Outcome(Status.PENDING, error))


def _outcome_record(*, action_id: int, claim_token: uuid.UUID, outcome: Outcome) -> ShopAction:
    now = timezone.now()
    with transaction.atomic():
        locked = ShopAction.objects.select_for_update().get(pk=action_id)
        if locked.claim_token != claim_token:  # the lease ran out and another worker owns it now
            return locked
        locked.attempt_count += 1
        status, next_attempt_at = outcome.status, None
        if status == Status.PENDING:
            if locked.attempt_count < MAX_ATTEMPTS:
                next_attempt_at = now + retry_delay(locked.attempt_count)
            else:
                status = Status.FAILED  # given up, with the last error
        fields = {"claim_token": None, "next_attempt_at": next_attempt_at, "last_attempt_at": now}
        fields["last_error"], fields["error_message"] = outcome.error, outcome.error_message
        if outcome.result is not None:
            fields["result"] = outcome.result
        _status_change(locked, status, now=now, **fields)
    return locked


# --- Staff ---------------------------------------------------------------------------------------


def _locked_in(action: ShopAction, status: str, refusal: str) -> ShopAction:
    """The action's row, locked, if it is in `status`; else ShopActionStateError(refusal)."""
    locked = ShopAction.objects.select_for_update().get(pk=action.pk)
    if locked.status != status:
        raise ShopActionStateError(refusal % {"status": locked.get_status_display()})
    return locked


def shop_action_retry(*, action: ShopAction) -> ShopAction:
    """Staff try a failed action again: a new round of attempts, the first one now."""
    now, token = timezone.now(), uuid.uuid4()
    with transaction.atomic(), merchant_scope(action.merchant):
        refusal = gettext("Only a failed action can be tried again; this one is “%(status)s”.")
        locked = _locked_in(action, Status.FAILED, refusal)
        lease_end = now + CLAIM_LEASE
        _status_change(locked, Status.PENDING, now=now, attempt_count=0, claim_token=token, next_attempt_at=lease_end)
        _enqueue_on_commit(locked.pk, token)
    action.refresh_from_db()
    return action


def shop_action_confirm(*, action: ShopAction, result: dict, confirmed_by=None) -> ShopAction:
    """Staff did by hand what the action waits for: it is done, with `result` as the shop's answer."""
    result = _plain_data(result, field="result")
    now = timezone.now()
    with transaction.atomic(), merchant_scope(action.merchant):
        refusal = gettext("Only an action waiting for staff can be confirmed; this one is “%(status)s”.")
        locked = _locked_in(action, Status.WAITING_FOR_STAFF, refusal)
        done = {"result": result, "completed_by": confirmed_by, "last_error": "", "error_message": {}}
        _status_change(locked, Status.SUCCEEDED, now=now, **done)
    action.refresh_from_db()
    return action
