"""/p/<shop>/: a shop's public entry to the portal, for customers without a link at hand."""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("<slug:merchant_slug>/", views.shop_home, name="home"),
    path("<slug:merchant_slug>/link/", views.fresh_link_request, name="fresh-link"),
]
