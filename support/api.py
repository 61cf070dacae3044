"""REST API of helpdesk contacts: POST /api/v1/support-contacts for any helpdesk we have no door for,
and GET to read what was recorded (docs/api.md, docs/support.md)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.idempotency import IDEMPOTENCY_CONFLICT_RESPONSE, IDEMPOTENCY_KEY_PARAMETER, idempotent
from merchants.api_base import MerchantViewSet
from orders.api import ServiceErrorsMixin

from .models import ContactSource, SupportContact
from .serializers import SupportContactInputSerializer, SupportContactSerializer
from .services import ContactInput, SupportInputError, support_contact_record

BAD_REQUEST = OpenApiResponse(
    response=OpenApiTypes.OBJECT, description="Invalid input: each bad field is named with what is wrong."
)


@extend_schema_view(
    list=extend_schema(
        summary="List helpdesk contacts",
        description="Newest first (by the ticket's creation time); paginated with limit and offset.",
    ),
)
class SupportContactViewSet(ServiceErrorsMixin, mixins.ListModelMixin, MerchantViewSet):
    serializer_class = SupportContactSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no merchant
            return SupportContact._base_manager.none()
        return (
            SupportContact.objects.filter(merchant=self.merchant).select_related("order").order_by("-created_at", "-id")
        )

    def handle_exception(self, exc):
        if isinstance(exc, SupportInputError):
            exc = ValidationError({name: [message] for name, message in exc.errors.items()})
        return super().handle_exception(exc)

    @extend_schema(
        summary="Record a helpdesk ticket",
        description=(
            "One ticket of any helpdesk, counted in the WISMO rate when it is about where an order is. "
            "Leave `is_wismo` out to let the shop's rules decide from the tags, subject and message. "
            "Linked to an order by `order_number` or one written in the subject or message, else by "
            "`email`. The same `external_id` again answers 200 with the contact as first recorded: "
            "nothing changes."
        ),
        request=SupportContactInputSerializer,
        responses={
            201: SupportContactSerializer,
            200: SupportContactSerializer,
            400: BAD_REQUEST,
            422: IDEMPOTENCY_CONFLICT_RESPONSE,
        },
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def create(self, request):
        serializer = SupportContactInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact, created = support_contact_record(
            merchant=self.merchant, contact=ContactInput(source=ContactSource.API, **serializer.validated_data)
        )
        return Response(
            SupportContactSerializer(contact).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
