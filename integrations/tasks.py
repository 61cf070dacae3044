"""Celery tasks of inbound webhooks (the ingest queue). Thin: they take ids and call the machinery."""

from celery import shared_task

from shop_actions.adapters import TransientShopError

from .inbound import TRANSIENT_ERRORS, deliveries_drain, deliveries_drain_stuck, delivery_process
from .shopify import gift_cards


@shared_task(
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=8,
)
def process_webhook_delivery(delivery_id: int) -> str | None:
    """Process one stored inbound webhook again after a transient failure, with exponential backoff."""
    return delivery_process(delivery_pk=delivery_id)


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=5, retry_backoff_max=300, max_retries=8)
def drain_webhook_deliveries(slot: int | None = None, token: str | None = None) -> int:
    """Process every received inbound webhook (queued by the receiving views, one for many)."""
    return deliveries_drain(slot=slot, token=token)


@shared_task
def drain_stuck_webhook_deliveries() -> int:
    """Drain deliveries still "received" minutes later (the broker was down when they came)."""
    return deliveries_drain_stuck()


@shared_task(
    autoretry_for=(TransientShopError, gift_cards.WalletNotInStepError),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=8,
)
def sync_shopify_gift_card(merchant_id: int, wallet_id: int, order_id: int, what: str, refund_id=None) -> str:
    """A Shopify order paid with one of our gift cards (or refunded to it): its spend comes back to the ledger."""
    return gift_cards.gift_card_sync(
        merchant_id=merchant_id, wallet_id=wallet_id, order_id=order_id, what=what, refund_id=refund_id
    )
