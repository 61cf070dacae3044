from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from core.scoping import unscoped

from .events import events_publish_pending
from .models import OrderEvent
from .webhooks import TRANSIENT_ERRORS, deliveries_drain, deliveries_drain_stuck, delivery_process

# An event not published this long after it was written is considered lost in transit.
REPUBLISH_AFTER = timedelta(minutes=2)


@shared_task(autoretry_for=TRANSIENT_ERRORS, retry_backoff=5, retry_backoff_max=300, max_retries=8)
def publish_events() -> int:
    """Publish every unpublished order event (queued after their commit, one task for many)."""
    return events_publish_pending()


@shared_task
def republish_pending_events() -> int:
    """The outbox sweep: publish here if an event still waits minutes later (its drain was lost or failed)."""
    cutoff = timezone.now() - REPUBLISH_AFTER
    with unscoped():
        late = OrderEvent.objects.filter(published_at__isnull=True, created_at__lt=cutoff).exists()
    return events_publish_pending() if late else 0


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
def drain_webhook_deliveries() -> int:
    """Process every received inbound webhook (queued by the receiving views, one for many)."""
    return deliveries_drain()


@shared_task
def drain_stuck_webhook_deliveries() -> int:
    """Drain deliveries still "received" minutes later (the broker was down when they came)."""
    return deliveries_drain_stuck()
