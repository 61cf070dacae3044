from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import NavEntry, dashboard_nav_register
        from orders.events import subscribe

        from . import handlers

        dashboard_nav_register(NavEntry("analytics", _("Analytics"), "analytics:index", "/app/analytics/", order=80))
        subscribe("order.", handlers.on_order_event)  # orders and refunds move their day's figures
