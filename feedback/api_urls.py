"""/api/v1/surveys: explicit paths, no trailing slash, ids as <int:pk>."""

from django.urls import path

from .api import ResponseViewSet

BASENAME = "api-survey-responses"

urlpatterns = [
    path(
        "surveys/responses",
        ResponseViewSet.as_view({"get": "list"}, basename=BASENAME, detail=False),
        name="api-survey-responses-list",
    ),
    path(
        "surveys/responses/<int:pk>",
        ResponseViewSet.as_view({"get": "retrieve"}, basename=BASENAME, detail=True),
        name="api-survey-responses-detail",
    ),
]
