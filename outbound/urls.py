"""/app/settings/webhooks/: outbound webhook endpoints and their delivery log."""

from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="index"),
    path("new/", views.endpoint_create, name="create"),
    path("<int:pk>/", views.endpoint_detail, name="detail"),
    path("<int:pk>/secret/", views.endpoint_secret, name="secret"),
    path("<int:pk>/toggle/", views.endpoint_toggle, name="toggle"),
    path("<int:pk>/rotate-secret/", views.endpoint_rotate_secret, name="rotate-secret"),
    path("<int:pk>/delete/", views.endpoint_delete, name="delete"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery"),
    path("deliveries/<int:pk>/resend/", views.delivery_resend, name="resend"),
]
