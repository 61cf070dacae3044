from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = "Loyalty"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import NavEntry, dashboard_nav_register
        from orders.events import subscribe
        from orders.privacy import register_eraser, register_exporter
        from orders.sections import CustomerSection, customer_section_register
        from portal.sections import PortalSection, portal_section_register

        from . import event_kinds, handlers, perks, privacy, selectors, tier_mail, tier_privacy

        event_kinds.register()
        tier_mail.register()
        subscribe("order.", handlers.on_order_event)
        subscribe("order.created", perks.on_order_created)
        dashboard_nav_register(NavEntry("loyalty", _("Loyalty"), "loyalty:index", "/app/loyalty/", order=70))
        portal_section_register(
            PortalSection("points", "customer", _("Loyalty"), "loyalty.portal_urls", 35, offered=selectors.program_on)
        )
        customer_section_register(
            CustomerSection("loyalty", selectors.staff_block_context, "loyalty/staff/_customer_points.html")
        )
        register_eraser("loyalty.entries", privacy.erase_loyalty)
        register_exporter("loyalty", privacy.export_loyalty)
        register_eraser("loyalty.profiles", tier_privacy.erase_membership)
        register_exporter("loyalty_membership", tier_privacy.export_membership)
