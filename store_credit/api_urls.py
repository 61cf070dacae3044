"""/api/v1/customers/{id}/store-credit: explicit paths, no trailing slash."""

from django.urls import path

from .api import AdjustmentView, StoreCreditView

urlpatterns = [
    path("customers/<int:pk>/store-credit", StoreCreditView.as_view(), name="api-store-credit"),
    path(
        "customers/<int:pk>/store-credit/adjustments",
        AdjustmentView.as_view(),
        name="api-store-credit-adjustments",
    ),
]
