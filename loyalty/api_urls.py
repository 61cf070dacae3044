"""/api/v1/customers/{id}/loyalty and /api/v1/loyalty/rewards: explicit paths, no trailing slash."""

from django.urls import path

from .api import AdjustmentView, LoyaltyView
from .api_rewards import RedemptionView, RewardsView
from .figures_api import LoyaltyFiguresView

urlpatterns = [
    path("customers/<int:pk>/loyalty", LoyaltyView.as_view(), name="api-loyalty"),
    path("customers/<int:pk>/loyalty/adjustments", AdjustmentView.as_view(), name="api-loyalty-adjustments"),
    path("customers/<int:pk>/loyalty/redemptions", RedemptionView.as_view(), name="api-loyalty-redemptions"),
    path("loyalty/rewards", RewardsView.as_view(), name="api-loyalty-rewards"),
    path("loyalty/figures", LoyaltyFiguresView.as_view(), name="api-loyalty-figures"),
]
