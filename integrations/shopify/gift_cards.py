"""Spends of our gift cards in Shopify come back to the store-credit ledger (subscribed in integrations/apps.py).

A customer's store credit is a Shopify gift card with the wallet's code (store_credit/mirror.py). An order
paid with a gift card names the gateway `gift_card` in `payment_gateway_names` (wire_formats.md §1.5), but
the order webhook carries neither the amount per gateway nor the card. So when a Shopify order of a customer
whose credit in the order's currency is one of our cards says `gift_card`, a task asks Shopify for that
card's balance (`giftCard(id:)`, as the store_credit action does) and records what the card lost since our
last entry as the order's spend: our balance minus Shopify's. A refund of such an order that puts money
back on the card (refunds/create `transactions[]` with the gateway `gift_card`, wire_formats_2.md §1.2)
raises the card's balance again: what the card gained gives back that much of the order's spend (all of
it, or a part when the shop refunded only part of the order), never more than the spend in all.

Each order's spend has the key `shop_spend:<order id>:gift_card`, and each refund's share of it
`shop_refund:<order id>:gift_card:<refund id>`: a redelivered webhook or an order update finds them and
adds nothing. The card is read only
when the wallet is in step with the shop (no entry of ours still on its way to it); otherwise the task
tries again later. A customer paying with someone else's gift card (not one of our wallets) is logged and
left alone. Flat per publishing batch: the batch's customers' cards are read in one query.
"""

import logging
from decimal import Decimal, InvalidOperation
from functools import partial

from django.db import transaction

from core.money import amount_str
from core.scoping import merchant_scope, unscoped
from merchants.models import Merchant
from orders.events import batch_memo
from orders.models import Order, OrderEvent
from orders.selectors import GIFT_CARD_GATEWAY
from shop_actions.adapters import NeedsStaffError, PermanentShopError
from store_credit.errors import CreditKeyConflictError, CreditValidationError
from store_credit.models import Entry, MirrorStatus, Source, Wallet
from store_credit.services import credit_reverse, credit_spend_reported

from .actions import ShopifyClient

logger = logging.getLogger(__name__)

CARD_PREFIX = "gid://shopify/GiftCard/"
SPENT = "spent"
REFUNDED = "refunded"


def spend_key(order_pk: int) -> str:
    return f"shop_spend:{order_pk}:gift_card"


def refund_key(order_pk: int, refund_pk: int) -> str:
    return f"shop_refund:{order_pk}:gift_card:{refund_pk}"


def on_order_event(event: OrderEvent) -> None:
    """order.created / order.updated (gateways changed) / order.refunded of a Shopify order paid with a gift card."""
    order = event.order
    if order is None or order.source_platform != "shopify" or order.customer_id is None:
        return
    if GIFT_CARD_GATEWAY not in (order.payment_gateways or []):
        return
    if event.kind == "order.refunded":
        what = REFUNDED
    elif event.kind == "order.created" or (
        event.kind == "order.updated" and "payment_gateways" in (event.payload or {}).get("changed", [])
    ):
        what = SPENT
    else:
        return
    cards = batch_memo(("shopify-gift-card-wallets",), _our_cards, event)
    wallet_id = cards.get((order.customer_id, order.currency))
    if wallet_id is None:
        logger.info("Shopify order %s was paid with a gift card that is none of our store credit: left alone", order.pk)
        return
    from ..tasks import sync_shopify_gift_card

    refund_id = (event.payload or {}).get("refund_id") if what == REFUNDED else None
    transaction.on_commit(
        partial(sync_shopify_gift_card.delay, event.merchant_id, wallet_id, order.pk, what, refund_id)
    )


def _our_cards(events: list[OrderEvent]) -> dict[tuple[int, str], int]:
    """Our gift-card wallets of the batch's customers who paid with a gift card, by (customer, currency)."""
    customers = {
        event.order.customer_id
        for event in events
        if event.order is not None and GIFT_CARD_GATEWAY in (event.order.payment_gateways or [])
    }
    if not customers:
        return {}
    with unscoped():
        wallets = Wallet.objects.filter(customer_id__in=customers, shop_reference__startswith=CARD_PREFIX)
        return {
            (customer, currency): pk for pk, customer, currency in wallets.values_list("pk", "customer_id", "currency")
        }


