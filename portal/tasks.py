from celery import shared_task

from . import mail


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def fresh_link_send(*, merchant_id: int, address: str, language: str) -> bool:
    """Emails a customer a fresh link to their pages (asked for on the shop's portal page)."""
    return mail.fresh_link_send(merchant_id=merchant_id, address=address, language=language)
