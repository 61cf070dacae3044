from django.urls import path

from . import portal_rewards, portal_views

urlpatterns = [
    path("", portal_views.points_page, name="index"),
    path("redeem/", portal_rewards.redeem, name="redeem"),
]
