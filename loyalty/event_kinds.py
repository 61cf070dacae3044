"""The kinds of event loyalty records (core.event_kinds): about a customer, not an order."""

from django.utils.translation import gettext_lazy as _

from core.event_kinds import EventKind, event_kind_register


def _the_entry(event) -> dict:
    return event.payload  # the entry and its account as the API shows them, at the time of the event


def _points(payload: dict) -> str:
    # Points becoming available move from pending: what the customer gains to spend is the news.
    points = payload.get("available") if payload.get("kind") == "available" else payload.get("points")
    if points is None:
        return ""
    account = payload.get("account") or {}
    return _("%(points)+d points → %(available)s available, %(pending)s pending") % {
        "points": points,
        "available": account.get("available", 0),
        "pending": account.get("pending", 0),
    }


def _expiring(payload: dict) -> str:
    expires_at = payload.get("expires_at") or ""
    return _("%(points)s points expire on %(day)s without activity") % {
        "points": payload.get("points", 0),
        "day": expires_at[:10],
    }


LOYALTY_EVENT_KINDS = [
    EventKind(
        "loyalty.points_earned",
        _("Points earned"),
        _("A customer earned loyalty points for an order."),
        _the_entry,
        _points,
        customer_anchored=True,
    ),
    EventKind(
        "loyalty.points_available",
        _("Points available"),
        _("A customer's pending loyalty points became available to spend."),
        _the_entry,
        _points,
        customer_anchored=True,
    ),
    EventKind(
        "loyalty.points_reversed",
        _("Points reversed"),
        _("Loyalty points were taken back after a refund or a cancelled order."),
        _the_entry,
        _points,
        customer_anchored=True,
    ),
    EventKind(
        "loyalty.points_expiring",
        _("Points expiring"),
        _("A customer's available loyalty points expire in 30 days unless they earn or spend points."),
        _the_entry,
        _expiring,
        customer_anchored=True,
    ),
]


def _referral(event) -> dict:
    return event.payload  # the referral as it was when the event was recorded (referral_payloads.py)


def _friend(payload: dict) -> str:
    return payload.get("friend_email") or ""


REFERRAL_EVENT_KINDS = [
    EventKind(
        "referral.invited",
        _("Invited by a friend"),
        _("A customer's friend asked for their welcome code and the shop made it (it is emailed to them)."),
        _referral,
        _friend,
        customer_anchored=True,
    ),
    EventKind(
        "referral.completed",
        _("Referral rewarded"),
        _("A friend a customer invited ordered and kept the order: the customer earned the referral points."),
        _referral,
        _friend,
        customer_anchored=True,
    ),
]


def register() -> None:
    for entry in LOYALTY_EVENT_KINDS + REFERRAL_EVENT_KINDS:
        event_kind_register(entry)
