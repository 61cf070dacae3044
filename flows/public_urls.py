from django.urls import path

from . import public_views

app_name = "flows-public"

urlpatterns = [
    path("u/<str:token>/", public_views.unsubscribe, name="unsubscribe"),
    path("p/<str:token>/", public_views.preferences, name="preferences"),
    path("c/<str:token>/", public_views.click, name="click"),
]
