"""Celery tasks of analytics, on the `analytics` queue (CELERY_TASK_ROUTES). Thin: they call services."""

from celery import shared_task

from merchants.models import Merchant

from .aggregates import aggregates_rebuild, analytics_available, dirty_days_recompute, shops_to_refresh


@shared_task
def refresh_daily_aggregates() -> int:
    """Every minute (beat): build shops never built, recompute the dirty days of the others.

    Returns the number of shops touched. Safe to run twice at once: each shop's days are claimed
    and rewritten in one transaction.
    """
    if not analytics_available():
        return 0
    never, dirty = shops_to_refresh()
    for merchant in Merchant.objects.filter(pk__in=never):
        aggregates_rebuild(merchant=merchant)
    for merchant in Merchant.objects.filter(pk__in=dirty):
        dirty_days_recompute(merchant=merchant)
    return len(never) + len(dirty)
