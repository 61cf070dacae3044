"""The shop doors' shared steps. A door does only what must happen before answering: check the
size, verify the signature over the raw bytes, check the shape, store the delivery. Processing runs
later on the ingest queue (integrations/inbound.py), so the shop gets its 200 within milliseconds.
"""

from django.http import HttpRequest, JsonResponse

from .inbound import (
    BodyTooLargeError,
    PayloadError,
    body_read,
    delivery_store,
    header,
    max_body_bytes,
    merchant_and_secrets,
    security_log,
    signature_valid,
)
from .models import WebhookDelivery

Status = WebhookDelivery.Status
MAX_DELIVERY_ID = 128


def answer(http_status: int, **content) -> JsonResponse:
    return JsonResponse(content, status=http_status)


def door_received(request: HttpRequest, merchant_slug: str, *, source: str, signature_header: str):
    """Common door checks. Returns (merchant, body, signature) or an error response."""
    merchant, _secrets = merchant_and_secrets(merchant_slug, source)
    if merchant is None:
        return answer(404, error="No merchant has this address. Check the webhook URL.")
    try:
        body = body_read(request)
    except BodyTooLargeError:
        return answer(413, error=f"The body is larger than {max_body_bytes()} bytes.")
    return merchant, body, header(request, signature_header)


def door_verified(request, merchant, body, signature, *, source: str, keys=lambda secrets: secrets):
    """(merchant, None) if the signature is good; else (merchant, a 401) and a security log line.

    The secrets come from the per-process cache; a mismatch is checked again against fresh rows,
    so a secret added a moment ago verifies at once. Nothing is stored.
    """
    if not signature:
        security_log(request, source=source, merchant_slug=merchant.slug, reason="missing signature")
        return merchant, answer(401, error="The signature header is missing.")
    slug = merchant.slug
    cached_merchant, secrets = merchant_and_secrets(slug, source)
    if cached_merchant is not None and signature_valid(body=body, signature=signature, secrets=keys(secrets)):
        return cached_merchant, None
    fresh_merchant, secrets = merchant_and_secrets(slug, source, fresh=True)
    if fresh_merchant is not None and signature_valid(body=body, signature=signature, secrets=keys(secrets)):
        return fresh_merchant, None
    security_log(request, source=source, merchant_slug=slug, reason="bad signature")
    return merchant, answer(401, error="The signature does not match the body with this shop's secret.")


def store_and_answer(*, merchant, adapter, delivery_id, topic, headers, body):
    """Store the signed delivery (failed when its body is malformed) and answer the shop.

    `adapter` is the platform module (shopify, woocommerce): its SOURCE, TOPICS and payload_parse.
    """
    source, known_topic = adapter.SOURCE, topic in adapter.TOPICS
    try:
        adapter.payload_parse(topic, body)
        payload_error = None
    except PayloadError as exc:
        payload_error = exc
    if payload_error is not None:
        delivery_store(
            merchant=merchant,
            source=source,
            delivery_id=delivery_id,
            topic=topic,
            headers=headers,
            body=body,
            status=Status.FAILED,
            last_error=str(payload_error),
        )
        return answer(400, error=str(payload_error))
    status = Status.RECEIVED if known_topic else Status.IGNORED
    delivery, created = delivery_store(
        merchant=merchant,
        source=source,
        delivery_id=delivery_id,
        topic=topic,
        headers=headers,
        body=body,
        status=status,
        last_error="" if known_topic else f"Topic {topic!r} is not one we process.",
    )
    if not created:
        return answer(200, status="duplicate")
    return answer(200, status="accepted" if known_topic else "ignored")
