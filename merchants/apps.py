from django.apps import AppConfig


class MerchantsConfig(AppConfig):
    name = "merchants"

    def ready(self):
        from orders.events import subscribe

        from .webhooks import event_fan_out

        subscribe("*", event_fan_out)  # outbound webhooks: one message per event and endpoint
