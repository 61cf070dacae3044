"""The kinds of event returns records (core.event_kinds): timelines, the API and outbound webhooks read them."""

from dataclasses import replace

from django.utils.translation import gettext_lazy as _

from core.event_kinds import EventKind, event_kind_register

from .mail.rules import return_key


def _the_return(event) -> dict:
    return event.payload  # the return's JSON as the API shows it, at the time of the event


def _rma(payload: dict) -> str:
    return payload.get("rma", "")


RETURN_EVENT_KINDS = [
    EventKind("return.requested", _("Return requested"), _("A customer asked to return items."), _the_return, _rma),
    EventKind("return.approved", _("Return approved"), _("A return was approved."), _the_return, _rma),
    EventKind("return.rejected", _("Return rejected"), _("A return was rejected."), _the_return, _rma),
    EventKind(
        "return.in_transit",
        _("Return on its way"),
        _("A returned parcel was scanned by the carrier."),
        _the_return,
        _rma,
    ),
    EventKind(
        "return.label_ready",
        _("Return label ready"),
        _("A return's prepaid label or drop-off QR code was bought."),
        _the_return,
        _rma,
    ),
    EventKind("return.received", _("Return received"), _("The shop received a returned parcel."), _the_return, _rma),
    EventKind("return.resolved", _("Return resolved"), _("A return was refunded."), _the_return, _rma),
    EventKind("return.closed", _("Return closed"), _("Everything a return asked for is done."), _the_return, _rma),
    EventKind("return.cancelled", _("Return cancelled"), _("A return was cancelled."), _the_return, _rma),
    EventKind(
        "exchange.created",
        _("Exchange order created"),
        _("The shop created the order sending a return's new size or colour."),
        _the_return,
        _rma,
    ),
    EventKind(
        "exchange.shipped",
        _("Exchange shipped"),
        _("The new item of an exchange was shipped."),
        _the_return,
        _rma,
    ),
    # On the timeline and for the customer's emails: shops' systems follow exchange.created and the return's events.
    EventKind(
        "exchange.confirmed",
        _("Exchange confirmed"),
        _("A customer chose another size or colour and it was set aside."),
        None,
        _rma,
    ),
    EventKind(
        "exchange.payment_due",
        _("Exchange difference to pay"),
        _("The shop made a dearer exchange's order: the customer pays the difference through its link."),
        None,
        _rma,
    ),
    EventKind(
        "exchange.sold_out",
        _("Exchange sold out"),
        _("The new item of an exchange sold out before it was ordered."),
        None,
        _rma,
    ),
]


def register() -> None:
    # Each event is about one return of its order: flows send a return's emails once per return.
    for entry in RETURN_EVENT_KINDS:
        event_kind_register(replace(entry, order_key=return_key))
