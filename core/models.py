"""Rows the base layer keeps for every app."""

from django.db import models

from .scoping import TenantModel


class IdempotencyRecord(TenantModel):
    """The first response to a POST carrying an Idempotency-Key, replayed on repeats."""

    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_sha256 = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "key"], name="idempotency_unique_key")]
