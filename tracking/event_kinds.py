"""The kinds of event tracking records, in the catalogue every surface reads (core.event_kinds)."""

from django.utils.translation import gettext_lazy as _

from core.event_kinds import EventKind, event_kind_register

from .carriers import carrier_name
from .payloads import shipment_event_data
from .status import status_label


def _parcel(payload: dict) -> str:
    carrier = carrier_name(payload["carrier"]) if payload.get("carrier") else ""
    return f"{carrier} {payload.get('tracking_number', '')}".strip()


def _status_change(payload: dict) -> str:
    return f"{status_label(payload.get('from', ''))} → {status_label(payload.get('to', ''))}"


def _reason(payload: dict) -> str:
    return payload.get("reason", "")


SHIPMENT_EVENT_KINDS = [
    EventKind(
        "shipment.created",
        _("Shipment created"),
        _("A shipment was created for an order."),
        shipment_event_data,
        _parcel,
    ),
    EventKind(
        "shipment.status_changed",
        _("Shipment status changed"),
        _("A shipment's tracking status changed."),
        shipment_event_data,
        _status_change,
    ),
    EventKind("shipment.delivered", _("Shipment delivered"), _("A shipment was delivered."), shipment_event_data),
    EventKind(
        "shipment.delayed",
        _("Shipment delayed"),
        _("A shipment is late or has a delivery problem."),
        shipment_event_data,
        _reason,
    ),
    EventKind("shipment.cancelled", _("Shipment cancelled"), detail=_parcel),
]

# A return parcel's own events (tracking/services.py: shipment_event_kind). On timelines only: shops'
# systems hear of the return through the return.* events, and nothing subscribed to shipment.* (emails,
# flows, surveys, outbound webhooks) ever sees them.
RETURN_PARCEL_EVENT_KINDS = [
    EventKind("return_parcel.created", _("Return parcel registered"), detail=_parcel),
    EventKind("return_parcel.status_changed", _("Return parcel status changed"), detail=_status_change),
    EventKind("return_parcel.delivered", _("Return parcel delivered to the shop")),
    EventKind("return_parcel.delayed", _("Return parcel delayed"), detail=_reason),
    EventKind("return_parcel.cancelled", _("Return parcel replaced"), detail=_parcel),
]


def register() -> None:
    for entry in SHIPMENT_EVENT_KINDS + RETURN_PARCEL_EVENT_KINDS:
        event_kind_register(entry)
