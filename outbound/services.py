"""Outbound webhooks: the shop's endpoints, fan-out of our events, signed delivery with retries.

How it flows (docs/webhooks.md is the receiver's view):
1. `event_fan_out` subscribes to every order event. For each active endpoint subscribed to
   the event's type it creates one OutboundMessage, unique per (endpoint, event), holding
   the exact JSON body, and queues its first attempt once the transaction commits.
2. `message_deliver` signs the body per Standard Webhooks and POSTs it (short timeouts and an
   overall deadline, no redirects, SSRF-vetted target), records an OutboundAttempt, then schedules the next try
   as data (`next_attempt_at`) with exponential backoff for about a day.
3. `messages_claim_due`, run every minute by beat, claims due messages with
   `SELECT ... FOR UPDATE SKIP LOCKED` and queues them. A claim is a token plus a lease:
   a queued task whose token is no longer the message's does nothing, so a message is
   never sent twice by two workers, and a message whose worker died is claimed again
   when the lease ends.
4. An endpoint that has not succeeded for WEBHOOKS_DISABLE_AFTER_DAYS is disabled and its
   owners are emailed.
"""

import base64
import json
import logging
import random
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from standardwebhooks.webhooks import Webhook

from core.event_kinds import event_kind, event_kinds
from core.scoping import merchant_scope, unscoped
from merchants.models import Membership, Merchant, Role, User
from orders.events import batch_memo
from orders.models import OrderEvent
from orders.payloads import iso

from .models import OutboundAttempt, OutboundMessage, WebhookEndpoint
from .ssrf import (
    DEFAULT_DEADLINE_SECONDS,
    DeadlineExceeded,
    TargetError,
    UnresolvableHostError,
    check_url_syntax,
    safe_post,
    vet_url,
)

logger = logging.getLogger(__name__)


def subscribable_event_types() -> dict[str, str]:
    """Every event type an endpoint can subscribe to, with its description: the kinds the apps
    registered with a webhook payload (core.event_kinds). "*" and families cover later ones too."""
    return {entry.kind: entry.description for entry in event_kinds(webhook=True)}


ALL_EVENTS = "*"

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format prefix, not a secret
SECRET_BYTES = 32  # Standard Webhooks asks for 24 to 64 random bytes
PREVIOUS_SECRET_GRACE = timedelta(hours=24)  # after a rotation both secrets sign this long
USER_AGENT = "PostPurchase-Webhooks/1.0"

# Retry schedule: the first attempt at once, then waits of 1 min x 3^n capped at 8 h:
# 1m, 3m, 9m, 27m, 81m, ~4h, 8h, 8h -> the ninth and last attempt about 22 h after the first.
MAX_ATTEMPTS = 9
RETRY_BASE = timedelta(minutes=1)
RETRY_FACTOR = 3
RETRY_CAP = timedelta(hours=8)
RETRYABLE_STATUS = {408, 429}  # and every 5xx
# A claimed message is left to its worker this long before another may claim it.
CLAIM_LEASE = timedelta(minutes=5)
EXCERPT_BYTES = 1024


def _setting(name: str, default):
    return getattr(settings, name, default)


# --- Subscriptions ------------------------------------------------------------------


def event_families() -> set[str]:
    return {event_type.split(".", 1)[0] for event_type in subscribable_event_types()}


def subscription_matches(patterns: list[str], event_type: str) -> bool:
    for pattern in patterns:
        if pattern in (ALL_EVENTS, event_type):
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def event_types_clean(values) -> list[str]:
    """Validate subscriptions ("order.created", "shipment.*", "*"); return them sorted, without repeats."""
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise ValidationError({"event_types": [gettext("Give a list of event types.")]})
    cleaned = set()
    for value in values:
        if not isinstance(value, str):
            raise ValidationError({"event_types": [gettext("Each event type must be a string.")]})
        value = value.strip()
        known = (
            value == ALL_EVENTS
            or value in subscribable_event_types()
            or (value.endswith(".*") and value[:-2] in event_families())
        )
        if not known:
            raise ValidationError(
                {
                    "event_types": [
                        gettext(
                            "Unknown event type “%(value)s”. Use one of: %(known)s, a family such as %(family)s, or *."
                        )
                        % {"value": value, "known": ", ".join(subscribable_event_types()), "family": "shipment.*"}
                    ]
                }
            )
        cleaned.add(value)
    if not cleaned:
        raise ValidationError({"event_types": [gettext("Choose at least one event type.")]})
    if ALL_EVENTS in cleaned:
        return [ALL_EVENTS]
    return sorted(cleaned)


