from django.urls import path

from merchants.views import empty_section

app_name = "flows"

urlpatterns = [
    path("", empty_section("flows", ""), name="index"),
]
