from django.urls import path

from . import views

app_name = "tracking"

urlpatterns = [
    path("", views.shipment_list, name="index"),
    path("attention/", views.needs_attention, name="attention"),
    path("unmatched/", views.unmatched_list, name="unmatched"),
    path("unmatched/<int:pk>/resolve/", views.unmatched_resolve, name="unmatched-resolve"),
    path("carriers/", views.carrier_settings, name="carriers"),
    path("suggestions/", views.recommendations, name="recommendations"),
    path("suggestions/products/<int:pk>/", views.product_update, name="product-update"),
    path("<int:pk>/", views.shipment_detail, name="detail"),
    path("<int:pk>/events/", views.shipment_event_add, name="event-add"),
]
