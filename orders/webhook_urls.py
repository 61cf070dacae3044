"""Public endpoints shops post their webhooks to (mounted under /webhooks/)."""

from django.urls import path

from . import webhook_views

urlpatterns = [
    path("shopify/<slug:merchant_slug>/", webhook_views.shopify_webhook, name="webhook-shopify"),
    path("woocommerce/<slug:merchant_slug>/", webhook_views.woocommerce_webhook, name="webhook-woocommerce"),
]
