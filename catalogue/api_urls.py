"""/api/v1/products: explicit paths, no trailing slash, ids as <int:pk>."""

from django.urls import path

from .api import ProductViewSet

BASENAME = "api-products"

urlpatterns = [
    path(
        "products",
        ProductViewSet.as_view({"get": "list", "post": "create"}, basename=BASENAME, detail=False),
        name="api-products-list",
    ),
    path(
        "products/<int:pk>",
        ProductViewSet.as_view({"get": "retrieve"}, basename=BASENAME, detail=True),
        name="api-products-detail",
    ),
]
