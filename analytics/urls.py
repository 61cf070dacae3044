from django.urls import path

from . import digest_views, views

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("kpis.csv", views.export_kpis, name="export_kpis"),
    path("email.csv", views.export_email, name="export_email"),
    path("cohorts.csv", views.export_cohorts, name="export_cohorts"),
    path("delivery-promises.csv", views.export_delivery_promises, name="export_delivery_promises"),
    path("digest/", digest_views.digest_settings, name="digest_settings"),
    path("digest/unsubscribe/<str:token>/", digest_views.digest_unsubscribe, name="digest_unsubscribe"),
]