def endpoint_url_clean(url) -> str:
    """A URL we can call: well formed, http(s), and resolving only to addresses we allow."""
    if not isinstance(url, str) or not url.strip():
        raise ValidationError({"url": [gettext("Enter the URL that should receive the webhooks.")]})
    url = url.strip()
    if "://" not in url:
        raise ValidationError({"url": [gettext("Enter a valid URL, such as https://shop.example.com/hooks.")]})
    if len(url) > 500:
        raise ValidationError({"url": [gettext("The URL is too long (500 characters at most).")]})
    try:
        check_url_syntax(url)
        URLValidator(schemes=["http", "https"])(url)
        vet_url(url)
    except TargetError as exc:
        raise ValidationError({"url": [str(exc)]}) from exc
    except ValidationError as exc:
        raise ValidationError({"url": [gettext("Enter a valid URL, such as https://shop.example.com/hooks.")]}) from exc
    return url


def description_clean(description) -> str:
    if description is None:
        return ""
    if not isinstance(description, str):
        raise ValidationError({"description": [gettext("The description must be text.")]})
    if len(description) > 200:
        raise ValidationError({"description": [gettext("The description is too long (200 characters at most).")]})
    return description.strip()


# --- Endpoints ------------------------------------------------------------------------


def secret_generate() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


@dataclass(frozen=True)
class EndpointWithSecret:
    endpoint: WebhookEndpoint
    secret: str  # shown once to staff


def endpoint_create(
    *,
    merchant: Merchant,
    url: str,
    event_types: list[str],
    description: str = "",
    created_by: User | None = None,
) -> EndpointWithSecret:
    errors = {}
    cleaned = {}
    for field, clean, value in (
        ("url", endpoint_url_clean, url),
        ("event_types", event_types_clean, event_types),
        ("description", description_clean, description),
    ):
        try:
            cleaned[field] = clean(value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    secret = secret_generate()
    with transaction.atomic(), merchant_scope(merchant):
        endpoint = WebhookEndpoint.objects.create(merchant=merchant, secret=secret, created_by=created_by, **cleaned)
    return EndpointWithSecret(endpoint=endpoint, secret=secret)


_UNCHANGED = object()


def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str = _UNCHANGED,
    event_types: list[str] = _UNCHANGED,
    description: str = _UNCHANGED,
    is_active: bool = _UNCHANGED,
) -> WebhookEndpoint:
    """Change what was given; leave the rest. Nothing is saved unless every value is valid."""
    errors, changes = {}, {}
    for field, clean, value in (
        ("url", endpoint_url_clean, url),
        ("event_types", event_types_clean, event_types),
        ("description", description_clean, description),
    ):
        if value is _UNCHANGED:
            continue
        try:
            changes[field] = clean(value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if is_active is not _UNCHANGED and not isinstance(is_active, bool):
        errors["is_active"] = [gettext("Use true or false.")]
    if errors:
        raise ValidationError(errors)
    if "url" in changes and changes["url"] != endpoint.url:
        changes["failing_since"] = None  # a new address starts with a clean record
    with transaction.atomic(), merchant_scope(endpoint.merchant):
        for field, value in changes.items():
            setattr(endpoint, field, value)
        if changes:
            endpoint.save(update_fields=[*changes, "updated_at"])
        if is_active is True:
            endpoint_enable(endpoint=endpoint)
        elif is_active is False:
            endpoint_disable(endpoint=endpoint, reason=WebhookEndpoint.DisabledReason.MANUAL)
    endpoint.refresh_from_db()
    return endpoint


def endpoint_enable(*, endpoint: WebhookEndpoint) -> None:
    """Switch deliveries back on; the failure history starts over."""
    with merchant_scope(endpoint.merchant):
        WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=False).update(
            is_active=True,
            disabled_at=None,
            disabled_reason="",
            disable_notified_at=None,
            failing_since=None,
            updated_at=timezone.now(),
        )
    endpoint.refresh_from_db()


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> bool:
    """Stop deliveries. Pending messages fail (staff may resend them later). True if it was active.

    An endpoint disabled for failing has its owners emailed once the transaction commits.
    """
    now = timezone.now()
    with transaction.atomic(), merchant_scope(endpoint.merchant):
        switched = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
            is_active=False, disabled_at=now, disabled_reason=reason, updated_at=now
        )
        if switched:  # PENDING -> FAILED, an allowed transition (MESSAGE_TRANSITIONS)
            OutboundMessage.objects.filter(endpoint=endpoint, status=OutboundMessage.Status.PENDING).update(
                status=OutboundMessage.Status.FAILED,
                next_attempt_at=None,
                claim_token=None,
                last_error="The endpoint was disabled.",
            )
            if reason == WebhookEndpoint.DisabledReason.FAILING:
                endpoint_id = endpoint.pk
                transaction.on_commit(lambda: _enqueue_disabled_notice(endpoint_id))
    endpoint.refresh_from_db()
    return bool(switched)


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Remove the endpoint with its delivery log."""
    with transaction.atomic(), merchant_scope(endpoint.merchant):
        endpoint.delete()


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> str:
    """Issue a new secret. The old one keeps signing alongside for PREVIOUS_SECRET_GRACE."""
    new_secret = secret_generate()
    with transaction.atomic(), merchant_scope(endpoint.merchant):
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.previous_secret = locked.secret
        locked.previous_secret_expires_at = timezone.now() + PREVIOUS_SECRET_GRACE
        locked.secret = new_secret
        locked.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    endpoint.refresh_from_db()
    return new_secret


# --- The body receivers get ----------------------------------------------------------


def event_data(event: OrderEvent) -> dict:
    """The event's own fields (ids aside), with its objects (order, shipment…) as they are now."""
    return event_kind(event.kind).webhook_data(event)


