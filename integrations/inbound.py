"""Inbound webhooks: the machinery every source shares.

A delivery goes through three steps, in this order:

1. `body_read` and `signature_valid`: the raw bytes are size-checked and their HMAC verified
   in constant time before anything parses them.
2. `delivery_store`: the delivery is written as received (unique per merchant, source and
   delivery id, so a redelivery changes nothing) and a drain is requested on commit.
3. `deliveries_drain` (Celery, ingest queue) runs `delivery_process` for each received delivery:
   the source's handler turns the payload into service calls inside one transaction. A `PayloadError` is permanent and recorded; a
   `TransientError` or a database outage is recorded and retried with backoff.

Sources register their handler with `register_source("shopify", handler)`; the handler
receives the locked `WebhookDelivery` and returns a status (processed or ignored).
"""

import base64
import hashlib
import hmac
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.http.request import RawPostDataException
from django.utils import timezone

from core.drains import DATABASE_HICCUPS, Drain, commit_without_waiting_for_disk
from core.scoping import merchant_scope, unscoped
from integrations.delivery_writes import insert_unless_known
from merchants.models import Merchant

from .models import WebhookDelivery

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("security")

Status = WebhookDelivery.Status
# What a delivery's body becomes once the personal data it carried has been erased.
REDACTED_BODY = '{"redacted": true}'
ERROR_LIMIT = 2000


class BodyTooLargeError(Exception):
    pass


class PayloadError(Exception):
    """The payload cannot be processed as sent: permanent, recorded, never retried."""


class TransientError(Exception):
    """Processing cannot finish yet (e.g. a fulfillment for an order not received yet): retried."""


# --- Reading and verifying ---------------------------------------------------------------------


def max_body_bytes() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def body_read(request: HttpRequest) -> bytes:
    """The raw body, refusing more than DATA_UPLOAD_MAX_MEMORY_SIZE bytes without reading them all."""
    limit = max_body_bytes()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise BodyTooLargeError
    try:
        body = request.read(limit + 1)
    except RawPostDataException:  # something already read it through request.body
        body = request.body
    if len(body) > limit:
        raise BodyTooLargeError
    return body


