from django.urls import path

from . import portal_views, tier_portal

urlpatterns = [
    path("", portal_views.points_page, name="index"),
    path("birthday/", tier_portal.birthday_save, name="birthday"),
]
