from celery import shared_task

from .dispatcher import dispatch_due
from .services import IMMEDIATE_DISPATCH


@shared_task
def dispatch_due_messages() -> dict:
    """Started by beat every minute (and right after an immediate message is scheduled)."""
    IMMEDIATE_DISPATCH.flag_clear()  # before this pass claims: a message scheduled later queues another
    stats = dispatch_due()
    return {"sent": stats.sent, "skipped": sum(stats.skipped.values()), "failed": stats.failed}
