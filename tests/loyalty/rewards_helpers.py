"""Rewards for the tests, and the shop's answers to the codes they ask for."""

from decimal import Decimal

from core.scoping import merchant_scope
from loyalty import rewards
from shop_actions import services as shop_actions
from shop_actions.models import ShopAction


def reward(
    merchant, *, kind="amount_off", points=300, value="5", name_en="€5 off", name_fr="5 € de réduction", **extra
):
    return rewards.reward_save(
        merchant=merchant,
        kind=kind,
        points=points,
        value=Decimal(value),
        name_en=name_en,
        name_fr=name_fr,
        **extra,
    )


def redeem(merchant, customer, the_reward, *, key="portal:k1"):
    return rewards.reward_redeem(merchant=merchant, customer=customer, reward_id=the_reward.pk, key=key)


def action_of(redemption) -> ShopAction:
    with merchant_scope(redemption.merchant):
        return ShopAction.objects.get(key=f"loyalty:redemption:{redemption.pk}")


def attempt(redemption) -> ShopAction:
    """The outbox's next attempt at the redemption's code, as its worker makes it."""
    action = action_of(redemption)
    return shop_actions.shop_action_perform(action_id=action.pk, claim_token=action.claim_token)


def refreshed(redemption):
    with merchant_scope(redemption.merchant):
        redemption.refresh_from_db()
    return redemption