def hmac_base64(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def signature_valid(*, body: bytes, signature: str, secrets: list[str]) -> bool:
    """True if `signature` is the base64 HMAC-SHA256 of `body` under any of `secrets` (rotation)."""
    if not signature or not secrets:
        return False
    given = signature.strip().encode("utf-8", "replace")
    matched = False
    for secret in secrets:  # every secret is tried, so timing does not tell which one matched
        matched |= hmac.compare_digest(hmac_base64(secret, body).encode(), given)
    return matched


def security_log(request: HttpRequest, *, source: str, merchant_slug: str, reason: str) -> None:
    security_logger.warning(
        "inbound %s webhook refused for merchant %r: %s (client %s)",
        source,
        merchant_slug,
        reason,
        request.META.get("REMOTE_ADDR", "?"),
    )


def merchant_for_slug(slug: str) -> Merchant | None:
    return Merchant.objects.filter(slug=slug).first()


# --- Per-process cache of the merchant and its secrets -------------------------------------------
# Every delivery of a busy shop would otherwise read the same merchant and secrets: two round trips
# out of the request's three. Entries live SECRETS_CACHE_SECONDS. A signature that does not verify
# against a cached entry is checked again against fresh rows, so a newly added secret verifies at
# once; a retired secret (or a merchant's changed slug) is noticed within SECRETS_CACHE_SECONDS.
# An unknown slug is never cached, so a new merchant's first delivery is accepted at once.
SECRETS_CACHE_SECONDS = 5.0
_door_cache: dict[tuple[str, str], tuple[float, Merchant, list[str]]] = {}
_door_cache_lock = threading.Lock()


def door_cache_clear() -> None:
    with _door_cache_lock:
        _door_cache.clear()


def merchant_and_secrets(slug: str, provider: str, *, fresh: bool = False) -> tuple[Merchant | None, list[str]]:
    """The merchant with this slug and its active `provider` secrets, from a short per-process cache.

    `fresh=True` reads the database and refreshes the cache (used after a failed verification).
    """
    from merchants.services import integration_secrets

    key = (slug, provider)
    now = time.monotonic()
    if not fresh:
        entry = _door_cache.get(key)
        if entry is not None and entry[0] > now:
            return entry[1], list(entry[2])
    merchant = merchant_for_slug(slug)
    if merchant is None:
        with _door_cache_lock:
            _door_cache.pop(key, None)
        return None, []
    secrets = integration_secrets(merchant=merchant, provider=provider)
    with _door_cache_lock:
        _door_cache[key] = (now + SECRETS_CACHE_SECONDS, merchant, list(secrets))
    return merchant, secrets


class BodyNotJsonError(PayloadError):
    """The body is not UTF-8 JSON text: what a door can see, so it refuses it with a 400."""


class LoneSurrogateError(ValueError):
    pass


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


# A \uD800-\uDFFF escape: half of a UTF-16 pair, which JSON text may carry only as a whole pair.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def json_parse(body: bytes | str):
    """Parse JSON exactly: integers of any size stay exact, decimals become Decimal (never float).

    Bytes must be UTF-8 (a leading byte-order mark is allowed): json.loads would also take UTF-16
    and UTF-32, which we could neither store nor show as sent. Text must be valid Unicode: a lone
    surrogate escape ("\\ud800") would pass json.loads and then fail in the database or the page.
    """
    text = body.decode("utf-8-sig") if isinstance(body, bytes) else body
    document = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    if _SURROGATE_ESCAPE.search(text):
        _refuse_lone_surrogates(document)
    return document


def _refuse_lone_surrogates(document) -> None:
    """Walk the parsed document (keys too), without recursion: nesting depth is the sender's choice."""
    waiting = [document]
    while waiting:
        value = waiting.pop()
        if isinstance(value, dict):
            waiting.extend(value.keys())
            waiting.extend(value.values())
        elif isinstance(value, list):
            waiting.extend(value)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                lone = value[exc.start]
                raise LoneSurrogateError(f"\\u{ord(lone):04x} is half of a UTF-16 surrogate pair, alone") from None


def json_document_parse(body: bytes | str):
    """Any JSON document; BodyNotJsonError says why the body is not UTF-8 JSON text."""
    try:
        return json_parse(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise BodyNotJsonError(json_error_message(exc)) from exc


def json_object_parse(body: bytes | str, *, expected: str = "a JSON object") -> dict:
    """Parse a webhook body that must be one JSON object; PayloadError says what is wrong with it."""
    payload = json_document_parse(body)
    if not isinstance(payload, dict):
        raise PayloadError(f"The body must be {expected}, not {type(payload).__name__}.")
    return payload


def json_error_message(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "The body is not UTF-8 encoded JSON."
    if isinstance(exc, RecursionError):
        return "The JSON is nested too deeply."
    if isinstance(exc, LoneSurrogateError):
        return f"The body is not valid Unicode text: {exc}."
    return f"The body is not valid JSON: {exc}."


def request_headers(request: HttpRequest, prefixes: tuple[str, ...]) -> dict[str, str]:
    """The headers worth keeping with a delivery, names lower-cased (senders vary the case).

    Read from META, as `header` does: building request.headers cost a webhook request more than
    its HMAC.
    """
    kept = {}
    for key, value in request.META.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
        elif key == "CONTENT_TYPE":
            name = "content-type"
        else:
            continue
        if name.startswith(prefixes) or name in {"content-type", "user-agent"}:
            kept[name] = value[:500]
    return kept


def header(request: HttpRequest, name: str) -> str:
    """The value of the request header `name` (any case), or ""."""
    return request.META.get("HTTP_" + name.upper().replace("-", "_"), "")


# --- Storing -----------------------------------------------------------------------------------


def _storable(text: str) -> str:
    return text.replace("\x00", "\ufffd")  # PostgreSQL text cannot hold NUL


def delivery_store(
    *,
    merchant: Merchant,
    source: str,
    delivery_id: str,
    topic: str,
    headers: dict,
    body: bytes,
    status: str = Status.RECEIVED,
    last_error: str = "",
) -> tuple[WebhookDelivery, bool]:
    """Store a delivery as received. Returns (delivery, created); a known delivery id changes nothing.

    A delivery stored as received is queued for processing once the transaction commits.
    """
    delivery = WebhookDelivery(
        merchant=merchant,
        source=source,
        delivery_id=delivery_id,
        topic=topic[:64],
        headers=headers,
        body=_storable(body.decode("utf-8", "replace")),
        body_sha256=hashlib.sha256(body).hexdigest(),
        status=status,
        last_error=last_error[:ERROR_LIMIT],
        processed_at=timezone.now() if status != Status.RECEIVED else None,
    )
    delivery.pk = insert_unless_known(delivery)  # by hand: the ORM's save() cost more than the query
    if delivery.pk is None:
        with merchant_scope(merchant):
            return WebhookDelivery.objects.get(merchant=merchant, source=source, delivery_id=delivery_id), False
    delivery._state.adding = False
    if status == Status.RECEIVED:
        transaction.on_commit(drain_request)
    return delivery, True


# --- Draining: at most WEBHOOK_DRAIN_TASKS tasks (core/drains.py) -------------------------------------
RETRY_FIRST_SECONDS = 5
DELIVERIES = Drain(
    "webhook-deliveries",
    "integrations.tasks.drain_webhook_deliveries",
    slots=lambda: settings.WEBHOOK_DRAIN_TASKS,
    batch_size=lambda: BATCH_SIZE,
    window_seconds=lambda: settings.WEBHOOK_DRAIN_WINDOW_SECONDS,
)


def drain_request() -> None:
    DELIVERIES.request()


BATCH_SIZE = 50  # deliveries claimed together: the new orders among them are created with a few statements


def _drain_batch() -> int:
    """Claim up to BATCH_SIZE waiting deliveries, oldest first; returns how many (0: none waited).

    The deliveries whose only work is to create a new order, or a new product, are done together
    (`orders_create_new`, `products_create_new`); the others are then processed one by one, each in
    its own transaction, as before.
    """
    with transaction.atomic():
        commit_without_waiting_for_disk()  # the deliveries, stored durably, are the source of truth
        with unscoped():
            waiting = WebhookDelivery.objects.select_related("merchant").select_for_update(
                of=("self",), skip_locked=True
            )
            batch = list(waiting.filter(status=Status.RECEIVED).order_by("id")[:BATCH_SIZE])
        done = _orders_create_in_bulk(batch)
        done |= _products_create_in_bulk([delivery for delivery in batch if delivery.pk not in done])
    for delivery in batch:
        if delivery.pk not in done:
            delivery_process(delivery_pk=delivery.pk, on_transient=_retry_later, waiting_only=True)
    return len(batch)


def _retry_later(pk: int) -> None:
    """A transient failure is retried on its own, with the task's backoff: the drain goes on."""
    from integrations.tasks import process_webhook_delivery

    process_webhook_delivery.apply_async((pk,), countdown=RETRY_FIRST_SECONDS)


def _orders_create_in_bulk(batch: list[WebhookDelivery]) -> set[int]:
    """Create the new orders the batch's plain order deliveries carry; returns those deliveries' ids."""
    from orders.services import orders_create_new

    return _create_in_bulk(batch, _plain_order, orders_create_new, "orders")


def _products_create_in_bulk(batch: list[WebhookDelivery]) -> set[int]:
    """Create the new products the batch's plain product deliveries carry; returns those deliveries' ids."""
    from catalogue.services import products_create_new

    return _create_in_bulk(batch, _plain_product, products_create_new, "products")


def _create_in_bulk(batch: list[WebhookDelivery], read: Callable, create_new: Callable, what: str) -> set[int]:
    """`create_new(merchant=, inputs=)` for each merchant's deliveries that `read` gives an input for;
    returns the ids of the deliveries it created a row for, marked processed."""
    groups: dict[int, list[tuple[WebhookDelivery, object]]] = {}
    for delivery in batch:
        data = read(delivery)
        if data is not None:
            groups.setdefault(delivery.merchant_id, []).append((delivery, data))
    done = set()
    for group in groups.values():
        try:
            with transaction.atomic():  # a failure undoes this group only: its deliveries go one by one
                rows = create_new(merchant=group[0][0].merchant, inputs=[data for _, data in group])
        except (IntegrityError, OperationalError):  # another drain wrote the same rows, or deadlocked with us
            continue
        except Exception:  # unforeseen: one by one, each delivery keeps its own error for a replay
            logger.exception("creating %s %s together failed; processing them one by one", len(group), what)
            continue
        done.update(delivery.pk for (delivery, _), row in zip(group, rows, strict=True) if row is not None)
    if done:
        with unscoped():
            WebhookDelivery.objects.filter(pk__in=done).update(
                status=Status.PROCESSED, attempts=F("attempts") + 1, last_error="", processed_at=timezone.now()
            )
    return done


def deliveries_drain(**kwargs) -> int:
    """Process received deliveries, oldest first, until none is left; returns how many.

    Several drains can run at once: each claims deliveries nobody holds (SKIP LOCKED).
    """
    return DELIVERIES.run(_drain_batch, **kwargs)


def delivery_replay(*, merchant: Merchant, delivery: WebhookDelivery) -> WebhookDelivery:
    """Process a delivery again (staff action). Services are upserts, so a replay is idempotent."""
    with merchant_scope(merchant), transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(merchant=merchant, pk=delivery.pk)
        delivery.status = Status.RECEIVED
        delivery.save(update_fields=["status"])
        transaction.on_commit(drain_request)
    return delivery


def deliveries_drain_stuck(*, older_than_seconds: int = 300) -> int:
    """Drain here if a delivery still waits minutes after it came (its drain task was lost)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    with unscoped():
        stuck = WebhookDelivery.objects.filter(status=Status.RECEIVED, received_at__lt=cutoff).exists()
    return deliveries_drain() if stuck else 0


# --- Processing ----------------------------------------------------------------------------------

Handler = Callable[[WebhookDelivery], str | tuple[str, str]]
# Reads the order (or product) a delivery carries when creating or updating it is all its handler
# would do; None otherwise. The drain creates the new ones among such orders (products) in bulk.
PlainInputReader = Callable[[WebhookDelivery], object | None]
_handlers: dict[str, Handler] = {}
_plain_order_readers: dict[str, PlainInputReader] = {}
_plain_product_readers: dict[str, PlainInputReader] = {}


def register_source(
    source: str,
    handler: Handler,
    *,
    plain_order: PlainInputReader | None = None,
    plain_product: PlainInputReader | None = None,
) -> None:
    _handlers[source] = handler
    if plain_order is not None:
        _plain_order_readers[source] = plain_order
    if plain_product is not None:
        _plain_product_readers[source] = plain_product


def _sources_load(source: str) -> None:
    if source not in _handlers:
        # The shop adapters register themselves on import.
        from .shopify import adapter as _shopify  # noqa: F401
        from .woocommerce import adapter as _woocommerce  # noqa: F401


def _handler_for(source: str) -> Handler:
    _sources_load(source)
    if source not in _handlers:
        raise PayloadError(f"No handler is registered for {source!r} deliveries.")
    return _handlers[source]


def _plain_order(delivery: WebhookDelivery):
    return _plain_input(delivery, _plain_order_readers, "order")


def _plain_product(delivery: WebhookDelivery):
    return _plain_input(delivery, _plain_product_readers, "product")


def _plain_input(delivery: WebhookDelivery, readers: dict[str, PlainInputReader], what: str):
    _sources_load(delivery.source)
    reader = readers.get(delivery.source)
    if reader is None or delivery.body == REDACTED_BODY:
        return None
    try:
        return reader(delivery)
    except Exception:  # unforeseen: the delivery goes one by one, where its error is recorded
        logger.exception("reading webhook delivery %s as a plain %s failed", delivery.pk, what)
        return None


# Errors worth retrying: the database or a dependency was briefly unavailable.
TRANSIENT_ERRORS = (TransientError, *DATABASE_HICCUPS)


def delivery_process(
    *, delivery_pk: int, on_transient: Callable[[int], None] | None = None, waiting_only: bool = False
) -> str | None:
    """Run a delivery's handler once and record the outcome; returns it, or None without a delivery.

    `waiting_only` takes the delivery only if it still waits and no other drain holds it. A
    transient error is recorded, then re-raised for the caller's retry, or handed to
    `on_transient(pk)` if given.
    """
    merchant = pk = None
    try:
        with transaction.atomic():
            commit_without_waiting_for_disk()  # the delivery, stored durably, is the source of truth
            locked = _delivery_lock(delivery_pk, waiting_only=waiting_only)
            if locked is None:
                return None
            merchant, pk = locked.merchant, locked.pk
            return _delivery_run(locked, merchant)
    except TRANSIENT_ERRORS as exc:
        if merchant is None:  # failed before a delivery was read: nothing to record on it
            raise
        _delivery_fail(merchant, pk, f"{_describe(exc)} Will retry.")
        if on_transient is None:
            raise
        on_transient(pk)
    except PayloadError as exc:
        _delivery_fail(merchant, pk, str(exc))
    except Exception as exc:  # a failure we did not foresee: keep it visible for a replay after the fix
        from orders.services import OrderValidationError

        if merchant is None:
            raise
        if not isinstance(exc, OrderValidationError | DatabaseError):
            logger.exception("webhook delivery %s failed", pk)
        _delivery_fail(merchant, pk, _describe(exc))
    return Status.FAILED


def _delivery_lock(delivery_pk: int, *, waiting_only: bool = False) -> WebhookDelivery | None:
    """One query locks the delivery (not its merchant) and reads its merchant."""
    with unscoped():
        deliveries = WebhookDelivery.objects.select_related("merchant").filter(pk=delivery_pk)
        if waiting_only:
            return deliveries.select_for_update(of=("self",), skip_locked=True).filter(status=Status.RECEIVED).first()
        return deliveries.select_for_update(of=("self",)).first()


def _delivery_run(locked: WebhookDelivery, merchant: Merchant) -> str:
    """Run the handler of a locked delivery in its merchant's scope and record the outcome."""
    with merchant_scope(merchant):
        if locked.status in (Status.PROCESSED, Status.IGNORED):
            return locked.status  # a duplicate task message: done already
        if locked.body == REDACTED_BODY:
            status = Status.IGNORED
            error = "The personal data in this delivery was erased; nothing left to process."
        else:
            outcome = _handler_for(locked.source)(locked)
            # A handler may return (status, note) to keep a note on a processed delivery.
            status, error = outcome if isinstance(outcome, tuple) else (outcome, "")
        _delivery_finish(locked, status=status, error=error)
        return status


def _describe(exc: Exception) -> str:
    from orders.services import OrderValidationError

    if isinstance(exc, OrderValidationError):
        return "Invalid data: " + "; ".join(f"{field}: {message}" for field, message in exc.errors.items())
    if isinstance(exc, PayloadError | TransientError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _delivery_finish(delivery: WebhookDelivery, *, status: str, error: str) -> None:
    delivery.status = status
    delivery.attempts += 1
    delivery.last_error = error[:ERROR_LIMIT]
    delivery.processed_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "last_error", "processed_at"])


def _delivery_fail(merchant: Merchant, delivery_pk: int, error: str) -> None:
    """Record a failure in its own transaction: the handler's writes were rolled back."""
    try:
        with merchant_scope(merchant), transaction.atomic():
            delivery = WebhookDelivery.objects.select_for_update().filter(merchant=merchant, pk=delivery_pk).first()
            if delivery is not None:
                _delivery_finish(delivery, status=Status.FAILED, error=error)
    except DatabaseError:  # the database is what failed; the retry will record the outcome
        logger.warning("could not record the failure of webhook delivery %s: %s", delivery_pk, error)
