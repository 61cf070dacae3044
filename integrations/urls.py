"""Public endpoints shops and tracking providers post their webhooks to (mounted under /webhooks/)."""

from django.urls import path

from .gorgias.views import gorgias_webhook
from .providers import provider_urls
from .shopify.views import shopify_webhook
from .woocommerce.views import woocommerce_webhook
from .zendesk.views import zendesk_webhook

urlpatterns = [
    path("shopify/<slug:merchant_slug>/", shopify_webhook, name="webhook-shopify"),
    path("woocommerce/<slug:merchant_slug>/", woocommerce_webhook, name="webhook-woocommerce"),
    path("zendesk/<slug:merchant_slug>/", zendesk_webhook, name="webhook-zendesk"),
    path("gorgias/<slug:merchant_slug>/", gorgias_webhook, name="webhook-gorgias"),
    *provider_urls(),
]