def event_body(event: OrderEvent) -> str:
    """The JSON text we sign and send, frozen at fan-out so every attempt sends the same bytes."""
    document = {"type": event.kind, "timestamp": iso(event.occurred_at), "data": event_data(event)}
    return json.dumps(document, separators=(",", ":"), sort_keys=False)


# --- Fan-out ---------------------------------------------------------------------------


def _new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def event_fan_out(event: OrderEvent) -> list[OutboundMessage]:
    """Subscriber of every order event (runs in the event's merchant scope). Idempotent.

    Returns the messages created now; a second publication of the same event creates none.

    The endpoints are read once per batch, in the batch's transaction, after its events were claimed
    (never from a pass-long memo): an endpoint registered, subscribed or enabled before an event was
    committed is committed before that event's claim, so this read sees it. Every event published
    after the change's answer therefore reaches the endpoint.
    """
    if event.kind not in subscribable_event_types():
        return []
    active = batch_memo(
        ("webhook-endpoints", event.merchant_id),
        lambda _events: list(WebhookEndpoint.objects.filter(merchant=event.merchant_id, is_active=True)),
        event,
    )
    endpoints = [endpoint for endpoint in active if subscription_matches(endpoint.event_types, event.kind)]
    if not endpoints:
        return []
    already = set(
        OutboundMessage.objects.filter(event=event, endpoint__in=endpoints).values_list("endpoint_id", flat=True)
    )
    endpoints = [endpoint for endpoint in endpoints if endpoint.pk not in already]
    if not endpoints:
        return []
    body = event_body(event)
    created = []
    with transaction.atomic():
        lease_end = timezone.now() + CLAIM_LEASE
        for endpoint in endpoints:
            token = uuid.uuid4()
            message, was_created = OutboundMessage.objects.get_or_create(
                endpoint=endpoint,
                event=event,
                defaults={
                    "merchant_id": event.merchant_id,
                    "message_id": _new_message_id(),
                    "event_type": event.kind,
                    "body": body,
                    "next_attempt_at": lease_end,
                    "claim_token": token,
                },
            )
            if was_created:
                created.append(message)
                _enqueue_on_commit(message.pk, token)
    return created


def _enqueue_on_commit(message_id: int, token: uuid.UUID) -> None:
    transaction.on_commit(lambda: _enqueue_delivery(message_id, token))


