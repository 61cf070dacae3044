"""Celery tasks of shop actions. Thin: they take ids and call a service.

They run on the `webhooks` queue (CELERY_TASK_ROUTES), with the other calls to outside systems.
"""

import uuid

from celery import shared_task

from . import services


@shared_task
def perform_action(action_id: int, claim_token: str) -> None:
    services.shop_action_perform(action_id=action_id, claim_token=uuid.UUID(claim_token))


@shared_task
def perform_due_actions(limit: int = 100) -> int:
    """Every minute (beat): claim actions whose next attempt is due, or whose claim's lease ran out, and queue them."""
    return services.shop_actions_claim_due(limit=limit)
