from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "tracking"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import HomeBlock, NavEntry, dashboard_nav_register, home_block_register
        from flows.context_providers import email_context_register, shipment_field_register
        from orders.sections import order_section_register
        from portal.sections import PortalSection, portal_section_register

        from . import event_kinds, page_cache
        from .carriers import carrier_name_field
        from .home import shipments_home_empty, shipments_home_figures
        from .serializers import shipments_order_section
        from .tokens import tracking_link_provider

        event_kinds.register()
        page_cache.connect()
        order_section_register(shipments_order_section())
        email_context_register(tracking_link_provider())
        shipment_field_register(carrier_name_field())
        portal_section_register(PortalSection("track", "order", _("Delivery"), None, 10, entry="tracking-public:page"))
        dashboard_nav_register(NavEntry("tracking", _("Shipments"), "tracking:index", "/app/shipments/", order=30))
        home_block_register(HomeBlock("shipments", "tracking/home_figures.html", shipments_home_figures, order=30))
        home_block_register(HomeBlock("no-shipments", "tracking/home_empty.html", shipments_home_empty, 30, "panels"))
