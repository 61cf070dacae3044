"""Zendesk tickets, from a trigger's webhook whose body is our documented template (docs/support.md):

    {"ticket_id":"{{ticket.id}}","subject":"{{ticket.title}}","tags":"{{ticket.tags}}",
     "via":"{{ticket.via}}","requester_email":"{{ticket.requester.email}}",
     "created_at":"{{ticket.created_at_with_timestamp}}"}

`created_at` comes at minute precision ("2013-12-12T05:35Z"). An optional "message" field (the
ticket's first comment, if the shop adds it to the template) is read to classify, never stored.
"""

from datetime import datetime

from support.models import ContactSource
from support.services import ContactInput

from ..helpdesks import datetime_field, register_helpdesk, tags_field, text_field, ticket_payload

SOURCE = ContactSource.ZENDESK.value
TOPIC = "ticket.created"


def ticket_parse(body: bytes, received_at: datetime) -> ContactInput:
    payload = ticket_payload(body)
    return ContactInput(
        source=SOURCE,
        external_id=text_field(payload, "ticket_id", required=True, limit=128),
        created_at=datetime_field(payload, "created_at", received_at),
        subject=text_field(payload, "subject"),
        tags=tags_field(payload, "tags"),
        email=text_field(payload, "requester_email", limit=254),
        message=text_field(payload, "message"),
    )


register_helpdesk(SOURCE, ticket_parse)
