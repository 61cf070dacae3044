"""Referrals as events and outbound webhooks show them: plain data."""

from .models import Referral


def _when(value) -> str | None:
    return value.isoformat() if value else None


def referral_data(referral: Referral) -> dict:
    reward = referral.reward
    return {
        "id": referral.pk,
        "status": referral.status,
        "block_reason": referral.block_reason,
        "referrer_id": referral.referrer_id,
        "friend_id": referral.friend_id,
        "friend_email": referral.friend_email,
        "welcome_code": referral.welcome_code,
        "order_id": referral.order_id,
        "order_number": referral.order.number if referral.order_id else "",
        "points": (reward.pending + reward.available) if reward is not None else 0,
        "points_entry_id": referral.reward_id,
        "created_at": _when(referral.created_at),
        "ordered_at": _when(referral.ordered_at),
        "completed_at": _when(referral.completed_at),
    }
