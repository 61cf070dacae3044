"""/invite/<shop>/<code>/: a member's invitation page (the code names the member within the shop)."""

from django.urls import path

from . import referral_views

urlpatterns = [
    path("<slug:merchant_slug>/<str:code>/", referral_views.invite_page, name="referral-invite"),
]
