"""REST API of shipments: /api/v1/shipments, /api/v1/shipments/{id}, /api/v1/shipments/{id}/events."""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.idempotency import IDEMPOTENCY_CONFLICT_RESPONSE, IDEMPOTENCY_KEY_PARAMETER, idempotent
from core.scoping import get_for_merchant
from merchants.api_base import MerchantViewSet
from orders.api import WRITE_RESPONSES, ServiceErrorsMixin
from orders.models import Order

from .filters import ShipmentFilter
from .fulfillments import fulfillment_add
from .models import Shipment, TrackingEvent
from .serializers import (
    ShipmentDetailSerializer,
    ShipmentInputSerializer,
    ShipmentListSerializer,
    ShipmentSerializer,
    TrackingEventInputSerializer,
    TrackingEventSerializer,
)
from .services import TrackingEventError, tracking_event_add

NOT_FOUND = OpenApiResponse(response=OpenApiTypes.OBJECT, description="No such shipment for this API key's shop.")
BAD_REQUEST = OpenApiResponse(response=OpenApiTypes.OBJECT, description="Invalid input: each bad field is named.")


@extend_schema_view(
    list=extend_schema(summary="List shipments", description="Newest first; filter by carrier, status and delayed."),
    retrieve=extend_schema(
        summary="Get a shipment with its tracking events",
        responses={200: ShipmentDetailSerializer, 404: NOT_FOUND},
    ),
)
class ShipmentViewSet(ServiceErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantViewSet):
    filterset_class = ShipmentFilter

    def get_serializer_class(self):
        return ShipmentDetailSerializer if self.action == "retrieve" else ShipmentListSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no merchant
            return Shipment._base_manager.none()
        queryset = (
            Shipment.objects.filter(merchant=self.merchant).select_related("order").order_by("-created_at", "-id")
        )
        if self.action == "retrieve":
            events = TrackingEvent.objects.filter(merchant=self.merchant).order_by("occurred_at", "id")
            queryset = queryset.prefetch_related(Prefetch("events", queryset=events))
        return queryset

    def handle_exception(self, exc):
        if isinstance(exc, TrackingEventError):
            exc = ValidationError({name: [message] for name, message in exc.errors.items()})
        return super().handle_exception(exc)

    @extend_schema(
        summary="Add a tracking event to a shipment",
        description=(
            "201 when added, 200 when the same event (status, time and description) was already there. "
            "The shipment's status follows its newest event: an older event never moves it backwards. "
            "Events dated in the future (beyond 15 minutes of clock skew) or before the order are refused."
        ),
        request=TrackingEventInputSerializer,
        responses={
            201: TrackingEventSerializer,
            200: OpenApiResponse(TrackingEventSerializer, description="The event was already recorded."),
            400: BAD_REQUEST,
            404: NOT_FOUND,
            422: IDEMPOTENCY_CONFLICT_RESPONSE,
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    @idempotent
    def events(self, request, pk=None):
        shipment = self.get_object()
        serializer = TrackingEventInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        event, created = tracking_event_add(
            merchant=self.merchant,
            shipment=shipment,
            status=data["status"],
            occurred_at=data["occurred_at"],
            description=data["description"],
            substatus=data["substatus"],
            city=data["city"],
            country=data["country"],
            estimated_delivery=data["estimated_delivery"],
            source="api",
        )
        return Response(
            TrackingEventSerializer(event).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class OrderShipmentViewSet(ServiceErrorsMixin, MerchantViewSet):
    """POST /api/v1/orders/{id}/shipments: a fulfillment sent through the API."""

    serializer_class = ShipmentInputSerializer  # what OPTIONS describes; without one it was a 500

    @extend_schema(
        summary="Add a shipment to an order",
        description=(
            "Creates the shipment (or updates the one with the same external_id or tracking number): "
            "201 when new, 200 when updated. The carrier is detected from the tracking number when not given."
        ),
        request=ShipmentInputSerializer,
        responses={
            201: ShipmentSerializer,
            200: OpenApiResponse(ShipmentSerializer, description="An existing shipment was updated."),
            **WRITE_RESPONSES,
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def create(self, request, pk=None):
        order = get_for_merchant(Order, merchant=self.merchant, pk=pk)
        serializer = ShipmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        shipment, created = fulfillment_add(
            merchant=self.merchant,
            order=order,
            tracking_number=data["tracking_number"],
            carrier=data["carrier"],
            tracking_url=data["tracking_url"],
            external_id=data["external_id"],
            line_item_ids=data["line_item_ids"] or None,
            shipped_at=data["shipped_at"],
            source="api",
        )
        shipment.refresh_from_db()
        return Response(
            ShipmentSerializer(shipment).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
