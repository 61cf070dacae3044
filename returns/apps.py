from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "returns"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import NavEntry, dashboard_nav_register
        from flows.rules import register_stop_rule
        from portal.sections import PortalSection, portal_section_register
        from shop_actions.services import on_shop_action_finished

        from . import event_kinds, lifecycle, rules

        event_kinds.register()
        on_shop_action_finished("refund", lifecycle.return_refund_finished)
        register_stop_rule("open_return", _("An open return"), rules.has_open_return)
        register_stop_rule("order_returned", _("Items of the order were returned"), rules.order_returned)
        portal_section_register(
            PortalSection("returns", "order", _("Returns"), "returns.portal_urls", 20, offered=rules.returns_offered)
        )
        dashboard_nav_register(NavEntry("returns", _("Returns"), "returns:index", "/app/returns/", order=50))
