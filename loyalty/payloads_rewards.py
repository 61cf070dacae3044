"""Rewards and redemptions as the API, events and outbound webhooks show them: plain data."""

from core.money import amount_str

from .models_rewards import Redemption, Reward, RewardKind


def _when(value) -> str | None:
    return value.isoformat() if value else None


def _value(kind: str, value, currency: str) -> str:
    if kind == RewardKind.PERCENTAGE_OFF:
        return str(int(value))
    return amount_str(value, currency)


def reward_data(reward: Reward, currency: str) -> dict:
    return {
        "id": reward.pk,
        "kind": reward.kind,
        "points": reward.points,
        "value": _value(reward.kind, reward.value, currency),
        "currency": currency,
        "name_en": reward.name_en,
        "name_fr": reward.name_fr,
        "active": reward.active,
    }


def redemption_data(redemption: Redemption) -> dict:
    """A redemption: its code only once the shop made it (or the customer's store credit)."""
    return {
        "id": redemption.pk,
        "customer_id": redemption.customer_id,
        "reward_id": redemption.reward_id,
        "kind": redemption.kind,
        "points": redemption.points,
        "value": _value(redemption.kind, redemption.value, redemption.currency),
        "currency": redemption.currency,
        "status": redemption.status,
        "code": redemption.code if redemption.status == "issued" else "",
        "points_entry_id": redemption.spent_id,
        "created_at": _when(redemption.created_at),
        "issued_at": _when(redemption.issued_at),
        "given_back_at": _when(redemption.given_back_at),
    }
