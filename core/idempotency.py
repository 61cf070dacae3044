"""`Idempotency-Key` for API POSTs: a retried request returns the first response and does nothing.

Decorate a DRF view method (after authentication, inside the merchant scope):

    class ThingViewSet(MerchantViewSet):
        @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER], responses={..., 422: IDEMPOTENCY_CONFLICT_RESPONSE})
        @idempotent
        def create(self, request): ...

The view runs in one transaction with the insert of the key's record, which is unique per
(merchant, key). When two requests with the same key race, the second insert waits for the
first commit, fails, and everything the second one did is rolled back; it then answers with
the first response. Only successful (2xx) responses are kept: a request refused for bad
input may be corrected and sent again with the same key.
"""

import hashlib
import json
import uuid
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import JSONField, Value
from django.http.request import RawPostDataException
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAY_HEADER = "Idempotent-Replayed"
CONFLICT_MESSAGE = (
    "This Idempotency-Key was already used with a different request. "
    "Send the same body to get the first response again, or use a new key for a new request."
)

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "A unique value (e.g. a UUID) per intended request. Repeating the request with the same key and "
        "body returns the first response without doing anything again; the same key with another body is "
        "refused with 422."
    ),
)
IDEMPOTENCY_CONFLICT_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.OBJECT, description="The Idempotency-Key was already used with another request."
)


def _request_digest(request) -> str:
    try:
        body = request.body
    except RawPostDataException:  # already parsed: hash a canonical form of the data
        body = json.dumps(request.data, sort_keys=True, default=str).encode()
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _replay(merchant, key: str, digest: str) -> Response | None:
    record = IdempotencyRecord.objects.filter(merchant=merchant, key=key).first()
    if record is None:
        return None
    if record.request_sha256 != digest:
        return Response({"detail": CONFLICT_MESSAGE}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    return Response(record.response_body, status=record.response_status, headers={REPLAY_HEADER: "true"})


def _stored_body(response):
    """The response's JSON as stored; an empty body is kept as JSON null (not SQL NULL)."""
    if response.data is None:
        return Value(None, JSONField())
    return json.loads(JSONRenderer().render(response.data))


def _key_from(request) -> str:
    key = request.headers.get(HEADER, "").strip()
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationError({HEADER: [f"At most {MAX_KEY_LENGTH} characters."]})
    return key


def idempotent(view_method):
    """Make a DRF view method honour the Idempotency-Key header (see the module docstring)."""

    @wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = _key_from(request)
        if not key:
            return view_method(view, request, *args, **kwargs)
        merchant = request.merchant
        digest = _request_digest(request)
        replay = _replay(merchant, key, digest)
        if replay is not None:
            return replay
        try:
            with transaction.atomic():
                response = view_method(view, request, *args, **kwargs)
                if status.is_success(response.status_code):
                    IdempotencyRecord.objects.create(
                        merchant=merchant,
                        key=key,
                        method=request.method,
                        path=request.path[:500],
                        request_sha256=digest,
                        response_status=response.status_code,
                        response_body=_stored_body(response),
                    )
        except IntegrityError:
            replay = _replay(merchant, key, digest)  # a concurrent request with this key won
            if replay is None:
                raise
            return replay
        return response

    return wrapper


def records_prune(*, now=None) -> int:
    """Forget stored responses older than the retention: they hold personal data and secrets."""
    from django.utils import timezone

    from core.scoping import unscoped

    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_RETENTION_HOURS)
    with unscoped():
        deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def ledger_entry_key(request) -> str:
    """A ledger entry's key from the request's Idempotency-Key (two racing requests make one entry),
    else a new one: the key of an entry an API call adds to a ledger (store credit, loyalty points)."""
    key = request.headers.get(HEADER, "").strip()
    return f"api:{hashlib.sha256(key.encode()).hexdigest()[:56]}" if key else f"api:{uuid.uuid4().hex}"
