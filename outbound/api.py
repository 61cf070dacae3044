"""REST API of outbound webhooks: /api/v1/webhook-endpoints and /api/v1/webhook-deliveries.

Any key may read; writes need a key with the admin role. The signing secret appears only in
the answers to creation and to rotate-secret.
"""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api import flatten_errors
from core.idempotency import IDEMPOTENCY_CONFLICT_RESPONSE, IDEMPOTENCY_KEY_PARAMETER, idempotent
from merchants.api_base import MerchantViewSet
from merchants.models import Role

from . import services
from .models import OutboundAttempt, OutboundMessage, WebhookEndpoint

TAGS = ["webhooks"]
BAD_REQUEST = OpenApiResponse(
    response=OpenApiTypes.OBJECT, description="Invalid input: each bad field is named with what is wrong."
)
NOT_FOUND = OpenApiResponse(response=OpenApiTypes.OBJECT, description="No such object for this API key's shop.")
CONFLICT = OpenApiResponse(response=OpenApiTypes.OBJECT, description="A delivery of this message is already running.")


class WebhookEndpointSerializer(serializers.ModelSerializer):
    # Declared so the schema lists "" (an active endpoint) among the values: read-only model fields lose allow_blank.
    disabled_reason = serializers.ChoiceField(
        choices=WebhookEndpoint.DisabledReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "is_active",
            "disabled_at",
            "disabled_reason",
            "failing_since",
            "last_success_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The Standard Webhooks signing secret (whsec_...). Shown only in this answer."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointInputSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="http:// or https:// URL on the public internet.")
    event_types = serializers.ListField(
        child=serializers.CharField(),
        help_text='Event types ("order.created"), families ("shipment.*") or "*" for every event.',
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")


class WebhookEndpointPatchSerializer(serializers.Serializer):
    url = serializers.CharField(required=False)
    event_types = serializers.ListField(child=serializers.CharField(), required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False, help_text="false disables deliveries; true enables them.")


class OutboundAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutboundAttempt
        fields = [
            "id",
            "attempted_at",
            "url",
            "status_code",
            "duration_ms",
            "response_excerpt",
            "error",
            "succeeded",
            "manual",
        ]
        read_only_fields = fields


class OutboundMessageSerializer(serializers.ModelSerializer):
    endpoint_id = serializers.IntegerField(read_only=True)
    webhook_id = serializers.CharField(source="message_id", read_only=True, help_text="The webhook-id header.")
    payload = serializers.SerializerMethodField(help_text="The JSON body as sent: {type, timestamp, data}.")
    attempts = OutboundAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = OutboundMessage
        fields = [
            "id",
            "endpoint_id",
            "webhook_id",
            "event_type",
            "status",
            "attempt_count",
            "next_attempt_at",
            "last_attempt_at",
            "last_error",
            "delivered_at",
            "created_at",
            "payload",
            "attempts",
        ]
        read_only_fields = fields

    def get_payload(self, message) -> dict:
        return json.loads(message.body)


class WebhookErrorsMixin:
    """Validation errors from serializers or services become a 400 naming each bad field."""

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            )
        elif isinstance(exc, services.DeliveryInProgressError):
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, ValidationError) and isinstance(exc.detail, dict):
            exc = ValidationError(flatten_errors(exc.detail))
        return super().handle_exception(exc)


def _messages_with_attempts():
    return OutboundMessage.objects.prefetch_related(
        Prefetch("attempts", queryset=OutboundAttempt.objects.order_by("attempted_at", "id"))
    )


