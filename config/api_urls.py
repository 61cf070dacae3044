"""/api/v1/: each app contributes its routes in its own api_urls module."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse

from merchants.api import MeView


@extend_schema(exclude=True)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def api_root(request):
    return Response(
        {
            "version": "v1",
            "authentication": "Authorization: Bearer <api key>",
            "schema": reverse("api-schema", request=request),
            "docs": reverse("api-docs", request=request),
        }
    )


urlpatterns = [
    path("", api_root, name="api-root"),
    path("me", MeView.as_view(), name="api-me"),
    path("", include("orders.api_urls")),
    path("", include("tracking.api_urls")),
    path("", include("outbound.api_urls")),
    path("", include("returns.api_urls")),
    path("", include("store_credit.api_urls")),
    path("", include("loyalty.api_urls")),
    path("", include("catalogue.api_urls")),
    path("", include("feedback.api_urls")),
    path("", include("feedback.review_api_urls")),
    path("", include("support.api_urls")),
    path("", include("analytics.api_urls")),
]
