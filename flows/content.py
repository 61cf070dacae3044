"""The plain data a step template sees.

Templates are edited by merchants, so they never receive model instances: only read-only
mappings of strings and tuples (see `freeze`). `order_context` builds it from an order,
`sample_context` from a made-up order with the same shape, for previews and validation.
A customer-anchored email (no order) gets `customer_context`: the customer, the shop, the
signature and links, and the variables of providers that know customers; `sample_context(...,
customer_anchored=True)` is its made-up twin.
"""

import functools
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone, translation

from catalogue.selectors import recommendations_for
from core.l10n import format_day, format_money
from core.money import exact_amount
from core.scoping import merchant_scope
from merchants.models import Membership, Merchant, Role
from orders.models import Customer, Order

from .context_providers import (
    provided_customer_values,
    provided_samples,
    provided_values,
    shipment_samples,
    shipment_values,
)

_CONTAINERS = (dict, list, tuple)


def freeze(value):
    """Dicts become read-only mappings, lists tuples: a template cannot call .clear() or .pop()."""
    # Leaves (most values: strings) are kept without a call each; this runs for every email.
    if isinstance(value, dict):
        return MappingProxyType({k: freeze(v) if isinstance(v, _CONTAINERS) else v for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple([freeze(v) if isinstance(v, _CONTAINERS) else v for v in value])
    return value


# An email shows a handful of prices and a batch repeats the same few: each (amount, currency,
# language) is written once. Equal amounts ("49.9", "49.90") are written alike, so one entry serves both.
@functools.lru_cache(maxsize=4096)
def money(amount: Decimal, currency: str, language: str) -> str:
    return format_money(amount, currency, language)


def local_date(moment, tz, language: str) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = moment.astimezone(tz).date()
    return _date(moment, language, timezone.now().year)


# A batch repeats the same few dates: each (day, language) is formatted once. The current year is part
# of the key since a day of another year is written with its year.
@functools.lru_cache(maxsize=4096)
def _date(day: date, language: str, this_year: int) -> str:
    return format_day(day, language)


@receiver(setting_changed)
def _forget_formats(**kwargs):
    money.cache_clear()
    _date.cache_clear()


def _guides(items: list, guides_setting: dict, language: str) -> list[dict]:
    result, seen = [], set()
    for item in items:
        kind = item.product_type.strip().lower()
        guide = {k.strip().lower(): v for k, v in guides_setting.items()}.get(kind)
        if not guide or kind in seen:
            continue
        seen.add(kind)
        text = guide.get(language) or guide.get("en") or guide.get("fr") or ""
        result.append(
            {"product_type": item.product_type, "title": item.title, "text": text, "url": guide.get("url", "")}
        )
    return result


def signer_name(merchant: Merchant, flow_settings, *, wanted: bool = True) -> str:
    """Who signs the personal check-in: the person named in the settings, else the shop's sender name, else
    the first owner's first name. Empty when that is only the shop's own name: templates then speak as the
    shop ("we") rather than "It's Maison Lumière, from Maison Lumière"."""
    shop = merchant.name.strip().casefold()
    named = [n.strip() for n in (flow_settings.signature_name, merchant.sender_name) if n and n.strip()]
    name = next((n for n in named if n.casefold() != shop), "")
    if not name and wanted and merchant.pk:
        with merchant_scope(merchant):
            owner = (
                Membership.objects.filter(merchant=merchant, role=Role.OWNER)
                .exclude(user__full_name="")
                .order_by("created_at", "id")
                .values_list("user__full_name", flat=True)
                .first()
            )
        name = owner.split()[0] if owner else ""
    return "" if name.casefold() == shop else name


def _amounts(order: Order, language: str) -> dict:
    """The lines under the items, so that they add up to the total: shipping, a discount, and tax when it is
    added on top of the prices (left out when the prices include it). Empty when zero."""
    tax_on_top = order.subtotal + order.shipping - order.discount + order.tax == order.total

    def shown(amount, show=True):
        return money(amount, order.currency, language) if amount and show else ""

    return {
        "subtotal": shown(order.subtotal),
        "shipping": shown(order.shipping),
        "discount": shown(order.discount),
        "tax": shown(order.tax, tax_on_top),
    }


def _recommendation(product, language: str) -> dict:
    """A suggested product (catalogue.selectors.recommendations_for) as templates see it: its own page."""
    price = "" if product.price is None else money(exact_amount(product.price), product.price_currency, language)
    return {"title": product.title, "image_url": product.image_url, "price": price, "url": product.url}


def shop_context(merchant: Merchant) -> dict:
    from django.conf import settings

    logo = f"{settings.SITE_URL}{merchant.logo.url}" if merchant.logo else ""
    return {
        "name": merchant.name,
        "url": merchant.website_url,
        "support_email": merchant.support_email,
        "logo_url": logo,
        "primary_color": merchant.primary_color,
    }


def order_context(
    *,
    order: Order,
    merchant: Merchant,
    language: str,
    tz,
    flow_settings,
    links: dict,
    shipment=None,
    cache=None,
    with_recommendations: bool = True,
    wanted=lambda name: True,
    items: list | None = None,
    shipments: list | None = None,
    anchor_key: str = "",
) -> dict:
    """Everything a template may use, as plain strings and lists.

    Recommendations (two queries) and other apps' variables (flows/context_providers.py: the
    tracking link is a signature) are left empty when the template does not use them, as `wanted`
    tells. `items` and `shipments`: the order's, when the caller has them. `anchor_key`: the thing of
    the order the email is about ("return:42"), for the providers that know it.
    """
    cache = cache if cache is not None else {}
    customer = order.customer if order.customer_id else None
    items = list(order.line_items.all()) if items is None else items
    if "recommendations" not in cache:
        cache["recommendations"] = (
            recommendations_for(order, items=items, with_prices=True) if with_recommendations else []
        )
    if shipment is None:
        shipments = list(order.shipments.all()) if shipments is None else shipments
        shipment = shipments[-1] if shipments else None
    first_name = (customer.first_name if customer else "") or order.shipping_name.split(" ")[0]
    data = {
        "customer": {
            "first_name": first_name,
            "last_name": customer.last_name if customer else "",
            "full_name": (customer.full_name if customer else "") or order.shipping_name,
            "email": (order.email or (customer.email if customer else "")),
        },
        "order": {
            "number": order.number,
            "placed_on": local_date(order.placed_at, tz, language),
            "total": money(order.total, order.currency, language),
            **_amounts(order, language),
            "item_count": str(sum(i.quantity for i in items)),
            "items": [
                {
                    "title": i.title,
                    "variant": i.variant_title,
                    "quantity": str(i.quantity),
                    "price": money(i.unit_price, order.currency, language),
                    "line_total": money(i.unit_price * i.quantity, order.currency, language),
                    "product_type": i.product_type,
                    "image_url": i.image_url,
                }
                for i in items
            ],
            "shipping_city": order.shipping_city,
            "shipping_country": order.shipping_country,
        },
        "shipment": {
            "carrier": shipment.carrier if shipment else "",
            "tracking_number": shipment.tracking_number if shipment else "",
            "status": _in_language(shipment.get_status_display, language) if shipment else "",
            "estimated_delivery": local_date(shipment.estimated_delivery_to, tz, language) if shipment else "",
            **shipment_values(shipment),
        },
        "shop": shop_context(merchant),
        "recommendations": [_recommendation(product, language) for product in cache["recommendations"]],
        "guides": _guides(items, flow_settings.product_guides or {}, language),
        "signature": {"name": signer_name(merchant, flow_settings, wanted=wanted("signature"))},
        "links": links,
    }
    return {**provided_values(order=order, language=language, wanted=wanted, anchor_key=anchor_key), **data}


def _in_language(text, language: str) -> str:
    """A label Django writes as it is asked (get_FOO_display()), in `language` whatever is active."""
    with translation.override(language):
        return str(text())


def customer_context(
    *,
    customer: Customer,
    anchor_key: str,
    merchant: Merchant,
    language: str,
    flow_settings,
    links: dict,
    wanted=lambda name: True,
) -> dict:
    """What a customer-anchored email may use: no order, no shipment, only who and which shop."""
    data = {
        "customer": {
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "full_name": customer.full_name,
            "email": customer.email,
        },
        "shop": shop_context(merchant),
        "signature": {"name": signer_name(merchant, flow_settings, wanted=wanted("signature"))},
        "links": links,
    }
    values = provided_customer_values(customer=customer, anchor_key=anchor_key, language=language, wanted=wanted)
    return {**values, **data}


def sample_context(*, merchant: Merchant, language: str, flow_settings, customer_anchored: bool = False) -> dict:
    """A made-up order with every key a real one has, for previews and template validation.

    `customer_anchored`: the made-up context of an email about a customer, which has no order.
    """
    from django.conf import settings

    if customer_anchored:
        return _sample_customer_context(merchant=merchant, language=language, flow_settings=flow_settings)
    fr = language == "fr"
    tz = merchant.tzinfo
    item = {
        "title": "Bougie parfumée Figuier" if fr else "Fig tree scented candle",
        "variant": "200 g",
        "quantity": "1",
        "price": money(Decimal("34.00"), merchant.currency, language),
        "line_total": money(Decimal("34.00"), merchant.currency, language),
        "product_type": "candle",
        "image_url": "",
    }
    return {
        "customer": {
            "first_name": "Camille",
            "last_name": "Martin",
            "full_name": "Camille Martin",
            "email": "camille@example.org",
        },
        "order": {
            "number": "#1001",
            "placed_on": local_date(datetime(2025, 3, 14, 10, 0, tzinfo=tz), tz, language),
            "total": money(Decimal("38.90"), merchant.currency, language),
            "subtotal": money(Decimal("34.00"), merchant.currency, language),
            "shipping": money(Decimal("4.90"), merchant.currency, language),
            "discount": "",
            "tax": "",
            "item_count": "1",
            "items": [item],
            "shipping_city": "Lyon",
            "shipping_country": "FR",
        },
        "shipment": {
            "carrier": "colissimo",
            "tracking_number": "6A12345678901",
            "status": "En transit" if fr else "In transit",
            "estimated_delivery": local_date(datetime(2025, 3, 18, 12, 0, tzinfo=tz), tz, language),
            **shipment_samples(),
        },
        **provided_samples(merchant=merchant, language=language),
        "shop": shop_context(merchant),
        "recommendations": [
            {
                "title": "Mouchette à bougie" if fr else "Candle snuffer",
                "image_url": "",
                "price": money(Decimal("12.00"), merchant.currency, language),
                "url": merchant.website_url,
            }
        ],
        "guides": [
            {
                "product_type": "candle",
                "title": item["title"],
                "text": "Laissez-la brûler 2 heures la première fois."
                if fr
                else "Let it burn for 2 hours the first time.",
                "url": merchant.website_url,
            }
        ],
        "signature": {"name": signer_name(merchant, flow_settings)},
        "links": {"preferences": f"{settings.SITE_URL}/e/p/sample/", "unsubscribe": f"{settings.SITE_URL}/e/u/sample/"},
    }


SAMPLE_CUSTOMER = {"first_name": "Camille", "last_name": "Martin", "email": "camille@example.org"}


def _sample_customer_context(*, merchant: Merchant, language: str, flow_settings) -> dict:
    from django.conf import settings

    links = {"preferences": f"{settings.SITE_URL}/e/p/sample/", "unsubscribe": f"{settings.SITE_URL}/e/u/sample/"}
    context = customer_context(
        customer=Customer(merchant=merchant, **SAMPLE_CUSTOMER),
        anchor_key="sample",
        merchant=merchant,
        language=language,
        flow_settings=flow_settings,
        links=links,
        wanted=lambda name: False,  # providers' values are made up below, never computed
    )
    samples = provided_samples(merchant=merchant, language=language, customer_anchored=True)
    return {**context, **samples}


def order_only_variables(*, merchant: Merchant, language: str, flow_settings) -> set[str]:
    """The top-level variables an order email has and a customer-anchored one does not."""
    order_keys = sample_context(merchant=merchant, language=language, flow_settings=flow_settings)
    customer_keys = sample_context(
        merchant=merchant, language=language, flow_settings=flow_settings, customer_anchored=True
    )
    return set(order_keys) - set(customer_keys)
