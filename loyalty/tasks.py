from celery import shared_task

from . import rewards, services


@shared_task
def points_mature() -> int:
    """Make pending points whose day has come available."""
    return services.points_mature_due()


@shared_task
def reward_codes_expire() -> int:
    """Give back the points of reward codes that reached their end unused."""
    return rewards.codes_expire_unused()
