"""Celery tasks of returns. Thin: they take ids and call a service.

`buy_return_label` calls a label provider, so it runs on the `webhooks` queue with the other calls
to outside systems (CELERY_TASK_ROUTES).
"""

from celery import shared_task

from merchants.models import Merchant

from .labels.base import LabelError
from .labels.services import return_label_buy, return_labels_sweep

# Waits between attempts after a transient refusal (429, 5xx, timeout): short, broker countdowns stay minutes.
RETRY_DELAYS = (30, 60, 120, 240, 300, 300)


@shared_task(bind=True, max_retries=len(RETRY_DELAYS))
def buy_return_label(self, merchant_id: int, return_id: int) -> None:
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        return
    try:
        return_label_buy(merchant=merchant, return_id=return_id)
    except LabelError as refusal:
        # The refusal is recorded for staff either way; only a transient one is worth asking again.
        if refusal.transient and self.request.retries < self.max_retries:
            raise self.retry(countdown=RETRY_DELAYS[self.request.retries]) from refusal


@shared_task
def queue_forgotten_labels() -> int:
    """Every 10 minutes (beat): labels whose task the broker lost."""
    return return_labels_sweep()
