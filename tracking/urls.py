from django.urls import path

from merchants.views import empty_section

app_name = "tracking"

urlpatterns = [
    path("", empty_section("tracking", ""), name="index"),
]
