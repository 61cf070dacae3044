from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "tracking"

    def ready(self):
        # Stored provider deliveries are processed by the shared webhook machinery (orders/webhooks.py).
        from . import page_cache
        from .webhooks import register_processing

        register_processing()
        page_cache.connect()