class WalletNotInStepError(Exception):
    """An entry of ours is still on its way to the card: its balance in Shopify is not comparable yet."""


def gift_card_sync(*, merchant_id: int, wallet_id: int, order_id: int, what: str, refund_id: int | None = None) -> str:
    """Read the card's balance in Shopify and record the order's spend (or its reversal) once."""
    with unscoped():
        merchant = Merchant.objects.get(pk=merchant_id)
    with merchant_scope(merchant):
        wallet = Wallet.objects.select_related("customer").filter(pk=wallet_id).first()
        order = Order.objects.filter(pk=order_id).first()
    if wallet is None or order is None:
        return "gone"
    if wallet.mirror_status != MirrorStatus.MIRRORED:
        raise WalletNotInStepError(f"wallet {wallet.pk} is {wallet.mirror_status}")
    try:
        card = ShopifyClient(merchant).gift_card_balance(wallet.shop_reference)
    except (NeedsStaffError, PermanentShopError) as refused:
        logger.warning("gift card of wallet %s could not be read in Shopify: %s", wallet.pk, refused)
        return "unreadable"
    try:
        shop_balance = Decimal(str(card["amount"]))
    except InvalidOperation:
        logger.warning("Shopify gave gift card %s a balance that is no number: %r", wallet.shop_reference, card)
        return "unreadable"
    if card["currency"] and card["currency"] != wallet.currency:
        logger.warning(
            "gift card of wallet %s is in %s, not %s: staff to look", wallet.pk, card["currency"], wallet.currency
        )
        return "currency"
    return gift_card_balance_apply(
        merchant=merchant, wallet=wallet, order=order, what=what, shop_balance=shop_balance, refund_id=refund_id
    )


def gift_card_balance_apply(
    *, merchant, wallet: Wallet, order: Order, what: str, shop_balance: Decimal, refund_id: int | None = None
) -> str:
    """Record what the card's balance in Shopify says of `order`: its spend, or the share a refund gave back."""
    with merchant_scope(merchant):
        ours = Wallet.objects.values_list("balance", flat=True).get(pk=wallet.pk)
        spend = Entry.objects.filter(merchant=merchant, key=spend_key(order.pk)).first()
    try:
        if what == SPENT and spend is None and ours > shop_balance:
            credit_spend_reported(
                merchant=merchant,
                customer=wallet.customer,
                amount=ours - shop_balance,
                currency=wallet.currency,
                key=spend_key(order.pk),
                source=Source.SHOP,
                source_ref=order.number,
            )
            return "spent"
        if what == REFUNDED and spend is not None and refund_id is not None and shop_balance > ours:
            if _refund_share_record(merchant, spend, order, refund_id, gained=shop_balance - ours):
                return "reversed"
    except (CreditKeyConflictError, CreditValidationError) as refused:
        logger.warning("order %s: the gift card's balance was not recorded: %s", order.pk, refused)
        return "refused"
    return _unchanged(wallet, order, ours, shop_balance)


def _refund_share_record(merchant, spend: Entry, order: Order, refund_id: int, *, gained: Decimal) -> bool:
    """Give back what the card gained of the order's spend, under the refund's key (all of it, or part)."""
    with merchant_scope(merchant):
        if Entry.objects.filter(merchant=merchant, key=refund_key(order.pk, refund_id)).exists():
            return False  # this refund was recorded: what the card gained since is someone else's doing
        given_back = sum(spend.part_reversals.values_list("amount", flat=True), Decimal(0))
        if Entry.objects.filter(reverses=spend).exists():
            given_back = -spend.amount
    left = -spend.amount - given_back
    if left <= 0:
        return False
    share = min(gained, left)
    if share < gained:
        logger.warning(
            "gift card of order %s gained %s, more than the %s left of its spend: staff to adjust the rest",
            order.pk,
            amount_str(gained, order.currency),
            amount_str(left, order.currency),
        )
    credit_reverse(merchant=merchant, entry=spend, key=refund_key(order.pk, refund_id), note=order.number, amount=share)
    return True


def _unchanged(wallet: Wallet, order: Order, ours: Decimal, shop_balance: Decimal) -> str:
    if shop_balance != ours:
        logger.warning(
            "gift card of wallet %s: Shopify says %s, we say %s after order %s: staff to adjust",
            wallet.pk,
            shop_balance,
            ours,
            order.pk,
        )
    return "unchanged"
