from celery import shared_task

from . import services


@shared_task
def points_mature() -> int:
    """Make pending points whose day has come available."""
    return services.points_mature_due()
