"""Spends the shop reports: a wallet's code used on an order comes back as a spend (subscribed in apps.py).

The shop tells us on the order itself: a WooCommerce order lists its coupons (`coupon_lines`, our
coupon's code and what it took off), and any order may carry discount codes; the orders app keeps
them as `Order.discount_codes`. A code is matched to a wallet of the order's shop, regardless of case
(shops compare codes so): another shop's wallet never matches, and a code that is no wallet's (a
promotion, a loyalty reward) is left alone.

Each (order, code) is recorded once, under the key `shop_spend:<order id>:<CODE>`: a redelivered
webhook, or an order update, finds the entry it made and adds nothing. A spend is a fact: it may take
the balance below zero, and the wallet is then flagged overdrawn for staff (services).

Flat per publishing batch: an order without discount codes costs no query; the codes of the whole
batch are looked up in one query.
"""

import logging

from django.db.models.functions import Upper

from core.scoping import unscoped
from orders.events import batch_memo
from orders.models import OrderEvent
from orders.selectors import order_payment_facts

from .errors import CreditKeyConflictError, CreditValidationError
from .models import Source, Wallet
from .services import credit_spend_reported

logger = logging.getLogger(__name__)

KINDS = {"order.created", "order.updated", "order.restored"}
KEY_PREFIX = "shop_spend:"
# The shops whose side of the credit does not go down by itself when spent: a WooCommerce coupon keeps
# its amount, so it is set to the new balance after each spend it reports.
COUPON_PLATFORMS = {"woocommerce"}


def on_order_event(event: OrderEvent) -> None:
    order = event.order
    if event.kind not in KINDS or order is None or not order.discount_codes:
        return
    if event.kind == "order.updated" and "discount_codes" not in (event.payload or {}).get("changed", []):
        return
    wallets = batch_memo(("store-credit-wallets-by-code",), _wallets_by_code, event)
    for discount in order_payment_facts(order).discount_codes:
        wallet = wallets.get((event.merchant_id, discount.code.upper()))
        if wallet is not None:
            _spend_record(event, wallet, discount)


def spend_key(order, code: str) -> str:
    return f"{KEY_PREFIX}{order.pk}:{code.upper()}"


def _spend_record(event: OrderEvent, wallet: Wallet, discount) -> None:
    order = event.order
    if discount.amount <= 0:
        return  # the code was typed but took nothing off (a cart below its minimum)
    if order.currency != wallet.currency:
        logger.warning(
            "order %s used store credit code …%s in %s, but that credit is in %s: not recorded, staff to adjust",
            order.pk,
            wallet.code[-4:],
            order.currency,
            wallet.currency,
        )
        return
    try:
        credit_spend_reported(
            merchant=event.merchant,
            customer=wallet.customer,
            amount=discount.amount,
            currency=wallet.currency,
            key=spend_key(order, discount.code),
            source=Source.SHOP,
            source_ref=order.number,
            shop_follows=order.source_platform not in COUPON_PLATFORMS,
        )
    except (CreditKeyConflictError, CreditValidationError) as refused:
        # The order was edited after its spend was recorded (another amount): the first stays, staff adjust.
        logger.warning("order %s: store credit spend of code …%s not recorded: %s", order.pk, wallet.code[-4:], refused)


def _wallets_by_code(events: list[OrderEvent]) -> dict[tuple[int, str], Wallet]:
    """The wallets whose code one of the batch's orders used, by (merchant id, upper-cased code)."""
    wanted = {
        (event.merchant_id, str(discount.get("code", "")).upper())
        for event in events
        if event.order is not None
        for discount in event.order.discount_codes or []
        if isinstance(discount, dict) and discount.get("code")
    }
    if not wanted:
        return {}
    with unscoped():
        wallets = (
            Wallet.objects.annotate(code_upper=Upper("code"))
            .filter(merchant_id__in={merchant for merchant, _ in wanted}, code_upper__in={code for _, code in wanted})
            .select_related("customer")
        )
        return {
            (wallet.merchant_id, wallet.code_upper): wallet
            for wallet in wallets
            if (wallet.merchant_id, wallet.code_upper) in wanted
        }
