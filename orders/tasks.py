from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from merchants.scoping import unscoped

from .events import event_publish
from .models import OrderEvent
from .webhooks import TRANSIENT_ERRORS, deliveries_requeue_stuck, delivery_process

# An event not published this long after it was written is considered lost in transit.
REPUBLISH_AFTER = timedelta(minutes=2)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def publish_event(event_id: int) -> None:
    event_publish(event_id=event_id)


@shared_task
def republish_pending_events(batch_size: int = 500) -> int:
    """The outbox sweep: publish events whose fan-out never completed."""
    cutoff = timezone.now() - REPUBLISH_AFTER
    with unscoped():
        ids = list(
            OrderEvent.objects.filter(published_at__isnull=True, created_at__lt=cutoff)
            .order_by("created_at")
            .values_list("pk", flat=True)[:batch_size]
        )
    for event_id in ids:
        publish_event.delay(event_id)
    return len(ids)


@shared_task(
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=8,
)
def process_webhook_delivery(delivery_id: int) -> str | None:
    """Process one stored inbound webhook; transient failures retry with exponential backoff."""
    return delivery_process(delivery_pk=delivery_id)


@shared_task
def requeue_stuck_webhook_deliveries() -> int:
    """Queue again deliveries still "received" minutes later (the broker was down when they came)."""
    return deliveries_requeue_stuck()
