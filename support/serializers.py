from django.utils import timezone
from rest_framework import serializers

from .classification import TAG_LIMIT, TAGS_KEPT
from .models import SupportContact


class SupportContactSerializer(serializers.ModelSerializer):
    order_id = serializers.IntegerField(allow_null=True, read_only=True)
    order_number = serializers.CharField(source="order.number", allow_null=True, read_only=True, default=None)

    class Meta:
        model = SupportContact
        fields = [
            "id",
            "source",
            "external_id",
            "created_at",
            "subject",
            "tags",
            "is_wismo",
            "wismo_reason",
            "order_id",
            "order_number",
            "matched_by",
        ]
        read_only_fields = fields


class AwareDateTimeField(serializers.DateTimeField):
    """A date and time with its offset: one without would be read in our server's zone, not the helpdesk's."""

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            raise serializers.ValidationError("Give a time zone offset (e.g. 2026-03-01T10:00:00Z).")
        return super().enforce_timezone(value)


class JsonTextMixin:
    """Text only: DRF would take 1001 for "1001", which the schema says is not a string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("Must be text.")
        return super().to_internal_value(data)


class JsonCharField(JsonTextMixin, serializers.CharField):
    pass


class JsonEmailField(JsonTextMixin, serializers.EmailField):
    pass


class JsonBooleanField(serializers.BooleanField):
    """true or false only: 0, 1 or "yes" would say nothing certain about a ticket."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            raise serializers.ValidationError("Must be true or false.")
        return data


class SupportContactInputSerializer(serializers.Serializer):
    external_id = JsonCharField(max_length=128, help_text="The ticket's id in your helpdesk.")
    created_at = AwareDateTimeField(help_text="When the ticket was opened, ISO 8601 with an offset.")
    subject = JsonCharField(max_length=1000, required=False, allow_blank=True, default="")
    message = JsonCharField(
        max_length=20000,
        required=False,
        allow_blank=True,
        default="",
        help_text="The customer's first message: read to classify the ticket, never stored.",
    )
    tags = serializers.ListField(
        child=JsonCharField(max_length=TAG_LIMIT), max_length=TAGS_KEPT, required=False, default=list
    )
    email = JsonEmailField(required=False, allow_blank=True, default="", help_text="The customer's email.")
    order_number = JsonCharField(max_length=64, required=False, allow_blank=True, default="")
    is_wismo = JsonBooleanField(
        required=False, allow_null=True, default=None, help_text="Leave out to let the shop's rules decide."
    )
