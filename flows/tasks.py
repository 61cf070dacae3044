from celery import shared_task

from .dispatcher import dispatch_due


@shared_task
def dispatch_due_messages() -> dict:
    """Started by beat every minute (and right after an immediate message is scheduled)."""
    stats = dispatch_due()
    return {"sent": stats.sent, "skipped": sum(stats.skipped.values()), "failed": stats.failed}