@extend_schema_view(
    list=extend_schema(summary="List webhook endpoints", tags=TAGS),
    retrieve=extend_schema(
        summary="Get a webhook endpoint", tags=TAGS, responses={200: WebhookEndpointSerializer, 404: NOT_FOUND}
    ),
    destroy=extend_schema(
        summary="Delete a webhook endpoint",
        description="Deletes the endpoint and its delivery log. Needs an admin key.",
        tags=TAGS,
        responses={204: None, 404: NOT_FOUND},
    ),
)
class WebhookEndpointViewSet(
    WebhookErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, MerchantViewSet
):
    serializer_class = WebhookEndpointSerializer
    required_write_role = Role.ADMIN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation runs outside any merchant scope
            return WebhookEndpoint.objects.none()
        return WebhookEndpoint.objects.order_by("created_at", "id")

    @extend_schema(
        summary="Register a webhook endpoint",
        description="Answers with the signing secret, shown only this once. Needs an admin key.",
        tags=TAGS,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=WebhookEndpointInputSerializer,
        responses={201: WebhookEndpointWithSecretSerializer, 400: BAD_REQUEST, 422: IDEMPOTENCY_CONFLICT_RESPONSE},
    )
    @idempotent
    def create(self, request):
        data = WebhookEndpointInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.endpoint_create(merchant=self.merchant, **data.validated_data)
        body = WebhookEndpointSerializer(issued.endpoint).data | {"secret": issued.secret}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a webhook endpoint",
        description="Only the fields given change. is_active=false disables it, true enables it again.",
        tags=TAGS,
        request=WebhookEndpointPatchSerializer,
        responses={200: WebhookEndpointSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    def partial_update(self, request, pk=None):
        endpoint = self.get_object()
        data = WebhookEndpointPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(endpoint=endpoint, **data.validated_data)
        return Response(WebhookEndpointSerializer(endpoint).data)

    def perform_destroy(self, instance):
        services.endpoint_delete(endpoint=instance)

    @extend_schema(
        summary="Rotate the signing secret",
        description=(
            "Issues a new secret, shown only in this answer. For 24 hours deliveries carry two signatures, "
            "one per secret, so receivers can switch without losing any."
        ),
        tags=TAGS,
        request=None,
        responses={200: WebhookEndpointWithSecretSerializer, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = self.get_object()
        secret = services.endpoint_rotate_secret(endpoint=endpoint)
        return Response(WebhookEndpointSerializer(endpoint).data | {"secret": secret})

    @extend_schema(
        summary="List an endpoint's deliveries",
        description="Newest first, each with its attempts. Paginated with limit and offset.",
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                "status", str, enum=[choice for choice, _label in OutboundMessage.Status.choices], required=False
            )
        ],
        responses={200: OutboundMessageSerializer(many=True), 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], extra_query_parameters=("status",))
    def deliveries(self, request, pk=None):
        endpoint = self.get_object()
        messages = _messages_with_attempts().filter(endpoint=endpoint).order_by("-created_at", "-id")
        wanted = request.query_params.get("status")
        if wanted is not None:  # an empty status is a mistake too, not "any status"
            if wanted not in OutboundMessage.Status.values:
                raise ValidationError({"status": [f"Use one of: {', '.join(OutboundMessage.Status.values)}."]})
            messages = messages.filter(status=wanted)
        page = self.paginate_queryset(messages)
        return self.get_paginated_response(OutboundMessageSerializer(page, many=True).data)


@extend_schema_view(
    retrieve=extend_schema(
        summary="Get a webhook delivery", tags=TAGS, responses={200: OutboundMessageSerializer, 404: NOT_FOUND}
    ),
)
class WebhookDeliveryViewSet(WebhookErrorsMixin, mixins.RetrieveModelMixin, MerchantViewSet):
    serializer_class = OutboundMessageSerializer
    required_write_role = Role.ADMIN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation runs outside any merchant scope
            return OutboundMessage.objects.none()
        return _messages_with_attempts()

    @extend_schema(
        summary="Resend a delivery",
        description=(
            "Sends the same message (same webhook-id and body) again now, with a new round of retries. "
            "Needs an admin key."
        ),
        tags=TAGS,
        request=None,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={
            202: OutboundMessageSerializer,
            400: BAD_REQUEST,
            404: NOT_FOUND,
            409: CONFLICT,
            422: IDEMPOTENCY_CONFLICT_RESPONSE,
        },
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def resend(self, request, pk=None):
        message = self.get_object()
        services.message_resend(message=message)
        return Response(
            OutboundMessageSerializer(self.get_queryset().get(pk=message.pk)).data, status=status.HTTP_202_ACCEPTED
        )
