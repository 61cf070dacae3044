from django.apps import AppConfig


class SupportConfig(AppConfig):
    """Customer contacts from helpdesks (Zendesk, Gorgias, the REST API), classified as "where is my
    order?" or not, and the WISMO rate against the shop's baseline (docs/support.md)."""

    name = "support"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import NavEntry, dashboard_nav_register
        from orders.privacy import register_eraser, register_exporter

        from . import event_kinds, privacy

        event_kinds.register()

        dashboard_nav_register(NavEntry("support", _("Customer contacts"), "support:index", "/app/support/", order=62))
        register_eraser("support.contacts", privacy.erase_support_contacts)
        register_exporter("support.contacts", privacy.export_support_contacts)
