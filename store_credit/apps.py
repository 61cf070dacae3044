from django.apps import AppConfig


class StoreCreditConfig(AppConfig):
    name = "store_credit"
    verbose_name = "Store credit"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from orders.events import subscribe
        from orders.privacy import register_eraser, register_exporter
        from orders.sections import CustomerSection, customer_section_register
        from portal.sections import PortalSection, portal_section_register
        from shop_actions.services import on_shop_action_finished

        from . import event_kinds, mail, mirror, privacy, selectors, spend_sync

        event_kinds.register()
        mail.register()
        on_shop_action_finished("store_credit", mirror.mirror_finished)
        subscribe("order.", spend_sync.on_order_event)
        portal_section_register(
            PortalSection(
                "credit",
                "customer",
                _("Store credit"),
                "store_credit.portal_urls",
                30,
                offered=selectors.credit_offered,
            )
        )
        customer_section_register(
            CustomerSection("store_credit", selectors.staff_block_context, "store_credit/staff/_customer_credit.html")
        )
        register_eraser("store_credit.wallets", privacy.erase_store_credit)
        register_exporter("store_credit", privacy.export_store_credit)
