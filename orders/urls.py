from django.urls import path

from . import views, webhook_views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="index"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/cancel/", views.order_cancel_view, name="cancel"),
    path("customers/<int:pk>/", views.customer_detail, name="customer"),
    # app/orders/webhooks/: inbound deliveries and data exports
    path("webhooks/", webhook_views.delivery_list, name="webhook-list"),
    path("webhooks/<int:pk>/", webhook_views.delivery_detail, name="webhook-detail"),
    path("webhooks/<int:pk>/replay/", webhook_views.delivery_replay_view, name="webhook-replay"),
    path("webhooks/exports/", webhook_views.export_list, name="data-export-list"),
    path("webhooks/exports/<int:pk>/download/", webhook_views.export_download, name="data-export-download"),
]
