from django.urls import path

from . import export_views, views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="index"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/cancel/", views.order_cancel_view, name="cancel"),
    path("customers/<int:pk>/", views.customer_detail, name="customer"),
    # data requests: what staff download for a customer who asked for their data
    path("webhooks/exports/", export_views.export_list, name="data-export-list"),
    path("webhooks/exports/<int:pk>/download/", export_views.export_download, name="data-export-download"),
]
