"""Public endpoints shops and tracking providers post their webhooks to (mounted under /webhooks/)."""

from django.urls import path

from .providers import provider_urls
from .shopify.views import shopify_webhook
from .woocommerce.views import woocommerce_webhook

urlpatterns = [
    path("shopify/<slug:merchant_slug>/", shopify_webhook, name="webhook-shopify"),
    path("woocommerce/<slug:merchant_slug>/", woocommerce_webhook, name="webhook-woocommerce"),
    *provider_urls(),
]
