"""/track/: the customer's branded tracking pages."""

from django.urls import path

from . import public_views

app_name = "tracking-public"

urlpatterns = [
    path("", public_views.lookup, name="lookup"),
    path("<str:token>/", public_views.tracking_page, name="page"),
    path("<str:token>/contact/", public_views.wismo_contact, name="contact"),
    path("<str:token>/r/<str:product_token>/", public_views.recommendation_click, name="recommendation"),
]
