"""Shopify's door: /webhooks/shopify/<merchant_slug>/ (HMAC-SHA256 of the raw body, X-Shopify-* headers)."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..doors import MAX_DELIVERY_ID, answer, door_received, door_verified, store_and_answer
from ..inbound import header, request_headers
from . import adapter


@csrf_exempt
@require_POST
def shopify_webhook(request: HttpRequest, merchant_slug: str) -> HttpResponse:
    received = door_received(request, merchant_slug, source=adapter.SOURCE, signature_header="X-Shopify-Hmac-Sha256")
    if isinstance(received, HttpResponse):
        return received
    merchant, body, signature = received
    merchant, refused = door_verified(request, merchant, body, signature, source=adapter.SOURCE)
    if refused:
        return refused
    topic = header(request, "X-Shopify-Topic").strip()
    webhook_id = header(request, "X-Shopify-Webhook-Id").strip()
    missing = [name for name, value in (("X-Shopify-Topic", topic), ("X-Shopify-Webhook-Id", webhook_id)) if not value]
    if missing:
        return answer(400, error=f"Missing header(s): {', '.join(missing)}.")
    if len(webhook_id) > MAX_DELIVERY_ID or len(topic) > 64:
        return answer(400, error="X-Shopify-Webhook-Id or X-Shopify-Topic is too long.")
    return store_and_answer(
        merchant=merchant,
        adapter=adapter,
        delivery_id=webhook_id,
        topic=topic,
        headers=request_headers(request, ("x-shopify-",)),
        body=body,
    )
