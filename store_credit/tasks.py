from celery import shared_task

from . import services


@shared_task
def credits_expire_and_remind() -> dict:
    """Expire credit past its date, then remind customers whose credit expires within 30 days."""
    return {"expired": services.credits_expire_due(), "reminded": services.credits_remind_expiring()}
