from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "tracking"

    def ready(self):
        # Stored provider deliveries are processed by the shared webhook machinery (orders/webhooks.py).
        from .webhooks import register_processing

        register_processing()
