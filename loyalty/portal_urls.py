from django.urls import path

from . import portal_rewards, portal_views, tier_portal

urlpatterns = [
    path("", portal_views.points_page, name="index"),
    path("redeem/", portal_rewards.redeem, name="redeem"),
    path("birthday/", tier_portal.birthday_save, name="birthday"),
]
