from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("kpis.csv", views.export_kpis, name="export_kpis"),
    path("cohorts.csv", views.export_cohorts, name="export_cohorts"),
]
