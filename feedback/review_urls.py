"""Feedback → Reviews: the shop's review destinations (/app/feedback/reviews/)."""

from django.urls import path

from . import review_views

app_name = "reviews"

urlpatterns = [path("", review_views.review_settings_page, name="settings")]
