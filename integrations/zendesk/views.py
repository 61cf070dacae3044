"""Zendesk's door: /webhooks/zendesk/<merchant_slug>/, a webhook called by a trigger on new tickets.

Zendesk signs `X-Zendesk-Webhook-Signature-Timestamp` + body (plain concatenation) with the
webhook's signing secret: base64 HMAC-SHA256 in `X-Zendesk-Webhook-Signature`. Both headers are
required; a body replayed with another timestamp does not verify.
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..doors import answer, door_received, door_verified
from ..helpdesks import store_ticket
from ..inbound import header, request_headers, security_log
from . import adapter

SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"


@csrf_exempt
@require_POST
def zendesk_webhook(request: HttpRequest, merchant_slug: str) -> HttpResponse:
    received = door_received(request, merchant_slug, source=adapter.SOURCE, signature_header=SIGNATURE_HEADER)
    if isinstance(received, HttpResponse):
        return received
    merchant, body, signature = received
    timestamp = header(request, TIMESTAMP_HEADER).strip()
    if not timestamp:
        security_log(request, source=adapter.SOURCE, merchant_slug=merchant.slug, reason="missing timestamp")
        return answer(401, error=f"The {TIMESTAMP_HEADER} header is missing.")
    signed = timestamp.encode("utf-8", "replace") + body
    merchant, refused = door_verified(request, merchant, signed, signature, source=adapter.SOURCE)
    if refused:
        return refused
    return store_ticket(
        merchant=merchant,
        source=adapter.SOURCE,
        topic=adapter.TOPIC,
        headers=request_headers(request, ("x-zendesk-",)),
        body=body,
        parse=adapter.ticket_parse,
    )
