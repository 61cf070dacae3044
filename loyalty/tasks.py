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


@shared_task
def tiers_evaluate() -> int:
    """Give members the tier they hold today (daily): new tiers reached, terms over."""
    from .tiers import tiers_evaluate_all

    return tiers_evaluate_all()


@shared_task
def birthday_points() -> int:
    """Birthday points of the day (hourly, so each shop's own date is met; once a year per customer)."""
    from .perks import birthday_points_award_all

    return birthday_points_award_all()


@shared_task
def points_expire() -> dict:
    """Remind the customers whose points expire in 30 days, and expire the points of inactive accounts."""
    from .expiry import points_expire_and_remind

    return points_expire_and_remind()


@shared_task
def points_backfill(merchant_id: int, since: str | None = None) -> int:
    """Award points for a shop's past orders (the staff action on the settings page); idempotent."""
    from datetime import datetime

    from merchants.models import Merchant

    from .backfill import points_backfill as backfill
    from .errors import LoyaltyValidationError

    merchant = Merchant.objects.get(pk=merchant_id)
    try:
        return backfill(merchant=merchant, since=datetime.fromisoformat(since) if since else None)
    except LoyaltyValidationError:
        return 0  # switched off again before the task ran: nothing to award
