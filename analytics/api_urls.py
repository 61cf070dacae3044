"""/api/v1/analytics/…: explicit paths, no trailing slash."""

from django.urls import path

from .api import CohortsView, KpisView
from .holdout_api import HoldoutResultsView

urlpatterns = [
    path("analytics/kpis", KpisView.as_view(), name="api-analytics-kpis"),
    path("analytics/cohorts", CohortsView.as_view(), name="api-analytics-cohorts"),
    path("analytics/holdouts", HoldoutResultsView.as_view(), name="api-analytics-holdouts"),
]
