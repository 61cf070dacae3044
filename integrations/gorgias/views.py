"""Gorgias's door: /webhooks/gorgias/<merchant_slug>/, an HTTP integration on the ticket-created trigger.

Unsigned, so the shop's secret must come in the `X-Api-Key` header the integration is set up to
send; it is compared in constant time with each active secret, and never stored with the delivery.
"""

import hashlib
import hmac

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..doors import answer, door_received, door_verified
from ..helpdesks import store_ticket, ticket_payload
from ..inbound import PayloadError, delivery_store, request_headers
from ..models import WebhookDelivery
from . import adapter

KEY_HEADER = "X-Api-Key"


def shared_secret_valid(*, body: bytes, signature: str, secrets: list[str]) -> bool:
    """True if the header holds one of the secrets. Digests are compared, so neither the length nor
    which secret matched shows in the timing; every secret is tried."""
    given = hashlib.sha256(signature.strip().encode("utf-8", "replace")).digest()
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(hashlib.sha256(secret.encode()).digest(), given)
    return matched and bool(signature.strip())


def _event(body: bytes) -> str:
    try:
        payload = ticket_payload(body)
    except PayloadError:
        return adapter.TICKET_CREATED  # unreadable: stored as failed by store_ticket, with its reason
    event = payload.get("event")
    return adapter.event_name(event if isinstance(event, str) else "")


@csrf_exempt
@require_POST
def gorgias_webhook(request: HttpRequest, merchant_slug: str) -> HttpResponse:
    received = door_received(request, merchant_slug, source=adapter.SOURCE, signature_header=KEY_HEADER)
    if isinstance(received, HttpResponse):
        return received
    merchant, body, secret = received
    merchant, refused = door_verified(request, merchant, body, secret, source=adapter.SOURCE, valid=shared_secret_valid)
    if refused:
        return refused
    headers = request_headers(request, ("x-gorgias-",))  # the secret header is left out on purpose
    event = _event(body)
    if event != adapter.TICKET_CREATED:
        delivery_store(
            merchant=merchant,
            source=adapter.SOURCE,
            delivery_id=f"{event[:40]}:{hashlib.sha256(body).hexdigest()}",
            topic=event,
            headers=headers,
            body=body,
            status=WebhookDelivery.Status.IGNORED,
            last_error=f"Event {event!r} is not one we count: only ticket-created.",
        )
        return answer(200, status="ignored")
    return store_ticket(
        merchant=merchant,
        source=adapter.SOURCE,
        topic=event,
        headers=headers,
        body=body,
        parse=adapter.ticket_parse,
    )
