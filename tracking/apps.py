from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "tracking"

    def ready(self):
        # Stored provider deliveries are processed by the shared webhook machinery (orders/webhooks.py).
        from orders.sections import order_section_register

        from . import page_cache
        from .serializers import shipments_order_section
        from .webhooks import register_processing

        order_section_register(shipments_order_section())
        register_processing()
        page_cache.connect()
