from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "loyalty"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import NavEntry, dashboard_nav_register

        dashboard_nav_register(NavEntry("loyalty", _("Loyalty"), "loyalty:index", "/app/loyalty/", order=70))
