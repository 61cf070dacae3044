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
        from shop_actions.services import on_shop_action_finished

        from . import (
            event_kinds,
            handlers,
            mail,
            perks,
            privacy,
            referral_handlers,
            referral_mail,
            referral_privacy,
            referrals,
            review_points,
            selectors,
            tier_mail,
            tier_privacy,
            tiers,
        )

        event_kinds.register()
        tier_mail.register()
        subscribe("order.", handlers.on_order_event)
        subscribe("order.created", referral_handlers.on_order_created)
        subscribe("order.cancelled", referral_handlers.on_order_came_back)
        subscribe("order.refunded", referral_handlers.on_order_came_back)
        subscribe("loyalty.points_available", referral_handlers.on_points_available)
        subscribe(review_points.REVIEW_REPORTED, review_points.on_review_reported)
        referral_mail.register()
        mail.register()
        on_shop_action_finished("discount_code", referrals.welcome_code_finished)
        subscribe("order.created", perks.on_order_placed)
        subscribe("order.restored", perks.on_order_placed)
        subscribe("return.resolved", handlers.on_return_resolved)
        subscribe("order.created", tiers.on_counted)
        subscribe("loyalty.points_earned", tiers.on_counted)
        subscribe("loyalty.points_available", tiers.on_counted)
        dashboard_nav_register(NavEntry("loyalty", _("Loyalty"), "loyalty:index", "/app/loyalty/", order=70))
        portal_section_register(
            PortalSection("points", "customer", _("Loyalty"), "loyalty.portal_urls", 35, offered=selectors.program_on)
        )
        customer_section_register(
            CustomerSection("loyalty", selectors.staff_block_context, "loyalty/staff/_customer_points.html")
        )
        register_eraser("loyalty.entries", privacy.erase_loyalty)
        register_exporter("loyalty", privacy.export_loyalty)
        register_eraser("loyalty.referrals", referral_privacy.erase_referrals)
        register_exporter("loyalty_referrals", referral_privacy.export_referrals)
        register_eraser("loyalty.profiles", tier_privacy.erase_membership)
        register_exporter("loyalty_membership", tier_privacy.export_membership)
        self._rewards_ready()

    def _rewards_ready(self):
        from orders.privacy import register_exporter
        from shop_actions.services import on_shop_action_finished

        from . import mail_rewards, privacy_rewards, rewards

        mail_rewards.register()
        on_shop_action_finished("discount_code", rewards.redemption_finished)
        register_exporter("loyalty_redemptions", privacy_rewards.export_redemptions)
