"""/app/orders/webhooks/: the inbound deliveries staff look at and replay."""

from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("", views.delivery_list, name="webhook-list"),
    path("<int:pk>/", views.delivery_detail, name="webhook-detail"),
    path("<int:pk>/replay/", views.delivery_replay_view, name="webhook-replay"),
]
