from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import NavEntry, dashboard_nav_register

        dashboard_nav_register(NavEntry("catalogue", _("Catalogue"), "catalogue:index", "/app/catalogue/", order=35))
