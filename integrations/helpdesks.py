"""What the helpdesk doors (Zendesk, Gorgias) share: reading a ticket from the body our documented
templates produce, storing it first, and turning a stored delivery into a support contact.

The helpdesk writes the body from a template with placeholders, so a body we cannot use (a quote in
a subject breaking the JSON, a field left out) is the shop's template to fix, never something a
resend repairs: it is accepted (200) and stored as failed with its reason, for staff to see.
"""

import hashlib
from collections.abc import Callable
from datetime import datetime

from django.http import JsonResponse
from django.utils import timezone

from support.classification import tags_parse
from support.services import ContactInput, SupportInputError, support_contact_record

from .doors import answer
from .inbound import PayloadError, delivery_store, json_object_parse, register_source
from .models import WebhookDelivery

Status = WebhookDelivery.Status
TicketParser = Callable[[bytes, datetime], ContactInput]


def text_field(payload: dict, name: str, *, required: bool = False, limit: int = 5000) -> str:
    value = payload.get(name)
    if value is None or value == "":
        if required:
            raise PayloadError(f"The field {name!r} is missing: check the webhook's body template.")
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise PayloadError(f"The field {name!r} must be text, not {type(value).__name__}.")
    return value[:limit]


def datetime_field(payload: dict, name: str, received_at: datetime) -> datetime:
    """An ISO 8601 date and time ("2013-12-12T05:35Z" included); when absent, when we received it."""
    value = text_field(payload, name, limit=64)
    if not value:
        return received_at
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise PayloadError(f"The field {name!r} is not an ISO 8601 date and time: {value!r}.") from None
    if timezone.is_naive(parsed):
        raise PayloadError(f"The field {name!r} has no time zone: {value!r}.")
    return parsed


def tags_field(payload: dict, name: str) -> list[str]:
    try:
        return tags_parse(payload.get(name))
    except ValueError as exc:
        raise PayloadError(f"The field {name!r} is not usable: {exc}.") from None


def ticket_payload(body: bytes) -> dict:
    return json_object_parse(body, expected="one JSON object, as the documented body template writes it")


def store_ticket(*, merchant, source: str, topic: str, headers: dict, body: bytes, parse: TicketParser) -> JsonResponse:
    """Store a verified helpdesk delivery, keyed by the ticket it is about: a redelivery (or the same
    ticket sent again) changes nothing. An unusable body is stored as failed and accepted."""
    try:
        ticket = parse(body, timezone.now())
    except PayloadError as exc:  # BodyNotJsonError included: the template, not the request, is at fault
        delivery_store(
            merchant=merchant,
            source=source,
            delivery_id="body:" + hashlib.sha256(body).hexdigest(),
            topic=topic,
            headers=headers,
            body=body,
            status=Status.FAILED,
            last_error=str(exc),
        )
        return answer(200, status="failed", error=str(exc))
    _delivery, created = delivery_store(
        merchant=merchant,
        source=source,
        delivery_id=f"ticket:{ticket.external_id}"[:128],
        topic=topic,
        headers=headers,
        body=body,
    )
    return answer(200, status="accepted" if created else "duplicate")


def ticket_handler(parse: TicketParser):
    """The drain's handler for a source: the stored body becomes a support contact, once."""

    def process(delivery: WebhookDelivery):
        ticket = parse(delivery.body.encode("utf-8"), delivery.received_at)
        try:
            contact, created = support_contact_record(merchant=delivery.merchant, contact=ticket)
        except SupportInputError as exc:
            raise PayloadError(f"Invalid ticket: {exc}") from exc
        if not created:
            return Status.PROCESSED, f"Ticket {contact.external_id} was already recorded."
        return Status.PROCESSED

    return process


def register_helpdesk(source: str, parse: TicketParser) -> None:
    register_source(source, ticket_handler(parse))
