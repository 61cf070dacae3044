"""Celery tasks of analytics, on the `analytics` queue (CELERY_TASK_ROUTES). Thin: they call services."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from core import engines
from core.scoping import merchant_scope
from merchants.models import Merchant

from .aggregates import aggregates_rebuild, dirty_days_recompute, shops_to_refresh
from .clv import predicted_clv_fit
from .digest import digests_send_due
from .stored_figures import shops_with_stale_figures, stored_figures_refresh


@shared_task
def refresh_daily_aggregates() -> int:
    """Every minute (beat): build shops never built, recompute the dirty days of the others, then queue
    the refresh of the Analytics page's stored figures of those shops and of the shops whose stored
    figures are older than STALE_AFTER (analytics/stored_figures.py).

    Returns the number of shops whose aggregates were touched. Safe to run twice at once: each shop's
    days are claimed and rewritten in one transaction. A shop built in full (its history just imported)
    gets its predicted CLV fitted at once rather than at the next daily run. The daily table is a
    PostgreSQL speed-up: elsewhere (the SQLite demo) only the stored figures are refreshed.
    """
    never, dirty = shops_to_refresh() if engines.on_postgresql() else ([], [])
    for merchant in Merchant.objects.filter(pk__in=never):
        aggregates_rebuild(merchant=merchant)
        transaction.on_commit(lambda pk=merchant.pk: fit_predicted_clv.delay(pk))
    for merchant in Merchant.objects.filter(pk__in=dirty):
        dirty_days_recompute(merchant=merchant)
    for merchant_id in sorted(set(never) | set(dirty) | set(shops_with_stale_figures(timezone.now()))):
        transaction.on_commit(lambda pk=merchant_id: refresh_stored_figures.delay(pk))
    return len(never) + len(dirty)


@shared_task
def refresh_stored_figures(merchant_id: int) -> int:
    """Recompute one shop's stored Analytics presets of today, after its aggregates (a task per shop, so that
    a big shop delays no other). Idempotent: a rerun rewrites the same rows. Returns how many presets."""
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        return 0
    with merchant_scope(merchant):
        return stored_figures_refresh(merchant=merchant)


@shared_task
def fit_predicted_clv_all() -> int:
    """Daily (beat): one fit task per shop, so that a big shop delays no other. Returns how many."""
    shops = list(Merchant.objects.values_list("pk", flat=True))
    for merchant_id in shops:
        fit_predicted_clv.delay(merchant_id)
    return len(shops)


@shared_task
def fit_predicted_clv(merchant_id: int) -> None:
    """Fit one shop's predicted CLV and its back-test on its orders until now (analytics/clv.py).

    Idempotent: a rerun replaces the shop's one row with a fit on the same or newer orders.
    """
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        return
    with merchant_scope(merchant):
        predicted_clv_fit(merchant=merchant)


@shared_task
def send_weekly_digests() -> int:
    """Hourly (beat): the digests due now, Monday morning in each shop's time zone, on any database (the
    figures choose their engine). A rerun sends nothing already sent (one `DigestSent` per person, shop and
    week)."""
    return digests_send_due()
