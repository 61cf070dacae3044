from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "returns"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import NavEntry, dashboard_nav_register

        dashboard_nav_register(NavEntry("returns", _("Returns"), "returns:index", "/app/returns/", order=50))
