from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "returns"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import NavEntry, dashboard_nav_register
        from flows.rules import register_stop_rule
        from orders.sections import OrderSection, order_section_register
        from portal.sections import PortalSection, portal_section_register

        from . import event_kinds, rules

        event_kinds.register()
        register_stop_rule("open_return", _("An open return"), rules.has_open_return)
        register_stop_rule("order_returned", _("Items of the order were returned"), rules.order_returned)
        portal_section_register(
            PortalSection("returns", "order", _("Returns"), "returns.portal_urls", 20, offered=rules.returns_offered)
        )
        order_section_register(OrderSection("returns", template="returns/staff/_order_returns.html"))
        dashboard_nav_register(NavEntry("returns", _("Returns"), "returns:index", "/app/returns/", order=50))
