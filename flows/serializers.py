"""The messages of an order, as part of its API JSON."""

from django.db.models import Prefetch
from rest_framework import serializers

from orders.sections import OrderSection

from .models import ScheduledMessage


class OrderMessageSerializer(serializers.Serializer):
    """An email of the order's flows: scheduled, sent, or skipped with its reason."""

    id = serializers.IntegerField()
    step = serializers.CharField(source="step.name")
    status = serializers.CharField()
    due_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(
        source="message.sent_at", default=None, allow_null=True, help_text="null until the email is sent."
    )
    skip_reason = serializers.CharField()


def messages_order_section() -> OrderSection:
    """The order's emails (scheduled, sent or skipped), in its API JSON and loaded with its lists."""
    return OrderSection(
        name="messages",
        prefetch=lambda merchant: Prefetch(
            "scheduled_messages",
            queryset=ScheduledMessage.objects.filter(merchant=merchant)
            .select_related("step", "message")
            .order_by("due_at", "id"),
        ),
        field=lambda: OrderMessageSerializer(source="scheduled_messages", many=True, read_only=True),
    )
