from django.apps import AppConfig


class OutboundConfig(AppConfig):
    """Outbound webhooks: every published event, sent signed to the shop endpoints subscribed to it."""

    name = "outbound"

    def ready(self):
        from orders.events import subscribe

        from .services import event_fan_out

        subscribe("*", event_fan_out)  # one message per event and endpoint