def _enqueue_delivery(message_id: int, token: uuid.UUID) -> None:
    from outbound.tasks import deliver_message

    try:
        deliver_message.delay(message_id, str(token))
    except Exception:  # broker down: the claim's lease ends and the dispatcher queues it again
        logger.warning("could not queue webhook message %s; the dispatcher will retry", message_id, exc_info=True)


def _enqueue_disabled_notice(endpoint_id: int) -> None:
    from outbound.tasks import notify_endpoint_disabled

    try:
        notify_endpoint_disabled.delay(endpoint_id)
    except Exception:
        logger.error("could not queue the disabled-endpoint email for endpoint %s", endpoint_id, exc_info=True)


# --- Claiming and scheduling ----------------------------------------------------------------


def retry_delay(attempts_made: int, *, jitter: bool = True) -> timedelta:
    """How long to wait after the `attempts_made`-th failed attempt (1-based)."""
    delay = min(RETRY_BASE * (RETRY_FACTOR ** max(attempts_made - 1, 0)), RETRY_CAP)
    if jitter:  # spread retries so a recovering receiver is not hit all at once
        delay *= random.uniform(0.9, 1.1)
    return delay


def messages_claim_due(*, limit: int = 500) -> int:
    """Claim due messages of every merchant and queue them. Returns how many were claimed."""
    now = timezone.now()
    with unscoped(), transaction.atomic():
        due = list(
            OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=OutboundMessage.Status.PENDING, next_attempt_at__lte=now, endpoint__is_active=True)
            .order_by("next_attempt_at")[:limit]
        )
        for message in due:
            message.claim_token = uuid.uuid4()
            message.next_attempt_at = now + CLAIM_LEASE
        OutboundMessage.objects.bulk_update(due, ["claim_token", "next_attempt_at"])
        for message in due:
            _enqueue_on_commit(message.pk, message.claim_token)
    return len(due)


# Every status change of a message goes through _message_status_set, which checks this table.
MESSAGE_TRANSITIONS = {
    OutboundMessage.Status.PENDING: {
        OutboundMessage.Status.PENDING,  # a failed attempt with retries left
        OutboundMessage.Status.SUCCEEDED,
        OutboundMessage.Status.FAILED,
    },
    OutboundMessage.Status.SUCCEEDED: {OutboundMessage.Status.PENDING},  # resend
    OutboundMessage.Status.FAILED: {OutboundMessage.Status.PENDING},  # resend
}


def _message_status_set(message: OutboundMessage, status: str) -> None:
    if status not in MESSAGE_TRANSITIONS[message.status]:
        raise ValueError(f"An outbound message cannot go from {message.status} to {status}.")
    message.status = status


class DeliveryInProgressError(Exception):
    """An attempt of this message is queued or running right now."""


def message_resend(*, message: OutboundMessage) -> None:
    """Staff asked to send the message again: one more round of attempts, starting now."""
    now = timezone.now()
    with transaction.atomic(), merchant_scope(message.merchant):
        locked = OutboundMessage.objects.select_for_update().select_related("endpoint").get(pk=message.pk)
        if not locked.endpoint.is_active:
            raise ValidationError(gettext("This endpoint is disabled. Enable it before resending."))
        if locked.claim_token is not None and locked.next_attempt_at and locked.next_attempt_at > now:
            raise DeliveryInProgressError(gettext("A delivery of this message is already in progress."))
        token = uuid.uuid4()
        _message_status_set(locked, OutboundMessage.Status.PENDING)
        locked.attempt_count = 0
        locked.resend_requested = True
        locked.claim_token = token
        locked.next_attempt_at = now + CLAIM_LEASE
        locked.save(update_fields=["status", "attempt_count", "resend_requested", "claim_token", "next_attempt_at"])
        _enqueue_on_commit(locked.pk, token)
    message.refresh_from_db()


# --- Delivery ---------------------------------------------------------------------------------


def signature_headers(*, endpoint: WebhookEndpoint, message_id: str, body: str, at: datetime) -> dict[str, str]:
    """Standard Webhooks headers. During a rotation both secrets sign (space-separated)."""
    timestamp = int(at.timestamp())
    signed_at = datetime.fromtimestamp(timestamp, tz=UTC)
    secrets_in_use = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > at:
        secrets_in_use.append(endpoint.previous_secret)
    signatures = [Webhook(secret).sign(msg_id=message_id, timestamp=signed_at, data=body) for secret in secrets_in_use]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signatures),
    }


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    duration_ms: int
    excerpt: str
    error: str
    succeeded: bool
    retryable: bool


