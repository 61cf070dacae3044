"""/app/store-credit/: what staff do to a customer's credit (its block is on the customer's page)."""

from django.urls import path

from . import staff_views

app_name = "store-credit"

urlpatterns = [path("customers/<int:pk>/adjust/", staff_views.adjust, name="adjust")]
