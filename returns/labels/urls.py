"""Staff URLs of labels, included in returns/urls.py under /app/returns/."""

from django.urls import path

from . import views

urlpatterns = [
    path("settings/labels/", views.label_settings, name="label-settings"),
    path("<int:pk>/label/retry/", views.label_retry, name="label-retry"),
    path("<int:pk>/slip.pdf", views.staff_slip, name="slip"),
]
