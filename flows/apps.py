from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "flows"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from core.dashboard import NavEntry, dashboard_nav_register
        from merchants.services import on_merchant_created
        from orders.events import subscribe
        from orders.privacy import register_eraser
        from orders.sections import order_section_register
        from orders.selectors import customer_timeline_source_register, timeline_source_register

        from . import handlers, privacy, selectors
        from .serializers import messages_order_section

        subscribe("*", handlers.on_order_event)
        order_section_register(messages_order_section())
        on_merchant_created(handlers.on_merchant_created)
        timeline_source_register(selectors.message_timeline_entries)
        customer_timeline_source_register(selectors.customer_message_timeline_entries)
        register_eraser("flows.messages", privacy.erase_messages)
        dashboard_nav_register(NavEntry("flows", _("Flows"), "flows:index", "/app/flows/", order=40))
