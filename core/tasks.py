from celery import shared_task

from .idempotency import records_prune


@shared_task
def prune_idempotency_records() -> int:
    """Stored Idempotency-Key responses are kept for IDEMPOTENCY_KEY_RETENTION_HOURS."""
    return records_prune()
