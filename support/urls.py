"""/app/support/: helpdesk contacts and the WISMO rate, the shop's WISMO rules, its baseline weeks."""

from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("", views.index, name="index"),
    path("rules/", views.rules, name="rules"),
    path("rules/reset/", views.rules_reset, name="rules-reset"),
    path("baseline/", views.baseline, name="baseline"),
    path("baseline/clear/", views.baseline_clear, name="baseline-clear"),
]
