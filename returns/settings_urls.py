"""/app/settings/returns/: the return policy, its product rules and the reasons customers choose from."""

from django.urls import path

from . import settings_views as views

app_name = "return-settings"

urlpatterns = [
    path("", views.policy_page, name="index"),
    path("switch/", views.policy_switch, name="switch"),
    path("rules/", views.rule_create, name="rule-create"),
    path("rules/<int:pk>/", views.rule_edit, name="rule-edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule-delete"),
    path("reasons/", views.reasons_update, name="reasons"),
    path("reasons/new/", views.reason_create, name="reason-create"),
]
