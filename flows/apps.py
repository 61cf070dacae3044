from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "flows"

    def ready(self):
        from anymail.signals import tracking

        from orders.events import subscribe

        from . import handlers

        subscribe("*", handlers.on_order_event)
        tracking.connect(handlers.on_anymail_tracking, dispatch_uid="flows.anymail_tracking")
