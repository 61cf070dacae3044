from django.urls import path

from merchants.views import empty_section

app_name = "orders"

urlpatterns = [
    path("", empty_section("orders", ""), name="index"),
]
