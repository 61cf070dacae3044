"""/api/v1/customers/{id}/loyalty: explicit paths, no trailing slash."""

from django.urls import path

from .api import AdjustmentView, LoyaltyView

urlpatterns = [
    path("customers/<int:pk>/loyalty", LoyaltyView.as_view(), name="api-loyalty"),
    path("customers/<int:pk>/loyalty/adjustments", AdjustmentView.as_view(), name="api-loyalty-adjustments"),
]
