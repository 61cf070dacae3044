"""The kind of event support records (core.event_kinds): the order's timeline shows it."""

from django.utils.translation import gettext_lazy as _

from core.event_kinds import EventKind, event_kind_register

CONTACT_RECEIVED = "support.contact_received"


def _detail(payload: dict) -> str:
    source = payload.get("source_name", payload.get("source", ""))
    return f"{source} · WISMO" if payload.get("is_wismo") else source


def register() -> None:
    # No webhook data: a ticket's subject is the helpdesk's to share, not ours to forward.
    event_kind_register(
        EventKind(
            CONTACT_RECEIVED,
            _("The customer contacted support"),
            _("A helpdesk ticket about the order was received."),
            detail=_detail,
        )
    )
