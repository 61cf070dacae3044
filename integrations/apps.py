from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Inbound integrations: each source (Shopify, WooCommerce, AfterShip, EasyPost, the ESP) in its
    folder with its door and parser, over one store-first machinery (inbound.py) and its drains."""

    name = "integrations"

    def ready(self):
        from anymail.signals import tracking
        from django.core import checks

        from orders.events import subscribe
        from orders.privacy import register_eraser
        from shop_actions.adapters import adapter_register

        from . import providers
        from .esp import handlers as esp_handlers
        from .esp import urls as esp_urls
        from .gorgias import adapter as _gorgias  # noqa: F401
        from .privacy import erase_webhook_deliveries
        from .shopify import actions as shopify_actions
        from .shopify import adapter as _shopify  # noqa: F401 - the shop adapters register their sources on import
        from .shopify import gift_cards as shopify_gift_cards
        from .woocommerce import actions as woocommerce_actions
        from .woocommerce import adapter as _woocommerce  # noqa: F401
        from .zendesk import adapter as _zendesk  # noqa: F401 - the helpdesks too

        providers.register_processing()
        # What we ask of the shops (refunds...): the shop_actions outbox performs it through these.
        adapter_register("shopify", shopify_actions.ShopifyAdapter())
        adapter_register("woocommerce", woocommerce_actions.WooCommerceAdapter())
        register_eraser("integrations.webhook_deliveries", erase_webhook_deliveries)
        # Spends of our gift cards the shop reports (store credit mirrored in Shopify).
        subscribe("order.", shopify_gift_cards.on_order_event)
        tracking.connect(esp_handlers.on_anymail_tracking, dispatch_uid="integrations.anymail_tracking")
        checks.register(esp_urls.check_esp_webhooks, checks.Tags.security)
        esp_urls.log_esp_webhook_problems()
