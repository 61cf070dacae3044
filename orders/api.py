"""REST API of orders and customers (/api/v1/orders, /api/v1/customers)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api import ExactJSONParser, flatten_errors
from core.idempotency import IDEMPOTENCY_CONFLICT_RESPONSE, IDEMPOTENCY_KEY_PARAMETER, idempotent
from merchants.api_base import MerchantViewSet

from . import selectors
from .filters import CustomerFilter, OrderFilter
from .models import Customer, Order
from .serializers import (
    CancelInputSerializer,
    CustomerSerializer,
    OrderInputSerializer,
    OrderSerializer,
    RefundInputSerializer,
    RefundSerializer,
    TimelineEntrySerializer,
)
from .services import OrderValidationError, order_cancel, order_upsert, refund_record

BAD_REQUEST = OpenApiResponse(
    response=OpenApiTypes.OBJECT, description="Invalid input: each bad field is named with what is wrong."
)
NOT_FOUND = OpenApiResponse(response=OpenApiTypes.OBJECT, description="No such order for this API key's shop.")


class ServiceErrorsMixin:
    """Validation errors, from serializers or services, become a 400 whose keys name each bad field.

    Nested fields are named by path, e.g. "line_items[1].unit_price" or "customer.email".
    """

    parser_classes = [ExactJSONParser]

    def handle_exception(self, exc):
        if isinstance(exc, OrderValidationError):
            exc = ValidationError({name: [message] for name, message in exc.errors.items()})
        elif isinstance(exc, ValidationError) and isinstance(exc.detail, dict):
            exc = ValidationError(flatten_errors(exc.detail))
        return super().handle_exception(exc)


WRITE_RESPONSES = {400: BAD_REQUEST, 404: NOT_FOUND, 422: IDEMPOTENCY_CONFLICT_RESPONSE}


@extend_schema_view(
    list=extend_schema(summary="List orders", description="Newest first; paginated with limit and offset."),
    retrieve=extend_schema(summary="Get an order", responses={200: OrderSerializer, 404: NOT_FOUND}),
)
class OrderViewSet(ServiceErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantViewSet):
    serializer_class = OrderSerializer
    filterset_class = OrderFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no merchant
            return Order._base_manager.none()
        return selectors.order_list(merchant=self.merchant)

    @extend_schema(
        summary="Create or update an order",
        description=(
            "Upserts by `external_id`: 201 when the order is new, 200 when it updated an existing one. "
            "A version whose `updated_at` is older than the stored one changes nothing. Amounts may be "
            "strings or numbers and are stored exactly."
        ),
        request=OrderInputSerializer,
        responses={
            201: OrderSerializer,
            200: OpenApiResponse(OrderSerializer, description="An existing order was updated."),
            400: BAD_REQUEST,
            422: IDEMPOTENCY_CONFLICT_RESPONSE,
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def create(self, request):
        serializer = OrderInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order, created = order_upsert(merchant=self.merchant, data=serializer.to_order_input())
        order = selectors.order_get(merchant=self.merchant, pk=order.pk)
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        summary="Cancel an order",
        description="Cancelling an order that is already cancelled changes nothing.",
        request=CancelInputSerializer,
        responses={200: OrderSerializer, **WRITE_RESPONSES},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def cancel(self, request, pk=None):
        order = self.get_object()
        serializer = CancelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order_cancel(merchant=self.merchant, order=order, reason=serializer.validated_data["reason"])
        order = selectors.order_get(merchant=self.merchant, pk=order.pk)
        return Response(OrderSerializer(order).data)

    @extend_schema(
        summary="Record a refund",
        description=(
            "Marks the money (and, if named, the items) given back and updates the order's financial status: "
            "201 when recorded, 200 when a refund with this external_id was already recorded (nothing changes). "
            "A refund larger than what is left to refund, or of more items than were bought, is a 400."
        ),
        request=RefundInputSerializer,
        responses={
            201: RefundSerializer,
            200: OpenApiResponse(RefundSerializer, description="This refund was already recorded."),
            **WRITE_RESPONSES,
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def refunds(self, request, pk=None):
        order = self.get_object()
        serializer = RefundInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        refund, created = refund_record(
            merchant=self.merchant,
            order=order,
            external_id=data["external_id"],
            amount=data["amount"],
            line_items=serializer.to_refund_lines(),
            note=data["note"],
            refunded_at=data["refunded_at"],
            source="api",
        )
        return Response(
            RefundSerializer(refund).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        summary="An order's timeline",
        description="Everything that happened to the order, oldest first.",
        responses={200: TimelineEntrySerializer(many=True), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def timeline(self, request, pk=None):
        order = selectors.order_get(merchant=self.merchant, pk=pk)
        return Response(TimelineEntrySerializer(selectors.order_timeline(order), many=True).data)


@extend_schema_view(
    list=extend_schema(summary="List customers", description="Newest first; paginated with limit and offset."),
    retrieve=extend_schema(summary="Get a customer", responses={200: CustomerSerializer, 404: NOT_FOUND}),
)
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantViewSet):
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Customer._base_manager.none()
        return selectors.customer_list(merchant=self.merchant)
