from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import HomeBlock, NavEntry, dashboard_nav_register, home_block_register
        from orders.events import subscribe

        from . import handlers
        from .home import kpis_home_figures

        dashboard_nav_register(NavEntry("analytics", _("Analytics"), "analytics:index", "/app/analytics/", order=80))
        home_block_register(HomeBlock("kpis", "analytics/home_figures.html", kpis_home_figures, order=80))
        subscribe("order.", handlers.on_order_event)  # orders and refunds move their day's figures
