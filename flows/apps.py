from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "flows"

    def ready(self):
        from anymail.signals import tracking

        from orders.events import subscribe
        from orders.selectors import timeline_source_register

        from . import handlers, selectors

        subscribe("*", handlers.on_order_event)
        timeline_source_register(selectors.message_timeline_entries)
        tracking.connect(handlers.on_anymail_tracking, dispatch_uid="flows.anymail_tracking")
