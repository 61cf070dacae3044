"""/api/v1/shipments and /api/v1/orders/{id}/shipments (no trailing slash)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import OrderShipmentViewSet, ShipmentViewSet

router = SimpleRouter(trailing_slash=False)
router.register("shipments", ShipmentViewSet, basename="api-shipments")

urlpatterns = [
    path(
        "orders/<int:pk>/shipments",
        OrderShipmentViewSet.as_view({"post": "create"}, basename="api-orders", detail=True),
        name="api-orders-shipments",
    ),
    *router.urls,
]