def _classify(status_code: int, location: str) -> tuple[bool, bool, str]:
    """(succeeded, retryable, error) for an HTTP answer."""
    if 200 <= status_code < 300:
        return True, False, ""
    if 300 <= status_code < 400:
        return False, False, f"Redirects are not followed (HTTP {status_code} to {location[:200] or '?'})."
    if status_code in RETRYABLE_STATUS or status_code >= 500:
        return False, True, f"HTTP {status_code}."
    return False, False, f"HTTP {status_code}: not retried."


def _connection_error_text(exc: requests.ConnectionError) -> str:
    """The useful part of a connection error, without urllib3's pool and retry wrapping."""
    reason = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)
    text = str(reason)
    return text.split("): ", 1)[1] if "): " in text else text


def _storable(text: str) -> str:
    """The receiver's text without NUL characters, which PostgreSQL text columns refuse."""
    return text.replace("\x00", "\ufffd")


def message_send(*, endpoint: WebhookEndpoint, message: OutboundMessage) -> SendResult:
    """One signed POST of the message's body. Never raises for network or receiver trouble."""
    timeout = float(_setting("WEBHOOKS_TIMEOUT_SECONDS", 5))
    deadline = float(_setting("WEBHOOKS_ATTEMPT_DEADLINE_SECONDS", DEFAULT_DEADLINE_SECONDS))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signature_headers(endpoint=endpoint, message_id=message.message_id, body=message.body, at=timezone.now()),
    }
    started = time.monotonic()
    status_code, excerpt, error, succeeded, retryable = None, "", "", False, True
    try:
        answer = safe_post(
            endpoint.url,
            body=message.body.encode("utf-8"),
            headers=headers,
            timeout=timeout,
            deadline=deadline,
            excerpt_bytes=EXCERPT_BYTES,
        )
    except UnresolvableHostError as exc:
        error = str(exc)
    except TargetError as exc:
        error, retryable = f"Refused target: {exc}", False
    except DeadlineExceeded as exc:
        error = str(exc)
    except requests.Timeout:
        error = f"No answer within {timeout:g} s."
    except requests.ConnectionError as exc:
        error = f"Connection failed: {_connection_error_text(exc)}"
    except requests.RequestException as exc:
        error, retryable = f"Request failed: {exc}", False
    except Exception as exc:  # a bug of ours must not leave the message claimed and retried forever
        logger.exception("unexpected error sending webhook message %s", message.pk)
        error = f"Unexpected error: {type(exc).__name__}"
    else:
        status_code = answer.status_code
        excerpt = answer.excerpt.decode("utf-8", errors="replace")
        succeeded, retryable, error = _classify(answer.status_code, answer.location)
    return SendResult(
        status_code=status_code,
        duration_ms=int((time.monotonic() - started) * 1000),
        excerpt=_storable(excerpt),
        error=_storable(error)[:500],
        succeeded=succeeded,
        retryable=retryable and not succeeded,
    )


def message_deliver(*, message_id: int, claim_token: uuid.UUID) -> OutboundAttempt | None:
    """Make the attempt the claim `claim_token` stands for. A stale claim does nothing."""
    with unscoped():
        message = OutboundMessage.objects.select_related("endpoint", "merchant").filter(pk=message_id).first()
    if (
        claim_token is None
        or message is None
        or message.status != OutboundMessage.Status.PENDING
        or message.claim_token != claim_token
    ):
        return None
    endpoint = message.endpoint
    if not endpoint.is_active:
        return None
    with merchant_scope(message.merchant):
        result = message_send(endpoint=endpoint, message=message)  # no transaction held during the call
        return _attempt_record(message=message, claim_token=claim_token, result=result)


