"""/api/v1/reviews: explicit paths, no trailing slash, ids as <int:pk>."""

from django.urls import path

from .review_api import ReviewViewSet

BASENAME = "api-reviews"

urlpatterns = [
    path(
        "reviews",
        ReviewViewSet.as_view({"get": "list", "post": "create"}, basename=BASENAME, detail=False),
        name="api-reviews-list",
    ),
    path(
        "reviews/<int:pk>",
        ReviewViewSet.as_view({"get": "retrieve"}, basename=BASENAME, detail=True),
        name="api-reviews-detail",
    ),
]
