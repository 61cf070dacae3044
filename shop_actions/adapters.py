"""The one interface between us and a shop platform, for everything we ask of the shop.

An adapter (Shopify Admin GraphQL, WooCommerce REST, "manual", ...) subclasses `ShopAdapter`
and is registered once, in its app's AppConfig.ready():

    adapter_register("shopify", ShopifyAdapter())

The worker (services.shop_action_perform) calls `perform` outside any database transaction,
possibly more than once for the same action: after a transient error, or when a worker died
during the call and the claim's lease ran out. `idempotency_key` is the same on every call for
an action; an adapter passes it to the shop (or checks what the shop already did with it) so
that a repeated call does not refund twice. `perform` must return within a few seconds, well
inside services.CLAIM_LEASE.
"""

from abc import ABC, abstractmethod

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class ShopActionError(Exception):
    """Raised by an adapter. Its message is shown to staff: plain words, no secrets.

    `message` is English, marked for translation (gettext_noop), with `%(name)s` for each of `params`
    (plain strings): the action keeps both, so each staff member reads it in their own language
    (models.ShopAction.error_text). str() gives it in the active language.
    """

    def __init__(self, message: str = "", params: dict | None = None):
        self.message, self.params = str(message), {name: str(value) for name, value in (params or {}).items()}
        super().__init__(self.message)

    def __str__(self) -> str:
        return message_in_active_language(self.message, self.params)


def message_in_active_language(message: str, params: dict) -> str:
    translated = gettext(message) if message else ""
    try:
        return translated % params if params else translated
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder: the English
        return message % params


class TransientShopError(ShopActionError):
    """The shop could not answer now (429, 5xx, timeout, connection): tried again later."""


class PermanentShopError(ShopActionError):
    """The shop refused (invalid request, not allowed, already refunded): never tried again by itself."""


class NeedsStaffError(ShopActionError):
    """Only a person can do this (a manual shop, a missing permission): the message says what to do."""


class ShopAdapter(ABC):
    platform: str  # the name actions are requested with, e.g. "shopify"
    label: str = ""  # how staff read the platform ("Shopify"); the platform itself when empty

    @abstractmethod
    def perform(self, *, merchant, action_kind: str, payload: dict, idempotency_key: str) -> dict:
        """Do `action_kind` with `payload` in `merchant`'s shop; return the shop's answer as plain data.

        Raise TransientShopError, PermanentShopError or NeedsStaffError for the outcomes above.
        """

    def configured_for(self, merchant) -> bool:
        """Whether `merchant` gave us what this adapter needs to call their shop (address, credentials)."""
        return True


class UnknownPlatformError(LookupError):
    pass


_registry: dict[str, ShopAdapter] = {}


def adapter_register(platform: str, adapter: ShopAdapter) -> None:
    if getattr(adapter, "platform", platform) != platform:
        raise ValueError(f"Adapter {adapter!r} says its platform is {adapter.platform!r}, not {platform!r}.")
    registered = _registry.get(platform)
    if registered is not None and registered is not adapter:
        raise ValueError(f"Platform {platform!r} already has an adapter: {registered!r}.")
    _registry[platform] = adapter


def adapter_for(platform: str) -> ShopAdapter:
    try:
        return _registry[platform]
    except KeyError:
        raise UnknownPlatformError(f"No shop adapter is registered for the platform {platform!r}.") from None


# Platforms staff know by another name than our code, for actions whose adapter is not registered here.
PLATFORM_NAMES = {
    "shopify": "Shopify",
    "woocommerce": "WooCommerce",
    "manual": _("By hand, in the shop"),
}


def platform_name(platform: str) -> str:
    """The platform as staff read it: its adapter's label, a name we know, else the platform as recorded."""
    adapter = _registry.get(platform)
    label = getattr(adapter, "label", "") if adapter is not None else ""
    return str(label or PLATFORM_NAMES.get(platform) or platform)


def platforms() -> list[str]:
    return sorted(_registry)


MANUAL = "manual"


def platform_for(merchant, shop_platform: str) -> str:
    """The adapter to ask `merchant`'s shop with, for an order that came from `shop_platform`
    (orders.Order.source_platform): that platform's adapter if the merchant set it up, else "manual"."""
    adapter = _registry.get(shop_platform)
    if shop_platform != MANUAL and adapter is not None and adapter.configured_for(merchant):
        return shop_platform
    return MANUAL
