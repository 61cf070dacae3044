from django.apps import AppConfig


class ShopActionsConfig(AppConfig):
    name = "shop_actions"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import NavEntry, dashboard_nav_register

        dashboard_nav_register(
            NavEntry("shop_actions", _("Shop actions"), "shop_actions:index", "/app/shop-actions/", order=85)
        )
