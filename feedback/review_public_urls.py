"""/r/<token>/: a review invitation's link (feedback/review_links.py)."""

from django.urls import path

from . import review_views

urlpatterns = [path("<str:token>/", review_views.review_click, name="review-click")]
