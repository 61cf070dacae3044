"""Inbound shop webhooks (Shopify, WooCommerce) and the dashboard pages that show them.

The receiving views do only what must happen before answering: check the size, verify
the signature over the raw bytes, check the shape, store the delivery. Processing runs
later on the ingest queue, so the shop gets its 200 within milliseconds.
"""

import hashlib
import json
import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.scoping import get_for_merchant
from merchants.access import staff_view
from merchants.models import Role

from . import shopify, woocommerce
from .models import DataExport, WebhookDelivery
from .webhooks import (
    BodyTooLargeError,
    PayloadError,
    body_read,
    delivery_replay,
    delivery_store,
    header,
    max_body_bytes,
    merchant_and_secrets,
    request_headers,
    security_log,
    signature_valid,
)

Status = WebhookDelivery.Status
WOOCOMMERCE_PING = re.compile(rb"webhook_id=\d+")
MAX_DELIVERY_ID = 128


def _answer(http_status: int, **content) -> JsonResponse:
    return JsonResponse(content, status=http_status)


def _received(request: HttpRequest, merchant_slug: str, *, source: str, signature_header: str):
    """Common door checks. Returns (merchant, body, signature) or an error response."""
    merchant, _secrets = merchant_and_secrets(merchant_slug, source)
    if merchant is None:
        return _answer(404, error="No merchant has this address. Check the webhook URL.")
    try:
        body = body_read(request)
    except BodyTooLargeError:
        return _answer(413, error=f"The body is larger than {max_body_bytes()} bytes.")
    return merchant, body, header(request, signature_header)


def _verified(request, merchant, body, signature, *, source: str, keys=lambda secrets: secrets):
    """(merchant, None) if the signature is good; else (merchant, a 401) and a security log line.

    The secrets come from the per-process cache; a mismatch is checked again against fresh rows,
    so a secret added a moment ago verifies at once. Nothing is stored.
    """
    if not signature:
        security_log(request, source=source, merchant_slug=merchant.slug, reason="missing signature")
        return merchant, _answer(401, error="The signature header is missing.")
    slug = merchant.slug
    cached_merchant, secrets = merchant_and_secrets(slug, source)
    if cached_merchant is not None and signature_valid(body=body, signature=signature, secrets=keys(secrets)):
        return cached_merchant, None
    fresh_merchant, secrets = merchant_and_secrets(slug, source, fresh=True)
    if fresh_merchant is not None and signature_valid(body=body, signature=signature, secrets=keys(secrets)):
        return fresh_merchant, None
    security_log(request, source=source, merchant_slug=slug, reason="bad signature")
    return merchant, _answer(401, error="The signature does not match the body with this shop's secret.")


def _store_and_answer(*, merchant, adapter, delivery_id, topic, headers, body):
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
        return _answer(400, error=str(payload_error))
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
        return _answer(200, status="duplicate")
    return _answer(200, status="accepted" if known_topic else "ignored")


@csrf_exempt
@require_POST
def shopify_webhook(request: HttpRequest, merchant_slug: str) -> HttpResponse:
    received = _received(request, merchant_slug, source=shopify.SOURCE, signature_header="X-Shopify-Hmac-Sha256")
    if isinstance(received, HttpResponse):
        return received
    merchant, body, signature = received
    merchant, refused = _verified(request, merchant, body, signature, source=shopify.SOURCE)
    if refused:
        return refused
    topic = header(request, "X-Shopify-Topic").strip()
    webhook_id = header(request, "X-Shopify-Webhook-Id").strip()
    missing = [name for name, value in (("X-Shopify-Topic", topic), ("X-Shopify-Webhook-Id", webhook_id)) if not value]
    if missing:
        return _answer(400, error=f"Missing header(s): {', '.join(missing)}.")
    if len(webhook_id) > MAX_DELIVERY_ID or len(topic) > 64:
        return _answer(400, error="X-Shopify-Webhook-Id or X-Shopify-Topic is too long.")
    return _store_and_answer(
        merchant=merchant,
        adapter=shopify,
        delivery_id=webhook_id,
        topic=topic,
        headers=request_headers(request, ("x-shopify-",)),
        body=body,
    )


@csrf_exempt
@require_POST
def woocommerce_webhook(request: HttpRequest, merchant_slug: str) -> HttpResponse:
    received = _received(request, merchant_slug, source=woocommerce.SOURCE, signature_header="X-WC-Webhook-Signature")
    if isinstance(received, HttpResponse):
        return received
    merchant, body, signature = received
    if not signature and WOOCOMMERCE_PING.fullmatch(body.strip()):
        # Sent once, unsigned, when the shop creates the webhook; it wants exactly 200.
        return _answer(200, status="ignored")
    merchant, refused = _verified(
        request, merchant, body, signature, source=woocommerce.SOURCE, keys=woocommerce.signing_keys
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
        return _answer(400, error=f"Missing header(s): {', '.join(missing)}.")
    if len(delivery_header) > 60 or len(topic) > 64:
        return _answer(400, error="X-WC-Webhook-Delivery-ID or X-WC-Webhook-Topic is too long.")
    # WooCommerce derives the delivery id from the webhook id and the current second, so two
    # different deliveries can share it: the body's digest makes the key unique per content.
    delivery_id = f"{delivery_header}:{hashlib.sha256(body).hexdigest()}"
    return _store_and_answer(
        merchant=merchant,
        adapter=woocommerce,
        delivery_id=delivery_id,
        topic=topic,
        headers=request_headers(request, ("x-wc-",)),
        body=body,
    )


# --- Dashboard ---------------------------------------------------------------------------------


@staff_view(Role.VIEWER)
def delivery_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    source = request.GET.get("source", "")
    deliveries = WebhookDelivery.objects.filter(merchant=request.merchant).defer("body", "headers")
    if status in Status.values:
        deliveries = deliveries.filter(status=status)
    if source:
        deliveries = deliveries.filter(source=source)
    page = Paginator(deliveries.order_by("-received_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/webhooks/delivery_list.html",
        {
            "page": page,
            "status": status,
            "source": source,
            "statuses": Status.choices,
            "can_replay": _can(request),
            "can_export": _can(request, Role.ADMIN),
        },
    )


def _can(request, role=Role.AGENT) -> bool:
    return request.membership.has_role(role)


@staff_view(Role.VIEWER)
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_for_merchant(WebhookDelivery, merchant=request.merchant, pk=pk)
    try:
        body = json.dumps(json.loads(delivery.body), indent=2, ensure_ascii=False)
    except ValueError:
        body = delivery.body
    return render(
        request,
        "orders/webhooks/delivery_detail.html",
        {"delivery": delivery, "body": body, "can_replay": _can(request)},
    )


@require_POST
@staff_view(Role.AGENT)
def delivery_replay_view(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_for_merchant(WebhookDelivery, merchant=request.merchant, pk=pk)
    delivery_replay(merchant=request.merchant, delivery=delivery)
    messages.success(request, _("The delivery was queued to be processed again."))
    return redirect("orders:webhook-detail", pk=delivery.pk)


@staff_view(Role.ADMIN)
def export_list(request: HttpRequest) -> HttpResponse:
    exports = DataExport.objects.filter(merchant=request.merchant).defer("data")
    page = Paginator(exports, 50).get_page(request.GET.get("page"))
    return render(request, "orders/webhooks/export_list.html", {"page": page})


@staff_view(Role.ADMIN)
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = get_for_merchant(DataExport, merchant=request.merchant, pk=pk)
    response = HttpResponse(
        json.dumps(export.data, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="data-export-{export.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response
