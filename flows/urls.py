from django.urls import path

from . import views

app_name = "flows"

urlpatterns = [
    path("", views.flow_list, name="index"),
    path("settings/", views.flow_settings, name="settings"),
    path("<int:pk>/", views.flow_detail, name="detail"),
    path("<int:pk>/steps/new/", views.step_new, name="step-new"),
    path("<int:pk>/steps/<int:step_pk>/", views.step_edit, name="step"),
    path("<int:pk>/steps/<int:step_pk>/delete/", views.step_delete, name="step-delete"),
    path("<int:pk>/steps/<int:step_pk>/test/", views.step_test, name="step-test"),
]
