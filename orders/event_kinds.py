"""The kinds of event orders records, in the catalogue every surface reads (core.event_kinds)."""

from django.utils.translation import gettext_lazy as _

from core.event_kinds import EventKind, event_kind_register

from .payloads import order_event_data


def _changed(payload: dict) -> str:
    return ", ".join(payload.get("changed", []))


def _reason(payload: dict) -> str:
    return payload.get("reason", "")


def _amount(payload: dict) -> str:
    return f"{payload.get('amount', '')} {payload.get('currency', '')}".strip()


ORDER_EVENT_KINDS = [
    EventKind("order.created", _("Order placed"), _("An order was received."), order_event_data),
    EventKind("order.updated", _("Order updated"), _("An order changed."), order_event_data, _changed),
    EventKind("order.cancelled", _("Order cancelled"), _("An order was cancelled."), order_event_data, _reason),
    EventKind(
        "order.restored", _("Order restored"), _("A cancelled order was restored by the shop."), order_event_data
    ),
    EventKind("order.refunded", _("Refund recorded"), detail=_amount),
    EventKind("order.fulfilled", _("Order fulfilled")),
]


def register() -> None:
    for entry in ORDER_EVENT_KINDS:
        event_kind_register(entry)
