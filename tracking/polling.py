"""Polling carriers that offer no webhooks: an adapter per carrier API, and a registry.

An adapter answers `fetch(tracking_number) -> list[ProviderEvent]` in our normalized
vocabulary. A merchant turns polling on per carrier (CarrierSetting.polling_adapter); the
periodic task then polls that carrier's active shipments. No carrier API is bundled: a
deployment registers its adapters (with their credentials) at start-up:

    from tracking.polling import register_adapter
    register_adapter("my-carrier-api", MyCarrierAdapter())
"""

from typing import Protocol

from .services import ProviderEvent


class PollingError(Exception):
    """The carrier could not be asked this time (network, quota): the next run tries again."""


class PollingAdapter(Protocol):
    def fetch(self, tracking_number: str) -> list[ProviderEvent]: ...


_adapters: dict[str, PollingAdapter] = {}


def register_adapter(name: str, adapter: PollingAdapter) -> None:
    _adapters[name] = adapter


def unregister_adapter(name: str) -> None:
    _adapters.pop(name, None)


def adapter_named(name: str) -> PollingAdapter | None:
    return _adapters.get(name)


def registered_adapters() -> list[str]:
    return sorted(_adapters)
