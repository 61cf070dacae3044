"""The shop doors' shared steps. A door does only what must happen before answering: check the
size, verify the signature over the raw bytes, check the shape, store the delivery. Processing runs
later on the ingest queue (integrations/inbound.py), so the shop gets its 200 within milliseconds.
"""

from django.http import HttpRequest, JsonResponse

from .inbound import (
    BodyNotJsonError,
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


def door_verified(
    request, merchant, body, signature, *, source: str, keys=lambda secrets: secrets, valid=signature_valid
):
    """(merchant, None) if the signature is good; else (merchant, a 401) and a security log line.

    `valid(body=, signature=, secrets=)` checks it: an HMAC of the body by default, a shared secret
    compared as sent for sources that sign nothing (Gorgias).

    The secrets come from the per-process cache; a mismatch is checked again against fresh rows,
    so a secret added a moment ago verifies at once. Nothing is stored.
    """
    if not signature:
        security_log(request, source=source, merchant_slug=merchant.slug, reason="missing signature")
        return merchant, answer(401, error="The signature header is missing.")
    slug = merchant.slug
    cached_merchant, secrets = merchant_and_secrets(slug, source)
    if cached_merchant is not None and valid(body=body, signature=signature, secrets=keys(secrets)):
        return cached_merchant, None
    fresh_merchant, secrets = merchant_and_secrets(slug, source, fresh=True)
    if fresh_merchant is not None and valid(body=body, signature=signature, secrets=keys(secrets)):
        return fresh_merchant, None
    security_log(request, source=source, merchant_slug=slug, reason="bad signature")
    return merchant, answer(401, error="The signature does not match the body with this shop's secret.")


def store_and_answer(*, merchant, adapter, delivery_id, topic, headers, body):
    """Store the signed delivery and answer the shop.

    A body that is not UTF-8 JSON text is refused (400): the shop's webhook is broken and retrying
    tells it so. Any JSON document is accepted (200), and one we cannot use is stored as failed,
    its reason shown to staff: the shop cannot fix it by resending, and Shopify deletes (WooCommerce
    disables) a subscription that keeps failing. Either way the delivery is kept for staff to see.
    `adapter` is the platform module (shopify, woocommerce): its SOURCE, TOPICS and payload_parse.
    """
    source, known_topic = adapter.SOURCE, topic in adapter.TOPICS
    refused = False
    try:
        adapter.payload_parse(topic, body)
        status = Status.RECEIVED if known_topic else Status.IGNORED
        note = "" if known_topic else f"Topic {topic!r} is not one we process."
    except BodyNotJsonError as exc:
        status, note, refused = Status.FAILED, str(exc), True
    except PayloadError as exc:
        status, note = Status.FAILED, str(exc)
    _delivery, created = delivery_store(
        merchant=merchant,
        source=source,
        delivery_id=delivery_id,
        topic=topic,
        headers=headers,
        body=body,
        status=status,
        last_error=note,
    )
    if refused:
        return answer(400, error=note)
    if not created:
        return answer(200, status="duplicate")
    if status == Status.FAILED:
        return answer(200, status="failed", error=note)
    return answer(200, status="accepted" if known_topic else "ignored")
