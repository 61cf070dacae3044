"""The kinds of event loyalty records (core.event_kinds): about a customer, not an order."""

from django.utils.translation import gettext_lazy as _

from core.event_kinds import EventKind, event_kind_register
from core.l10n import format_percent_number, format_stored_money


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


def _tier(payload: dict) -> str:
    tier = (payload.get("tier") or {}).get("name")
    previous = (payload.get("previous") or {}).get("name")
    if tier and previous:
        return _("%(previous)s → %(tier)s") % {"previous": previous, "tier": tier}
    return tier or (_("%(previous)s → no tier") % {"previous": previous} if previous else "")


TIER_EVENT_KINDS = [
    EventKind(
        "loyalty.tier_changed",
        _("Tier changed"),
        _("A customer reached a loyalty tier, or their tier's term ended."),
        _the_entry,
        _tier,
        customer_anchored=True,
    ),
    # The "tier reached" email's trigger (a move up only): an email, not something shops' systems subscribe to.
    EventKind(
        "loyalty.tier_reached",
        _("Tier reached"),
        _("A customer reached a higher loyalty tier."),
        None,
        _tier,
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


def _reward(payload: dict) -> str:
    from .models_rewards import RewardKind

    kind = payload.get("kind", "")
    value = "" if kind == RewardKind.FREE_SHIPPING else payload.get("value", "")
    if kind == RewardKind.PERCENTAGE_OFF:
        value = format_percent_number(value)
    elif value:
        value = format_stored_money(value, payload.get("currency", ""))
    label = RewardKind(kind).label if kind in RewardKind.values else kind
    return _("%(points)s points: %(reward)s") % {
        "points": payload.get("points", ""),
        "reward": f"{label} {value}".strip(),
    }


REWARD_EVENT_KINDS = [
    EventKind(
        "loyalty.reward_redeemed",
        _("Reward redeemed"),
        _("A customer spent loyalty points on a reward: its code is ready (or the store credit issued)."),
        _the_entry,
        _reward,
        customer_anchored=True,
    ),
    EventKind(
        "loyalty.reward_given_back",
        _("Reward points given back"),
        _("The shop could not make a reward's code: the customer's points were given back."),
        _the_entry,
        _reward,
        customer_anchored=True,
    ),
]


def register() -> None:
    for entry in LOYALTY_EVENT_KINDS + REFERRAL_EVENT_KINDS + TIER_EVENT_KINDS:
        event_kind_register(entry)
    for entry in REWARD_EVENT_KINDS:
        event_kind_register(entry)
