"""Celery tasks of outbound webhooks. Thin: they take ids and call a service.

Tasks named deliver_* run on the `webhooks` queue (CELERY_TASK_ROUTES).
"""

import uuid

from celery import shared_task

from . import services


@shared_task
def deliver_message(message_id: int, claim_token: str) -> None:
    services.message_deliver(message_id=message_id, claim_token=uuid.UUID(claim_token))


@shared_task
def deliver_due_messages(limit: int = 500) -> int:
    """Every minute (beat): claim messages whose next attempt is due and queue them."""
    return services.messages_claim_due(limit=limit)


@shared_task
def notify_endpoint_disabled(endpoint_id: int) -> int:
    return services.endpoint_disabled_notify(endpoint_id=endpoint_id)


@shared_task
def prune_webhook_history() -> tuple[int, int]:
    return services.webhook_history_prune()
