"""The catalogue of event kinds: one entry per kind, registered by the app that records it.

An entry says how people read the event (its label on a timeline, a detail from its payload), and
whether shops' systems may subscribe to it through outbound webhooks, with the builder of the data
they receive. The timeline, the webhook settings and the outbound body all read this one catalogue,
so an app that records a new kind (return.requested, survey.answered…) registers it here and every
surface knows it:

    event_kind_register(EventKind(
        "return.requested", _("Return requested"), _("A customer asked to return items."),
        webhook_data=return_webhook_data,
    ))

A kind that concerns a customer rather than an order (loyalty.points_earned, feedback.nps_due)
says so with `customer_anchored=True`: its events name a customer and an anchor key instead of
an order, and the flows they trigger send one message per customer and key.

A kind that may happen several times for one order, each time about another thing of it (a
return: `return.approved` for R-1001-1, then for R-1001-2), names that thing with `order_key`
(payload -> "return:42"): the flows it triggers send one message per order and key, and the
email's variables are those of that thing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

WebhookData = Callable[[Any], dict]  # (the event) -> the "data" object of the outbound body


@dataclass(frozen=True)
class EventKind:
    kind: str  # "family.name", e.g. "order.created"
    label: str  # a lazy translation, shown on timelines
    description: str = ""  # a lazy translation, shown where endpoints choose their subscriptions
    webhook_data: WebhookData | None = None  # None: never sent to outbound webhooks
    detail: Callable[[dict], str] | None = None  # the specifics worth a glance, from the payload
    customer_anchored: bool = False  # its events concern a customer (and a key), not an order
    order_key: Callable[[dict], str] | None = None  # (payload) -> what of the order it is about

    @property
    def family(self) -> str:
        return self.kind.split(".", 1)[0]


_kinds: dict[str, EventKind] = {}


def event_kind_register(entry: EventKind) -> None:
    _kinds[entry.kind] = entry


def event_kind(kind: str) -> EventKind | None:
    return _kinds.get(kind)


def event_kinds(*, webhook: bool | None = None) -> list[EventKind]:
    """Every registered kind in registration order; `webhook=True`: those endpoints may subscribe to."""
    return [entry for entry in _kinds.values() if webhook is None or (entry.webhook_data is not None) == webhook]


def is_customer_anchored(kind: str) -> bool:
    entry = _kinds.get(kind)
    return entry is not None and entry.customer_anchored


def event_order_key(kind: str, payload: dict) -> str:
    """What of its order an event is about ("return:42"), or "" for the order itself."""
    entry = _kinds.get(kind)
    return entry.order_key(payload or {}) if entry and entry.order_key else ""


def event_kind_unregister(kind: str) -> None:
    """For tests that register a kind of their own."""
    _kinds.pop(kind, None)


def event_label(kind: str) -> str:
    entry = _kinds.get(kind)
    return str(entry.label) if entry else kind


def event_detail(kind: str, payload: dict) -> str:
    entry = _kinds.get(kind)
    return entry.detail(payload or {}) if entry and entry.detail else ""
