from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import NavEntry, dashboard_nav_register

        dashboard_nav_register(NavEntry("analytics", _("Analytics"), "analytics:index", "/app/analytics/", order=80))
