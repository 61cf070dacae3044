from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from returns.lookup import returns_lookup

from . import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # REST API
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's start-up script comes from /api/docs/?script= as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Inbound webhooks from shops, tracking providers and the ESP
    path("webhooks/", include("integrations.urls")),
    path("anymail/", include("integrations.esp.urls")),
    # Staff: accounts and the dashboard
    path("", include("merchants.urls")),
    path("app/orders/", include("orders.urls")),
    path("app/orders/webhooks/", include("integrations.staff_urls")),
    path("app/shipments/", include("tracking.urls")),
    path("app/catalogue/", include("catalogue.urls")),
    path("app/flows/", include("flows.urls")),
    path("app/returns/photos/", include("returns.photo_urls")),
    path("app/returns/", include("returns.urls")),
    path("app/feedback/", include("feedback.urls")),
    path("app/loyalty/", include("loyalty.urls")),
    path("app/analytics/", include("analytics.urls")),
    path("app/support/", include("support.urls")),
    path("app/shop-actions/", include("shop_actions.urls")),
    path("app/store-credit/", include("store_credit.urls")),
    path("app/settings/webhooks/", include("outbound.urls")),
    path("app/settings/returns/", include("returns.settings_urls")),
    path("app/settings/store-credit/", include("store_credit.settings_urls")),
    # Customers: branded pages
    path("track/", include("tracking.public_urls")),
    path("returns/", returns_lookup, name="returns-lookup"),
    path("e/", include("flows.public_urls")),
    path("survey/", include("feedback.public_urls")),
    path("r/", include("feedback.review_public_urls")),
    path("p/", include("portal.urls")),
    path("invite/", include("loyalty.referral_public_urls")),
    path("", include("portal.section_urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
else:
    # Logos are small, public, merchant-uploaded images; serve them without a separate server.
    from django.views.static import serve

    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]

handler404 = "merchants.views.page_not_found"
handler403 = "merchants.views.permission_denied"
handler500 = "merchants.views.server_error"
