from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from core.drains import DATABASE_HICCUPS
from core.scoping import unscoped

from .events import events_publish_pending
from .models import OrderEvent

# An event not published this long after it was written is considered lost in transit.
REPUBLISH_AFTER = timedelta(minutes=2)


@shared_task(autoretry_for=DATABASE_HICCUPS, retry_backoff=5, retry_backoff_max=300, max_retries=8)
def publish_events(slot: int | None = None, token: str | None = None) -> int:
    """Publish every unpublished order event (queued after their commit, one task for many)."""
    return events_publish_pending(slot=slot, token=token)


@shared_task
def republish_pending_events() -> int:
    """The outbox sweep: publish here if an event still waits minutes later (its drain was lost or failed)."""
    cutoff = timezone.now() - REPUBLISH_AFTER
    with unscoped():
        late = OrderEvent.objects.filter(published_at__isnull=True, created_at__lt=cutoff).exists()
    return events_publish_pending() if late else 0
