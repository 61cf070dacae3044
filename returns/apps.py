from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "returns"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import NavEntry, dashboard_nav_register
        from flows.rules import register_stop_rule
        from orders.events import subscribe
        from orders.privacy import register_eraser, register_exporter
        from orders.sections import OrderSection, order_section_register
        from portal.sections import PortalSection, portal_section_register
        from shop_actions.services import on_shop_action_finished

        from . import event_kinds, lifecycle, mail, parcels, privacy, rules

        event_kinds.register()
        mail.register()
        subscribe("return_parcel.", parcels.on_return_parcel_event)  # the parcel's scans move the return
        on_shop_action_finished("refund", lifecycle.return_refund_finished)
        register_stop_rule("open_return", _("An open return"), rules.has_open_return)
        register_stop_rule("order_returned", _("Items of the order were returned"), rules.order_returned)
        portal_section_register(
            PortalSection("returns", "order", _("Returns"), "returns.portal_urls", 20, offered=rules.returns_offered)
        )
        order_section_register(OrderSection("returns", template="returns/staff/_order_returns.html"))
        dashboard_nav_register(NavEntry("returns", _("Returns"), "returns:index", "/app/returns/", order=50))
        register_eraser("returns.returns", privacy.erase_returns)
        register_exporter("returns", privacy.export_returns)
