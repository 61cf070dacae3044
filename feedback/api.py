"""REST API of feedback: /api/v1/surveys/responses and /api/v1/surveys/responses/{id} (read only)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins

from merchants.api_base import MerchantViewSet

from .filters import ResponseFilter
from .models import Response
from .serializers import ResponseSerializer

NOT_FOUND = OpenApiResponse(response=OpenApiTypes.OBJECT, description="No such answer for this API key's shop.")


@extend_schema_view(
    list=extend_schema(
        summary="List survey answers",
        description="Newest first; paginated with limit and offset; filter by survey, score range, answer time, "
        "order and customer. Only submitted answers: opening a survey link is never an answer.",
    ),
    retrieve=extend_schema(summary="Get a survey answer", responses={200: ResponseSerializer, 404: NOT_FOUND}),
)
class ResponseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MerchantViewSet):
    serializer_class = ResponseSerializer
    filterset_class = ResponseFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no merchant
            return Response._base_manager.none()
        return (
            Response.objects.filter(merchant=self.merchant)
            .select_related("invitation")
            .order_by("-first_answered_at", "-id")
        )
