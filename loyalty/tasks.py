from celery import shared_task

from . import services


@shared_task
def points_mature() -> int:
    """Make pending points whose day has come available."""
    return services.points_mature_due()


@shared_task
def points_expire() -> dict:
    """Remind the customers whose points expire in 30 days, and expire the points of inactive accounts."""
    from .expiry import points_expire_and_remind

    return points_expire_and_remind()
