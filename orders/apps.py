from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import HomeBlock, NavEntry, dashboard_nav_register, home_block_register

        from . import event_kinds
        from .home import latest_orders, orders_home_figures

        event_kinds.register()
        dashboard_nav_register(NavEntry("orders", _("Orders"), "orders:index", "/app/orders/", order=20))
        home_block_register(HomeBlock("orders", "orders/home_figures.html", orders_home_figures, order=20))
        home_block_register(HomeBlock("latest-orders", "orders/home_latest.html", latest_orders, 20, area="panels"))
