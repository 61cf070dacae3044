"""REST API of returns: /api/v1/returns, /api/v1/returns/{id} and one POST per move of a return.

Every write goes through the named services of returns/lifecycle.py, so the API checks exactly
what the customer's portal and the dashboard check. A move the return's status does not allow
(it was approved by someone else meanwhile…) is a 409 saying so.
"""

import hashlib

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.idempotency import HEADER as IDEMPOTENCY_HEADER
from core.idempotency import IDEMPOTENCY_CONFLICT_RESPONSE, IDEMPOTENCY_KEY_PARAMETER, idempotent
from merchants.api_base import MerchantViewSet
from orders.api import ServiceErrorsMixin
from orders.models import Order

from . import lifecycle
from .filters import ReturnFilter
from .lifecycle import ItemInput, ReturnStateError, ReturnValidationError
from .models import ReturnItem, ReturnRequest
from .serializers import (
    ReceiveInputSerializer,
    RejectInputSerializer,
    ReturnCreateInputSerializer,
    ReturnSerializer,
)

BAD_REQUEST = OpenApiResponse(
    response=OpenApiTypes.OBJECT, description="Invalid input: each bad field is named with what is wrong."
)
NOT_FOUND = OpenApiResponse(response=OpenApiTypes.OBJECT, description="No such return for this API key's shop.")
CONFLICT = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="The return's status does not allow this move (`detail` says its status).",
)
MOVE_RESPONSES = {
    200: ReturnSerializer,
    400: BAD_REQUEST,
    404: NOT_FOUND,
    409: CONFLICT,
    422: IDEMPOTENCY_CONFLICT_RESPONSE,
}
# The services name the order "order" and the inspections "inspections"; the API's fields differ.
SERVICE_FIELD_NAMES = {"order": "order_id", "inspections": "items"}


def returns_queryset(merchant):
    """Returns with their items in two queries, newest first: what `return_data` reads."""
    items = ReturnItem.objects.filter(merchant=merchant).select_related("exchange_variant").order_by("id")
    return (
        ReturnRequest.objects.filter(merchant=merchant)
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by("-created_at", "-id")
    )


def _move_schema(summary: str, description: str, request=None):
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses=MOVE_RESPONSES,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )


@extend_schema_view(
    list=extend_schema(
        summary="List returns",
        description="Newest first; paginated with limit and offset; filter by status, order and creation date.",
    ),
    retrieve=extend_schema(summary="Get a return", responses={200: ReturnSerializer, 404: NOT_FOUND}),
)
class ReturnViewSet(ServiceErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantViewSet):
    serializer_class = ReturnSerializer
    filterset_class = ReturnFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no merchant
            return ReturnRequest._base_manager.none()
        return returns_queryset(self.merchant)

    def handle_exception(self, exc):
        if isinstance(exc, ReturnStateError):
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        if isinstance(exc, ReturnValidationError):
            exc = ValidationError(
                {SERVICE_FIELD_NAMES.get(name, name): [message] for name, message in exc.errors.items()}
            )
        return super().handle_exception(exc)

    def _answer(self, request_obj, *, code=status.HTTP_200_OK) -> Response:
        fresh = returns_queryset(self.merchant).get(pk=request_obj.pk)
        return Response(ReturnSerializer(fresh).data, status=code)

    @extend_schema(
        summary="Create a return on a customer's behalf",
        description=(
            "Checks what the customer's portal checks: the items are part of the order and still returnable "
            "(window, final sale, already returned), the reasons and method are ones the shop offers, the "
            "customer's yearly limit. The return may be approved at once by the shop's auto-approval."
        ),
        request=ReturnCreateInputSerializer,
        responses={201: ReturnSerializer, 400: BAD_REQUEST, 422: IDEMPOTENCY_CONFLICT_RESPONSE},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def create(self, request):
        serializer = ReturnCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order = Order.objects.filter(merchant=self.merchant, pk=data["order_id"]).first()
        if order is None:
            raise ValidationError({"order_id": ["No order with this id in your shop."]})
        created = lifecycle.return_request_create(
            order=order,
            items=[
                ItemInput(
                    i["line_item_id"],
                    i["quantity"],
                    i["reason"],
                    i["comment"],
                    exchange_variant_id=i.get("exchange_variant_id"),
                )
                for i in data["items"]
            ],
            method=data["method"],
            resolution=data["resolution"],
            submission_key=_submission_key(request),
        )
        return self._answer(created, code=status.HTTP_201_CREATED)

    @_move_schema("Approve a return", "From requested.")
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    @idempotent
    def approve(self, request, pk=None):
        return self._answer(lifecycle.return_approve(request=self.get_object()))

    @_move_schema("Reject a return", "From requested; the customer reads the reason.", RejectInputSerializer)
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    @idempotent
    def reject(self, request, pk=None):
        return_request = self.get_object()
        serializer = RejectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(lifecycle.return_reject(request=return_request, reason=serializer.validated_data["reason"]))

    @_move_schema(
        "Receive a returned parcel",
        "From approved or in transit. Say what you found for every item of the return, each named by "
        "`line_item_id` (as the return shows it) or by the return item's `id`.",
        ReceiveInputSerializer,
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    @idempotent
    def receive(self, request, pk=None):
        return_request = self.get_object()
        serializer = ReceiveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inspections = _inspections_by_item(return_request, serializer.validated_data["items"])
        return self._answer(lifecycle.return_receive(request=return_request, inspections=inspections))

    @_move_schema(
        "Resolve a return", "Carries out the resolution (a refund): from received, or approved for a kept item."
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    @idempotent
    def resolve(self, request, pk=None):
        return self._answer(lifecycle.return_resolve(request=self.get_object()))

    @_move_schema("Cancel a return", "From requested or approved, before the parcel ships.")
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    @idempotent
    def cancel(self, request, pk=None):
        return self._answer(lifecycle.return_cancel(request=self.get_object()))


def _submission_key(request) -> str:
    """The Idempotency-Key as the service's submission key: of two racing requests with one key, the
    second finds the return the first made (under the order's lock) instead of being refused for
    returning the same items again; the key's stored response then answers it."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    return f"api:{hashlib.sha256(key.encode()).hexdigest()[:56]}" if key else ""


def _inspections_by_item(return_request: ReturnRequest, entries: list[dict]) -> dict[int, str]:
    """{return item id: inspection} from entries naming items by id or by line_item_id."""
    items = list(return_request.items.all())
    by_id = {item.pk: item.pk for item in items}
    by_line = {item.line_item_id: item.pk for item in items}
    inspections, errors = {}, {}
    for index, entry in enumerate(entries):
        item_id = by_id.get(entry["id"]) if "id" in entry else by_line.get(entry["line_item_id"])
        if item_id is None or item_id in inspections:
            errors[f"items[{index}]"] = ["Not an item of this return, or named twice."]
        else:
            inspections[item_id] = entry["inspection"]
    if errors:
        raise ValidationError(errors)
    return inspections
