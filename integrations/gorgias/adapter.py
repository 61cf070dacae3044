"""Gorgias tickets, from an HTTP integration whose body is our documented template (docs/support.md):

    {"event":"ticket-created","ticket_id":"{{ticket.id}}","subject":"{{ticket.subject}}",
     "channel":"{{ticket.channel}}","tags":"{{ticket.tags}}",
     "customer_email":"{{ticket.customer.email}}","created_datetime":"{{ticket.created_datetime}}"}

Gorgias signs nothing: the integration sends the shop's secret in the `X-Api-Key` header, which the
door compares in constant time. Gorgias names its triggers with hyphens today and underscores in
its older docs: both are read. Another event (ticket-updated...) is stored and ignored.
"""

from datetime import datetime

from support.models import ContactSource
from support.services import ContactInput

from ..helpdesks import datetime_field, register_helpdesk, tags_field, text_field, ticket_payload

SOURCE = ContactSource.GORGIAS.value
TICKET_CREATED = "ticket-created"


def event_name(body_event: str) -> str:
    """ "ticket_created" and "ticket-created" alike; no event field means the integration's one
    trigger, ticket creation, as the documented template is set up."""
    return (body_event or TICKET_CREATED).strip().replace("_", "-")


def ticket_parse(body: bytes, received_at: datetime) -> ContactInput:
    payload = ticket_payload(body)
    return ContactInput(
        source=SOURCE,
        external_id=text_field(payload, "ticket_id", required=True, limit=128),
        created_at=datetime_field(payload, "created_datetime", received_at),
        subject=text_field(payload, "subject"),
        tags=tags_field(payload, "tags"),
        email=text_field(payload, "customer_email", limit=254),
        message=text_field(payload, "message"),
    )


register_helpdesk(SOURCE, ticket_parse)
