"""What referrals do when an event is published (subscribed in apps.py).

Flat per publishing batch: an order without a welcome code among its discount codes costs no query;
refunds, cancellations and maturing points read the shop's pending referrals once per pass.
"""

from core.scoping import merchant_scope, unscoped
from orders.events import publish_memo
from orders.models import OrderEvent

from .models import Referral, ReferralStatus
from .referrals import (
    referral_attribute,
    referral_complete_for_entry,
    referral_reverse_for_order,
    welcome_codes_in,
)

MATURED_KEY = "mature:"  # loyalty's key for an earning's points becoming available: mature:<earning id>


def on_order_created(event: OrderEvent) -> None:
    if event.order_id is None or not welcome_codes_in(event.order):
        return
    order = event.order
    order.merchant = event.merchant
    referral_attribute(order=order)


def on_order_came_back(event: OrderEvent) -> None:
    """order.cancelled and order.refunded: a referred order's pending reward may have to go."""
    if event.order_id is None or event.order_id not in _pending(event.merchant_id)["orders"]:
        return
    with merchant_scope(event.merchant):
        referral_reverse_for_order(order=event.order)


def on_points_available(event: OrderEvent) -> None:
    key = str((event.payload or {}).get("key", ""))
    earning = key[len(MATURED_KEY) :]
    if not key.startswith(MATURED_KEY) or not earning.isdigit():
        return
    if int(earning) in _pending(event.merchant_id)["rewards"]:
        referral_complete_for_entry(merchant=event.merchant, earning_id=int(earning))


def _pending(merchant_id: int) -> dict:
    """The shop's referrals waiting for their friend's order to be kept: their orders and reward entries."""

    def read() -> dict:
        with unscoped():
            rows = Referral.objects.filter(merchant_id=merchant_id, status=ReferralStatus.ORDERED).values_list(
                "order_id", "reward_id"
            )
            pairs = list(rows)
        return {
            "orders": {order for order, _r in pairs if order},
            "rewards": {reward for _o, reward in pairs if reward},
        }

    return publish_memo(("referrals-pending", merchant_id), read)
