"""/app/settings/store-credit/: how long credit lasts."""

from django.urls import path

from . import staff_views

app_name = "store-credit-settings"

urlpatterns = [path("", staff_views.credit_settings, name="index")]
