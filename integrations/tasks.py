"""Celery tasks of inbound webhooks (the ingest queue). Thin: they take ids and call the machinery."""

from celery import shared_task

from .inbound import TRANSIENT_ERRORS, deliveries_drain, deliveries_drain_stuck, delivery_process


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
