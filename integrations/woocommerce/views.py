"""WooCommerce's door: /webhooks/woocommerce/<merchant_slug>/ (X-WC-Webhook-* headers, ping on creation)."""

import hashlib
import re

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..doors import answer, door_received, door_verified, store_and_answer
from ..inbound import header, request_headers
from . import adapter

WOOCOMMERCE_PING = re.compile(rb"webhook_id=\d+")


@csrf_exempt
@require_POST
def woocommerce_webhook(request: HttpRequest, merchant_slug: str) -> HttpResponse:
    received = door_received(request, merchant_slug, source=adapter.SOURCE, signature_header="X-WC-Webhook-Signature")
    if isinstance(received, HttpResponse):
        return received
    merchant, body, signature = received
    if not signature and WOOCOMMERCE_PING.fullmatch(body.strip()):
        # Sent once, unsigned, when the shop creates the webhook; it wants exactly 200.
        return answer(200, status="ignored")
    merchant, refused = door_verified(
        request, merchant, body, signature, source=adapter.SOURCE, keys=adapter.signing_keys
    )
    if refused:
        return refused
    topic = header(request, "X-WC-Webhook-Topic").strip()
    delivery_header = header(request, "X-WC-Webhook-Delivery-ID").strip()
    missing = [
        name
        for name, value in (("X-WC-Webhook-Topic", topic), ("X-WC-Webhook-Delivery-ID", delivery_header))
        if not value
    ]
    if missing:
        return answer(400, error=f"Missing header(s): {', '.join(missing)}.")
    if len(delivery_header) > 60 or len(topic) > 64:
        return answer(400, error="X-WC-Webhook-Delivery-ID or X-WC-Webhook-Topic is too long.")
    # WooCommerce derives the delivery id from the webhook id and the current second, so two
    # different deliveries can share it: the body's digest makes the key unique per content.
    delivery_id = f"{delivery_header}:{hashlib.sha256(body).hexdigest()}"
    return store_and_answer(
        merchant=merchant,
        adapter=adapter,
        delivery_id=delivery_id,
        topic=topic,
        headers=request_headers(request, ("x-wc-",)),
        body=body,
    )