def _attempt_record(*, message: OutboundMessage, claim_token: uuid.UUID, result: SendResult) -> OutboundAttempt:
    now = timezone.now()
    with transaction.atomic():
        locked = OutboundMessage.objects.select_for_update().get(pk=message.pk)
        attempt = OutboundAttempt.objects.create(
            merchant_id=locked.merchant_id,
            message=locked,
            attempted_at=now,
            url=message.endpoint.url,
            status_code=result.status_code,
            duration_ms=result.duration_ms,
            response_excerpt=result.excerpt,
            error=result.error,
            succeeded=result.succeeded,
            manual=locked.resend_requested,
        )
        if locked.claim_token != claim_token:  # the lease ran out and someone else owns it now
            return attempt
        locked.attempt_count += 1
        locked.last_attempt_at = now
        locked.last_error = result.error
        locked.claim_token = None
        locked.resend_requested = False
        if result.succeeded:
            _message_status_set(locked, OutboundMessage.Status.SUCCEEDED)
            locked.delivered_at = now
            locked.next_attempt_at = None
        elif result.retryable and locked.attempt_count < MAX_ATTEMPTS:
            _message_status_set(locked, OutboundMessage.Status.PENDING)
            locked.next_attempt_at = now + retry_delay(locked.attempt_count)
        else:
            _message_status_set(locked, OutboundMessage.Status.FAILED)
            locked.next_attempt_at = None
        locked.save()
        _endpoint_health_record(endpoint=message.endpoint, succeeded=result.succeeded, at=now)
    return attempt


def _endpoint_health_record(*, endpoint: WebhookEndpoint, succeeded: bool, at: datetime) -> None:
    if succeeded:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None, last_success_at=at)
        return
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=at)
    endpoint.refresh_from_db(fields=["failing_since", "is_active"])
    disable_after = timedelta(days=_setting("WEBHOOKS_DISABLE_AFTER_DAYS", 3))
    if endpoint.is_active and endpoint.failing_since and at - endpoint.failing_since >= disable_after:
        endpoint_disable(endpoint=endpoint, reason=WebhookEndpoint.DisabledReason.FAILING)


# --- Owner notice and housekeeping ------------------------------------------------------------


def endpoint_disabled_notify(*, endpoint_id: int) -> int:
    """Email the merchant's owners, each in their language, that the endpoint was disabled.

    Sent at most once per disabling (the claim on `disable_notified_at` comes first).
    Returns the number of emails sent.
    """
    now = timezone.now()
    with unscoped():
        endpoint = WebhookEndpoint.objects.select_related("merchant").filter(pk=endpoint_id).first()
        if endpoint is None or endpoint.is_active:
            return 0
        claimed = WebhookEndpoint.objects.filter(pk=endpoint_id, disable_notified_at__isnull=True).update(
            disable_notified_at=now
        )
        if not claimed:
            return 0
        owners = [
            membership.user
            for membership in Membership.objects.filter(merchant=endpoint.merchant, role=Role.OWNER)
            .select_related("user")
            .order_by("id")
            if membership.user.is_active
        ]
    settings_url = settings.SITE_URL + reverse("webhooks:detail", kwargs={"pk": endpoint.pk})
    sent = 0
    for owner in owners:
        with translation.override(owner.language or endpoint.merchant.default_language):
            context = {
                "endpoint": endpoint,
                "merchant": endpoint.merchant,
                "owner": owner,
                "settings_url": settings_url,
            }
            subject = render_to_string("outbound/email/endpoint_disabled_subject.txt", context).strip()
            body = render_to_string("outbound/email/endpoint_disabled.txt", context)
        sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [owner.email])
    return sent


def webhook_history_prune(*, batch_size: int = 5000) -> tuple[int, int]:
    """Delete attempts and finished messages older than WEBHOOKS_RETENTION_DAYS, in batches.

    Returns (attempts deleted, messages deleted).
    """
    cutoff = timezone.now() - timedelta(days=_setting("WEBHOOKS_RETENTION_DAYS", 30))
    attempts_deleted = messages_deleted = 0
    with unscoped():
        while True:
            ids = list(
                OutboundAttempt.objects.filter(attempted_at__lt=cutoff).values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            attempts_deleted += OutboundAttempt.objects.filter(pk__in=ids).delete()[0]
        while True:
            ids = list(
                OutboundMessage.objects.filter(created_at__lt=cutoff)
                .exclude(status=OutboundMessage.Status.PENDING)
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            deleted = OutboundMessage.objects.filter(pk__in=ids).delete()[1]
            messages_deleted += deleted.get(OutboundMessage._meta.label, 0)
            attempts_deleted += deleted.get(OutboundAttempt._meta.label, 0)
    return attempts_deleted, messages_deleted
