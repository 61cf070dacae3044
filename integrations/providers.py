"""Receiving and processing tracking-provider webhooks (AfterShip, EasyPost, ...).

The door (the view) checks size and signature, parses the payload, and stores the delivery
in orders.WebhookDelivery (unique per merchant, source and delivery id: a redelivery changes
nothing). Only a body that is not UTF-8 JSON text is refused; a payload the parser cannot use is
stored as failed, with its reason, and accepted. Processing runs on the ingest queue through the
shared machinery in integrations/inbound.py, which calls `process_delivery` below.
"""

import hashlib
import importlib
import logging
from types import ModuleType

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from merchants.services import integration_secrets
from tracking.services import provider_events_apply

from .inbound import (
    BodyNotJsonError,
    BodyTooLargeError,
    PayloadError,
    body_read,
    delivery_store,
    max_body_bytes,
    merchant_for_slug,
    register_source,
    request_headers,
    security_log,
)
from .models import WebhookDelivery

logger = logging.getLogger(__name__)
Status = WebhookDelivery.Status
PARSERS = ("integrations.aftership.parser", "integrations.easypost.parser")


def discover() -> dict[str, ModuleType]:
    """Every tracking provider's parser module, by its SOURCE."""
    modules = (importlib.import_module(name) for name in PARSERS)
    return {module.SOURCE: module for module in modules}


def provider_urls() -> list:
    """/webhooks/<provider>/<merchant_slug>/ for every provider."""
    return [
        path(f"{source}/<slug:merchant_slug>/", provider_view(source), name=f"webhook-{source}")
        for source in sorted(discover())
    ]


def _answer(http_status: int, **content) -> JsonResponse:
    return JsonResponse(content, status=http_status)


def _failed_store(merchant, source: str, headers: dict, body: bytes, error: str):
    """A body we cannot read has no delivery id of its own: its digest stands for one."""
    return delivery_store(
        merchant=merchant,
        source=source,
        delivery_id="body:" + hashlib.sha256(body).hexdigest(),
        topic="",
        headers=headers,
        body=body,
        status=Status.FAILED,
        last_error=error,
    )


def _failed_answer(merchant, source: str, headers: dict, body: bytes, error: str) -> JsonResponse:
    """Content the provider cannot fix by resending: stored as failed for staff, and accepted."""
    _failed_store(merchant, source, headers, body, error)
    return _answer(200, status="failed", error=error)


def provider_view(source: str):
    module = discover()[source]

    @csrf_exempt
    @require_POST
    def receive(request: HttpRequest, merchant_slug: str) -> HttpResponse:
        merchant = merchant_for_slug(merchant_slug)
        if merchant is None:
            return _answer(404, error="No merchant has this address. Check the webhook URL.")
        try:
            body = body_read(request)
        except BodyTooLargeError:
            return _answer(413, error=f"The body is larger than {max_body_bytes()} bytes.")
        secrets = integration_secrets(merchant=merchant, provider=source)
        if not secrets:
            security_log(request, source=source, merchant_slug=merchant.slug, reason="no secret configured")
            return _answer(401, error=f"This shop has no {source} webhook secret set up yet.")
        if not module.signature_valid(body=body, headers=request.headers, secrets=secrets):
            security_log(request, source=source, merchant_slug=merchant.slug, reason="bad or missing signature")
            return _answer(
                401, error=f"The {module.SIGNATURE_HEADER} signature does not match the body with this shop's secret."
            )
        headers = request_headers(request, ("aftership-", "as-", "x-hmac-", "x-easypost"))
        try:
            update = module.parse(body, request.headers, default_tz=merchant.tzinfo)
        except BodyNotJsonError as exc:
            _failed_store(merchant, source, headers, body, str(exc))
            return _answer(400, error=str(exc))
        except PayloadError as exc:
            return _failed_answer(merchant, source, headers, body, str(exc))
        except Exception as exc:  # a parser bug: kept for a replay once fixed, never a 500 the provider retries
            logger.exception("parsing a %s webhook failed", source)
            return _failed_answer(merchant, source, headers, body, f"{type(exc).__name__}: {exc}")
        _delivery, created = delivery_store(
            merchant=merchant,
            source=source,
            delivery_id=update.delivery_id,
            topic=update.topic,
            headers=headers,
            body=body,
            status=Status.RECEIVED if update.processed else Status.IGNORED,
            last_error="" if update.processed else f"Event {update.topic!r} carries no tracking update.",
        )
        if not created:
            return _answer(200, status="duplicate")
        return _answer(200, status="accepted" if update.processed else "ignored")

    return receive


def process_delivery(delivery: WebhookDelivery):
    """Apply a stored provider delivery (runs inside the merchant's scope and a transaction)."""
    module = discover()[delivery.source]
    update = module.parse(delivery.body.encode("utf-8"), delivery.headers, default_tz=delivery.merchant.tzinfo)
    if not update.processed:
        return Status.IGNORED
    result = provider_events_apply(
        merchant=delivery.merchant,
        source=delivery.source,
        tracking_number=update.tracking_number,
        events=update.events,
        carrier=update.carrier,
        estimated_delivery=update.estimated_delivery,
        delivery=delivery,
    )
    if result.rejected:
        return Status.PROCESSED, "Events refused: " + " | ".join(result.rejected)
    return Status.PROCESSED


def register_processing() -> None:
    for source in discover():
        register_source(source, process_delivery)
