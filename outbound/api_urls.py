"""/api/v1/webhook-endpoints and /api/v1/webhook-deliveries (no trailing slash)."""

from rest_framework.routers import SimpleRouter

from .api import WebhookDeliveryViewSet, WebhookEndpointViewSet

router = SimpleRouter(trailing_slash=False)
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="api-webhook-endpoints")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="api-webhook-deliveries")

urlpatterns = router.urls
