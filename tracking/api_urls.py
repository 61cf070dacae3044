"""/api/v1/shipments (no trailing slash)."""

from rest_framework.routers import SimpleRouter

from .api import ShipmentViewSet

router = SimpleRouter(trailing_slash=False)
router.register("shipments", ShipmentViewSet, basename="api-shipments")

urlpatterns = router.urls
