from django.urls import path

from . import portal_views

app_name = "portal"

urlpatterns = [
    path("<slug:merchant_slug>/", portal_views.portal_home, name="home"),
]
