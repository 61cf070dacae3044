"""What other apps add to the data an email template sees, without flows knowing them.

Tracking adds the customer's tracking page link; returns will add the return portal link, feedback a
survey's score links, loyalty a points balance. A provider gives the value for a real order and a
made-up value of the same shape: previews, test sends and the template validator read the made-up
one, so a template that uses a provider's variable is accepted as soon as the provider is registered.

    email_context_register(EmailContextProvider(
        "tracking_url",
        value=lambda order, language: tracking_page_url(order),
        sample=lambda merchant, language: f"{settings.SITE_URL}/track/sample/",
    ))

Values are plain data (strings, dicts, lists): templates are merchants' and never see model instances.

An email about one thing of an order that may come several times (a return's email is about
"return:42", core.event_kinds `order_key`) asks `keyed_value` (order, anchor key, language) when
the provider has one, so the return's provider gives that return and not the order's latest.

An email anchored to a customer rather than an order (a loyalty or survey email) has no order: it
sees only the providers that give `customer_value` (customer, anchor key, language), e.g. a points
balance or a survey link for "nps:2026-Q4". The others are order variables, refused by the
template validator in such a step.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class EmailContextProvider:
    name: str  # the variable's name in templates; must not be one flows itself provides
    value: Callable[..., object]  # (order, language) -> plain data for this order
    sample: Callable[..., object]  # (merchant, language) -> plain data of the same shape
    empty: object = ""  # what a template that does not use it gets (it is then not computed)
    # (customer, anchor_key, language) -> plain data, for customer-anchored emails; None: order only
    customer_value: Callable[..., object] | None = None
    # (order, anchor_key, language) -> plain data, for an email about one thing of the order (a
    # return: "return:42", core.event_kinds order_key); None: `value` answers for every email
    keyed_value: Callable[..., object] | None = None


_providers: dict[str, EmailContextProvider] = {}


def email_context_register(provider: EmailContextProvider) -> None:
    _providers[provider.name] = provider


def provided_values(*, order, language: str, wanted: Callable[[str], bool], anchor_key: str = "") -> dict:
    """Every provider's value for this order (and the thing of it `anchor_key` names); those the
    template does not use are left empty."""
    return {
        name: _order_value(provider, order, language, anchor_key) if wanted(name) else provider.empty
        for name, provider in _providers.items()
    }


def _order_value(provider: EmailContextProvider, order, language: str, anchor_key: str):
    if anchor_key and provider.keyed_value is not None:
        return provider.keyed_value(order, anchor_key, language)
    return provider.value(order, language)


def provided_samples(*, merchant, language: str, customer_anchored: bool = False) -> dict:
    return {
        name: provider.sample(merchant, language)
        for name, provider in _providers.items()
        if provider.customer_value is not None or not customer_anchored
    }


def provided_customer_values(*, customer, anchor_key: str, language: str, wanted: Callable[[str], bool]) -> dict:
    """The values of the providers that know customers, for a customer-anchored email."""
    return {
        name: provider.customer_value(customer, anchor_key, language) if wanted(name) else provider.empty
        for name, provider in _providers.items()
        if provider.customer_value is not None
    }


def email_context_unregister(name: str) -> None:
    """For tests that register a provider of their own."""
    _providers.pop(name, None)


@dataclass(frozen=True)
class ShipmentField:
    """A key of `shipment` in templates that another app words, e.g. the carrier's name for its code."""

    name: str
    value: Callable[..., str]  # (shipment) -> plain text
    sample: str


_shipment_fields: dict[str, ShipmentField] = {}


def shipment_field_register(field: ShipmentField) -> None:
    _shipment_fields[field.name] = field


def shipment_values(shipment) -> dict:
    return {name: field.value(shipment) if shipment else "" for name, field in _shipment_fields.items()}


def shipment_samples() -> dict:
    return {name: field.sample for name, field in _shipment_fields.items()}
