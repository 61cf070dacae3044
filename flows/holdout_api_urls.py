"""/api/v1/analytics/holdouts: explicit path, no trailing slash."""

from django.urls import path

from .holdout_api import HoldoutResultsView

urlpatterns = [
    path("analytics/holdouts", HoldoutResultsView.as_view(), name="api-analytics-holdouts"),
]
