from django.apps import AppConfig


class ShopActionsConfig(AppConfig):
    name = "shop_actions"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import NavEntry, dashboard_nav_register
        from orders.privacy import register_eraser, register_exporter

        from . import privacy
        from .adapters import MANUAL, adapter_register
        from .manual import ManualAdapter

        dashboard_nav_register(
            NavEntry("shop_actions", _("Shop actions"), "shop_actions:index", "/app/shop-actions/", order=85)
        )
        register_eraser("shop_actions.actions", privacy.erase_shop_actions)
        register_exporter("shop_actions", privacy.export_shop_actions)
        adapter_register(MANUAL, ManualAdapter())
