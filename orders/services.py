"""Write use cases for customers, orders, refunds and fulfillments.

Every surface that brings orders in (REST API, Shopify and WooCommerce adapters, demo data)
builds an `OrderInput` and calls these functions; they are the one place where the rules
live. Each validates everything before writing anything (raising `OrderValidationError`
with a field -> message dict), runs in one transaction and records the order's events.
"""

import hashlib
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from core.inputs import check_aware, check_length, check_web_url
from core.locale import supported_language
from core.money import amount_str, is_currency_code, minor_unit, minor_units
from core.scoping import merchant_scope
from merchants.models import Merchant

from .events import NewEvent, event_record, events_record
from .models import Customer, FinancialStatus, FulfillmentStatus, LineItem, Order, Refund

MONEY_LIMIT = Decimal("1000000000000")  # 12 integer digits: the columns are DECIMAL(15, 3)
MAX_QUANTITY = 1_000_000
MAX_DISCOUNT_CODES = 50
MAX_PAYMENT_GATEWAYS = 20


class OrderValidationError(Exception):
    """Input that cannot be stored. `errors` maps each bad field to a message a person can act on.

    Nested fields are named by path: "line_items[1].unit_price", "customer.email".
    """

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))


# --- Input ----------------------------------------------------------------------------------
# Amounts may be given as Decimal, int or str ("12.50"); a float is read through its shortest
# repr, which is the literal it was parsed from. They are stored exactly, never rounded.
Amount = Decimal | int | str


@dataclass(kw_only=True)
class AddressInput:
    name: str = ""
    address1: str = ""
    address2: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""  # ISO 3166-1 alpha-2


@dataclass(kw_only=True)
class CustomerInput:
    external_id: str = ""
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    language: str = ""  # "fr", "fr-FR", "en_US"...: reduced to a language we speak, else left blank
    time_zone: str = ""
    accepts_marketing: bool | None = None  # None: keep what we have


@dataclass(kw_only=True)
class LineItemInput:
    title: str
    quantity: int
    unit_price: Amount
    external_id: str = ""
    sku: str = ""
    product_id: str = ""
    variant_id: str = ""
    variant_title: str = ""
    product_type: str = ""
    tags: list[str] = field(default_factory=list)
    image_url: str = ""


@dataclass(kw_only=True)
class DiscountCodeInput:
    code: str
    amount: Amount
    type: str = ""  # Shopify's: percentage, fixed_amount, shipping; WooCommerce coupon lines have none


@dataclass(kw_only=True)
class OrderInput:
    external_id: str
    number: str
    placed_at: datetime
    currency: str
    total: Amount
    line_items: list[LineItemInput]
    subtotal: Amount | None = None  # None: the sum of the line items
    shipping: Amount = 0
    tax: Amount = 0
    discount: Amount = 0
    financial_status: str = FinancialStatus.PENDING
    fulfillment_status: str | None = None  # None: keep ours (computed from shipments)
    cancelled_at: datetime | None = None
    cancel_reason: str = ""
    # The source's status is authoritative both ways (WooCommerce: a cancelled or trashed order can be
    # set back to processing, or restored): not cancelled there means a cancelled order is restored.
    # Off for the API and Shopify, where an update that omits cancelled_at must not undo a cancel.
    uncancel: bool = False
    email: str = ""  # contact email; defaults to the customer's
    language: str = ""
    customer: CustomerInput | None = None  # None: a guest order
    shipping_address: AddressInput | None = None
    source_platform: str = "api"
    # The shop's own modification time: an input older than what we stored is ignored.
    source_updated_at: datetime | None = None
    landing_site: str = ""
    referring_site: str = ""
    # Payment facts (None: keep what we have): the codes used and the payment gateways' names.
    discount_codes: list[DiscountCodeInput] | None = None
    payment_gateways: list[str] | None = None
    exchange_for_rma: str | None = None  # the return this order is the exchange of; None: keep ours
    test: bool = False


@dataclass(kw_only=True)
class RefundLineInput:
    quantity: int
    line_item_id: int | None = None  # ours...
    line_item_external_id: str = ""  # ...or the shop's


# --- Validation helpers ------------------------------------------------------------------------


def money_parse(value, currency: str) -> Decimal:
    """An exact, non-negative amount in `currency`, else ValueError with the reason.

    It may have as many decimals as the currency's minor unit (2 for EUR, 3 for KWD, 0 for
    JPY); trailing zeros beyond them are fine ("1000.00" JPY), other digits are refused.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError("Enter an amount such as 12.50.")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("Enter an amount such as 12.50.")
        value = repr(value)
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number; enter an amount such as 12.50.") from None
    if not amount.is_finite():
        raise ValueError("Enter an amount such as 12.50.")
    if amount < 0:
        raise ValueError("The amount cannot be negative.")
    if amount >= MONEY_LIMIT:
        raise ValueError("The amount is too large.")
    quantum = minor_unit(currency)
    if amount != amount.quantize(quantum, rounding=ROUND_DOWN):
        raise ValueError(_places_message(currency))
    return amount.quantize(quantum)


def _places_message(currency: str) -> str:
    places = minor_units(currency)
    if not is_currency_code(currency):
        return f"Use at most {places} decimal places."
    if places == 0:
        return f"{currency.upper()} amounts have no decimal places."
    return f"{currency.upper()} amounts have at most {places} decimal places."


def language_normalize(value: str) -> str:
    """'fr-FR' -> 'fr'. A language we do not speak becomes '' (the merchant's default applies)."""
    return supported_language(value) or ""


def _is_quantity(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_QUANTITY


def _check_email(errors: dict, name: str, value: str) -> None:
    if not value:
        return
    try:
        validate_email(value)
    except ValidationError:
        errors[name] = f"{value!r} is not a valid email address."


def _parse_amount(errors: dict, name: str, value, currency: str) -> Decimal | None:
    try:
        return money_parse(value, currency)
    except ValueError as exc:
        errors[name] = str(exc)
        return None


def _validate_customer(errors: dict, data: CustomerInput, prefix: str) -> None:
    check_length(errors, f"{prefix}external_id", data.external_id, 64)
    check_length(errors, f"{prefix}email", data.email, 254)
    _check_email(errors, f"{prefix}email", data.email)
    check_length(errors, f"{prefix}first_name", data.first_name, 120)
    check_length(errors, f"{prefix}last_name", data.last_name, 120)
    check_length(errors, f"{prefix}phone", data.phone, 40)
    check_length(errors, f"{prefix}time_zone", data.time_zone, 64)
    if not data.external_id and not data.email:
        errors[f"{prefix}email"] = "Give the customer's email or external_id."


def _validate_line_items(errors: dict, items: list[LineItemInput], currency: str) -> list[Decimal | None]:
    prices = []
    if not items:
        errors["line_items"] = "An order needs at least one line item."
        return prices
    seen_external_ids = set()
    for index, item in enumerate(items):
        prefix = f"line_items[{index}]."
        check_length(errors, prefix + "title", item.title, 255, required=True)
        for name, limit in (("external_id", 64), ("sku", 120), ("product_id", 64), ("variant_id", 64)):
            check_length(errors, prefix + name, getattr(item, name), limit)
        check_length(errors, prefix + "variant_title", item.variant_title, 255)
        check_length(errors, prefix + "product_type", item.product_type, 120)
        check_length(errors, prefix + "image_url", item.image_url, 500)
        check_web_url(errors, prefix + "image_url", item.image_url)
        if not _is_quantity(item.quantity):
            errors[prefix + "quantity"] = f"Enter a whole number from 1 to {MAX_QUANTITY}."
        if not isinstance(item.tags, list) or not all(isinstance(tag, str) for tag in item.tags):
            errors[prefix + "tags"] = "Give a list of texts."
        if item.external_id:
            if item.external_id in seen_external_ids:
                errors[prefix + "external_id"] = "Two line items have this external_id."
            seen_external_ids.add(item.external_id)
        prices.append(_parse_amount(errors, prefix + "unit_price", item.unit_price, currency))
    return prices


def _validate_payment_facts(errors: dict, data: OrderInput) -> list[dict] | None:
    """The discount codes as stored (amounts as strings in the order's currency); None when not given."""
    gateways = data.payment_gateways
    if gateways is not None:
        if not isinstance(gateways, list) or not all(isinstance(name, str) and len(name) <= 64 for name in gateways):
            errors["payment_gateways"] = "Give a list of payment gateway names of at most 64 characters."
        elif len(gateways) > MAX_PAYMENT_GATEWAYS:
            errors["payment_gateways"] = f"Give at most {MAX_PAYMENT_GATEWAYS} payment gateways."
    if data.exchange_for_rma is not None:
        check_length(errors, "exchange_for_rma", data.exchange_for_rma, 64)
    if data.discount_codes is None:
        return None
    if len(data.discount_codes) > MAX_DISCOUNT_CODES:
        errors["discount_codes"] = f"Give at most {MAX_DISCOUNT_CODES} discount codes."
        return None
    codes = []
    for index, discount in enumerate(data.discount_codes):
        prefix = f"discount_codes[{index}]."
        check_length(errors, prefix + "code", discount.code, 255, required=True)
        check_length(errors, prefix + "type", discount.type, 32)
        amount = _parse_amount(errors, prefix + "amount", discount.amount, data.currency)
        if amount is not None:
            codes.append(
                {"code": discount.code.strip(), "amount": amount_str(amount, data.currency), "type": discount.type}
            )
    return codes


@dataclass
class _CleanOrder:
    amounts: dict[str, Decimal]
    unit_prices: list[Decimal]
    discount_codes: list[dict] | None = None


def order_validate(data: OrderInput) -> _CleanOrder:
    """Check every field of `data`; raise OrderValidationError naming each bad one."""
    errors: dict[str, str] = {}
    check_length(errors, "external_id", data.external_id, 64, required=True)
    check_length(errors, "number", data.number, 64, required=True)
    check_aware(errors, "placed_at", data.placed_at, required=True)
    check_aware(errors, "cancelled_at", data.cancelled_at)
    check_aware(errors, "source_updated_at", data.source_updated_at)
    if not is_currency_code(data.currency):
        errors["currency"] = f"{data.currency!r} is not an ISO 4217 currency code (e.g. EUR, USD)."
    if data.financial_status not in FinancialStatus.values:
        errors["financial_status"] = f"Use one of: {', '.join(FinancialStatus.values)}."
    if data.fulfillment_status is not None and data.fulfillment_status not in FulfillmentStatus.values:
        errors["fulfillment_status"] = f"Use one of: {', '.join(FulfillmentStatus.values)}."
    check_length(errors, "email", data.email, 254)
    _check_email(errors, "email", data.email)
    check_length(errors, "cancel_reason", data.cancel_reason, 64)
    check_length(errors, "source_platform", data.source_platform, 20)
    if data.customer is not None:
        _validate_customer(errors, data.customer, "customer.")
    if data.shipping_address is not None:
        address = data.shipping_address
        for name, limit in (("name", 200), ("address1", 255), ("address2", 255), ("city", 120), ("postal_code", 32)):
            check_length(errors, f"shipping_address.{name}", getattr(address, name), limit)
        if address.country and not (
            isinstance(address.country, str) and len(address.country) == 2 and address.country.isalpha()
        ):
            errors["shipping_address.country"] = "Use a two-letter ISO 3166-1 country code (e.g. FR)."
    unit_prices = _validate_line_items(errors, data.line_items, data.currency)
    discount_codes = _validate_payment_facts(errors, data)

    amounts = {}
    for name in ("total", "shipping", "tax", "discount"):
        amounts[name] = _parse_amount(errors, name, getattr(data, name), data.currency)
    if data.subtotal is not None:
        amounts["subtotal"] = _parse_amount(errors, "subtotal", data.subtotal, data.currency)
    if errors:
        raise OrderValidationError(errors)
    if data.subtotal is None:
        amounts["subtotal"] = sum(
            (price * item.quantity for price, item in zip(unit_prices, data.line_items, strict=True)), Decimal(0)
        )
    return _CleanOrder(amounts=amounts, unit_prices=unit_prices, discount_codes=discount_codes)


# --- Customers ---------------------------------------------------------------------------------


def customer_input_of(data: OrderInput) -> CustomerInput | None:
    """Who bought: the shop's customer, or for a guest order (no customer) the order's email address.

    One rule for guests: a guest is one customer per shop and email, so their orders, wallets,
    loyalty, survey throttles and holdout groups work as anyone's. An order with neither has no customer.
    """
    if data.customer is not None:
        return data.customer
    if data.email.strip():
        return CustomerInput(email=data.email.strip(), language=data.language)
    return None


def _lock_email(merchant: Merchant, email: str) -> None:
    """Serialise concurrent upserts of one email so two requests cannot create two customers."""
    if connection.vendor != "postgresql" or not email:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_email_lock_key(merchant, email)])


def _email_lock_key(merchant: Merchant, email: str) -> int:
    digest = hashlib.sha256(f"customer:{merchant.pk}:{email.lower()}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _customer_find(merchant: Merchant, data: CustomerInput) -> Customer | None:
    customers = Customer.objects.filter(merchant=merchant).select_for_update()
    if data.external_id:
        found = customers.filter(external_id=data.external_id).first()
        if found:
            return found
    if data.email:
        by_email = customers.filter(email__iexact=data.email, redacted_at__isnull=True).order_by("id")
        if data.external_id:
            # A customer the shop knows under another id is another person sharing the address.
            by_email = by_email.filter(external_id="")
        return by_email.first()
    return None


def _customer_apply(customer: Customer, data: CustomerInput) -> list[str]:
    """Copy the given values onto `customer`; blanks never erase what we know. Returns changed fields."""
    values = {
        "external_id": data.external_id,
        "email": data.email.strip(),
        "first_name": data.first_name,
        "last_name": data.last_name,
        "phone": data.phone,
        "language": language_normalize(data.language),
        "time_zone": data.time_zone,
    }
    changed = []
    for name, value in values.items():
        if value and getattr(customer, name) != value:
            setattr(customer, name, value)
            changed.append(name)
    if data.accepts_marketing is not None and customer.accepts_marketing != data.accepts_marketing:
        customer.accepts_marketing = data.accepts_marketing
        changed.append("accepts_marketing")
    return changed


def customer_upsert(*, merchant: Merchant, data: CustomerInput) -> tuple[Customer, bool]:
    """Find the customer by external id, else by email (case-insensitive); create or update it."""
    errors: dict[str, str] = {}
    _validate_customer(errors, data, "")
    if errors:
        raise OrderValidationError(errors)
    with merchant_scope(merchant), transaction.atomic():
        return _customer_upsert_in_transaction(merchant, data)


def _customer_upsert_in_transaction(merchant: Merchant, data: CustomerInput) -> tuple[Customer, bool]:
    """customer_upsert's writes, for a caller already in a transaction and the merchant's scope."""
    _lock_email(merchant, data.email)
    customer = _customer_find(merchant, data)
    if customer is not None:
        changed = _customer_apply(customer, data)
        if changed:
            customer.save(update_fields=[*changed, "updated_at"])
        return customer, False
    customer = Customer(merchant=merchant)
    _customer_apply(customer, data)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:  # created by a concurrent request with the same external id
        customer = Customer.objects.select_for_update().get(merchant=merchant, external_id=data.external_id)
        changed = _customer_apply(customer, data)
        if changed:
            customer.save(update_fields=[*changed, "updated_at"])
        return customer, False
    return customer, True


# --- Orders ------------------------------------------------------------------------------------

# Bookkeeping that changes on every newer version: not worth an order.updated event alone.
_SILENT_FIELDS = {"source_updated_at"}


def _order_values(data: OrderInput, clean: _CleanOrder, customer: Customer | None) -> dict:
    address = data.shipping_address or AddressInput()
    values = {
        "number": data.number.strip(),
        "placed_at": data.placed_at,
        "currency": data.currency.upper(),
        **clean.amounts,
        "financial_status": data.financial_status,
        "email": (data.email or (customer.email if customer else "")).strip(),
        "language": language_normalize(data.language) or (customer.language if customer else ""),
        "customer_id": customer.pk if customer else None,
        "shipping_name": address.name,
        "shipping_address1": address.address1,
        "shipping_address2": address.address2,
        "shipping_city": address.city,
        "shipping_postal_code": address.postal_code,
        "shipping_country": address.country.upper(),
        "source_platform": data.source_platform,
        "landing_site": data.landing_site[:500],
        "referring_site": data.referring_site[:500],
        "test": data.test,
    }
    if data.source_updated_at is not None:  # without one, keep the last known version time
        values["source_updated_at"] = data.source_updated_at
    if data.fulfillment_status is not None:
        values["fulfillment_status"] = data.fulfillment_status
    if clean.discount_codes is not None:
        values["discount_codes"] = clean.discount_codes
    if data.payment_gateways is not None:
        values["payment_gateways"] = [name.strip() for name in data.payment_gateways if name.strip()]
    if data.exchange_for_rma is not None:
        values["exchange_for_rma"] = data.exchange_for_rma.strip()
    return values


def _line_item_key(item, index: int):
    """How a line item is recognised across versions: the shop's id, else its SKU, else its position."""
    if item.external_id:
        return ("external_id", item.external_id)
    if item.sku:
        return ("sku", item.sku)
    return ("position", index)


def _line_item_values(item: LineItemInput, unit_price: Decimal) -> dict:
    return {
        "external_id": item.external_id,
        "sku": item.sku,
        "product_id": item.product_id,
        "variant_id": item.variant_id,
        "title": item.title.strip(),
        "variant_title": item.variant_title,
        "quantity": item.quantity,
        "unit_price": unit_price,
        "product_type": item.product_type,
        "tags": list(item.tags),
        "image_url": item.image_url,
    }


@dataclass
class NewOrder:
    """An order to write with `orders_write_new`: its row and its line items, not saved yet."""

    order: Order
    line_items: list[LineItem]


def _new_order(merchant: Merchant, data: OrderInput, clean: _CleanOrder, customer: Customer | None) -> NewOrder:
    return NewOrder(
        Order(merchant=merchant, external_id=data.external_id, **_order_values(data, clean, customer)),
        [
            LineItem(merchant=merchant, **_line_item_values(item, unit_price))
            for item, unit_price in zip(data.line_items, clean.unit_prices, strict=True)
        ],
    )


def orders_write_new(*, merchant: Merchant, new_orders: list[NewOrder], past: bool = False) -> list[Order]:
    """The one writer of new orders, for the webhook's upsert, the drain's batches and the demo's history.

    Writes the orders, their line items (in input order, so ids follow positions) and each order's
    `order.created` through the event bus, with a few statements for all of them, in the caller's
    transaction. `past=True` writes history (events.events_record): the order was created when it
    was placed, long ago, and nothing reacts to it now. Raises IntegrityError when an order with the
    same external id exists.
    """
    with merchant_scope(merchant):
        orders = Order.objects.bulk_create([new.order for new in new_orders], batch_size=500)
        for new in new_orders:
            for item in new.line_items:
                item.order = new.order
        LineItem.objects.bulk_create([item for new in new_orders for item in new.line_items], batch_size=500)
    created = [
        NewEvent(
            "order.created",
            order=order,
            payload={"order_id": order.pk, **exchange_mark(order)},
            occurred_at=order.placed_at if past else None,
        )
        for order in orders
    ]
    events_record(merchant=merchant, events=created, past=past)
    return orders


def exchange_mark(order: Order) -> dict:
    """What an order event says of an exchange order (the return it is for), so subscribers that only
    care about exchanges (returns) need no query for the others."""
    return {"exchange_for_rma": order.exchange_for_rma} if order.exchange_for_rma else {}


def _line_items_sync(order: Order, items: list[LineItemInput], unit_prices: list[Decimal]) -> bool:
    """Make the order's line items match `items`, keeping refunded quantities. Returns True if any changed."""
    existing = list(LineItem.objects.filter(order=order).order_by("id"))
    by_key = {}
    for index, line in enumerate(existing):
        by_key.setdefault(_line_item_key(line, index), line)
    changed = False
    kept_ids = set()
    for index, (item, unit_price) in enumerate(zip(items, unit_prices, strict=True)):
        values = _line_item_values(item, unit_price)
        line = by_key.pop(_line_item_key(item, index), None)
        if line is None:
            line = LineItem.objects.create(merchant=order.merchant, order=order, **values)
            changed = True
        else:
            dirty = [name for name, value in values.items() if getattr(line, name) != value]
            if dirty:
                for name in dirty:
                    setattr(line, name, values[name])
                line.save(update_fields=dirty)
                changed = True
        kept_ids.add(line.pk)
    removed = [line.pk for line in existing if line.pk not in kept_ids]
    if removed:
        LineItem.objects.filter(pk__in=removed).delete()
        changed = True
    return changed


def _order_locked(merchant: Merchant, external_id: str) -> Order | None:
    order = Order.objects.select_for_update().filter(merchant=merchant, external_id=external_id).first()
    if order is not None:
        order.merchant = merchant  # saves a query for every event recorded on it
    return order


def order_lock(merchant: Merchant, order: Order) -> Order:
    """The order again, locked against concurrent writers, with fresh values."""
    locked = Order.objects.select_for_update().get(merchant=merchant, pk=order.pk)
    locked.merchant = merchant
    return locked


def _order_try_create(merchant: Merchant, new: NewOrder) -> Order | None:
    """Create the order, or return None when a concurrent request created it first."""
    try:
        with transaction.atomic():
            return orders_write_new(merchant=merchant, new_orders=[new])[0]
    except IntegrityError:
        return None


def _is_stale(order: Order, data: OrderInput) -> bool:
    return (
        data.source_updated_at is not None
        and order.source_updated_at is not None
        and data.source_updated_at < order.source_updated_at
    )


def order_upsert(*, merchant: Merchant, data: OrderInput) -> tuple[Order, bool]:
    """Create the order, or update the one with the same external id. Returns (order, created).

    A version older than the stored one (by `source_updated_at`) changes nothing. Records
    order.created, order.updated {changed} and, when the input cancels it, order.cancelled.
    """
    clean = order_validate(data)
    with merchant_scope(merchant), transaction.atomic():
        order = _order_locked(merchant, data.external_id)
        if order is not None and _is_stale(order, data):
            return order, False
        # Validated with the order above; written in this transaction without a savepoint of its own.
        buyer = customer_input_of(data)
        customer = _customer_upsert_in_transaction(merchant, buyer)[0] if buyer else None
        if order is None:
            order = _order_try_create(merchant, _new_order(merchant, data, clean, customer))
            if order is not None:
                if data.cancelled_at:
                    _cancel(order, reason=data.cancel_reason, cancelled_at=data.cancelled_at)
                return order, True
            order = _order_locked(merchant, data.external_id)
            if _is_stale(order, data):
                return order, False
        _order_update(order, data, clean, _order_values(data, clean, customer))
        return order, False


def _order_update(order: Order, data: OrderInput, clean: _CleanOrder, values: dict) -> None:
    changed = [name for name, value in values.items() if getattr(order, name) != value]
    for name in changed:
        setattr(order, name, values[name])
    if changed:
        order.save(update_fields=[*changed, "updated_at"])
    if _line_items_sync(order, data.line_items, clean.unit_prices):
        changed.append("line_items")
    reported = [name.removesuffix("_id") for name in changed if name not in _SILENT_FIELDS]
    if reported:
        event_record(
            merchant=order.merchant,
            kind="order.updated",
            order=order,
            payload={"order_id": order.pk, "changed": reported, **exchange_mark(order)},
        )
    if "fulfillment_status" in changed and order.fulfillment_status == FulfillmentStatus.FULFILLED:
        event_record(merchant=order.merchant, kind="order.fulfilled", order=order, payload={"order_id": order.pk})
    if data.cancelled_at and order.cancelled_at is None:
        _cancel(order, reason=data.cancel_reason, cancelled_at=data.cancelled_at)
    elif data.uncancel and not data.cancelled_at and order.cancelled_at is not None:
        _restore(order)


# --- Many new orders at once (the webhook drain's batches) ----------------------------------------


def orders_create_new(*, merchant: Merchant, inputs: list[OrderInput]) -> list[Order | None]:
    """Create the orders among `inputs` that do not exist yet, with a few statements for all of them.

    Writes what `order_upsert` would write for each (customers matched by the same rules, line items,
    order.created), for a caller in a transaction. Returns, per input, the order created, or None for
    an input left to `order_upsert`: an invalid one (its errors are reported there), a known or
    repeated external id, a cancelled one, one with a non-ASCII email (matched by PostgreSQL's
    UPPER, not Python's). A concurrent writer of the same rows makes it raise IntegrityError.
    """
    chosen = _creatable(merchant, inputs)
    created: list[Order | None] = [None] * len(inputs)
    if not chosen:
        return created
    with merchant_scope(merchant):
        buyers = {index: customer_input_of(data) for index, (data, _clean) in chosen.items()}
        customers = iter(_customers_upsert_many(merchant, [buyer for buyer in buyers.values() if buyer]))
        new_orders = {}
        for index, (data, clean) in chosen.items():
            customer = next(customers) if buyers[index] else None
            new_orders[index] = _new_order(merchant, data, clean, customer)
        orders_write_new(merchant=merchant, new_orders=list(new_orders.values()))
    for index, new in new_orders.items():
        created[index] = new.order
    return created


def _creatable(merchant: Merchant, inputs: list[OrderInput]) -> dict[int, tuple[OrderInput, _CleanOrder]]:
    """The inputs `orders_create_new` takes, by position, validated."""
    chosen, seen = {}, set()
    for index, data in enumerate(inputs):
        emails = [data.email, data.customer.email if data.customer else ""]
        repeated = data.external_id in seen
        seen.add(data.external_id)
        if repeated or data.cancelled_at is not None or not all(email.isascii() for email in emails):
            continue
        try:
            chosen[index] = (data, order_validate(data))
        except OrderValidationError:
            continue
    with merchant_scope(merchant):
        known = set(
            Order.objects.filter(
                merchant=merchant, external_id__in=[data.external_id for data, _ in chosen.values()]
            ).values_list("external_id", flat=True)
        )
    return {index: pair for index, pair in chosen.items() if pair[0].external_id not in known}


def _customers_upsert_many(merchant: Merchant, inputs: list[CustomerInput]) -> list[Customer]:
    """`_customer_upsert_in_transaction` for each input, in order, with a few statements; ASCII emails only."""
    _lock_emails(merchant, [data.email for data in inputs])
    external_ids = {data.external_id for data in inputs if data.external_id}
    emails = {data.email.upper() for data in inputs if data.email}
    known = list(
        Customer.objects.select_for_update()
        .filter(merchant=merchant)
        .annotate(email_upper=Upper("email"))
        .filter(Q(external_id__in=external_ids) | Q(email_upper__in=emails, redacted_at__isnull=True))
        .order_by("id")
    )
    resolved, new, changed = [], [], {}
    for data in inputs:
        customer = _customer_match(known, data)
        if customer is None:
            customer = Customer(merchant=merchant)
            new.append(customer)
            known.append(customer)
        fields = _customer_apply(customer, data)
        if customer.pk is not None and fields:
            changed.setdefault(customer.pk, (customer, set()))[1].update(fields)
        resolved.append(customer)
    Customer.objects.bulk_create(new)
    for customer, fields in changed.values():
        customer.save(update_fields=[*sorted(fields), "updated_at"])
    return resolved


def _customer_match(known: list[Customer], data: CustomerInput) -> Customer | None:
    """`_customer_find` over rows already read (oldest first): by external id, else by email."""
    if data.external_id:
        for customer in known:
            if customer.external_id == data.external_id:
                return customer
    if data.email:
        email = data.email.upper()
        for customer in known:
            if customer.redacted_at is None and customer.email.upper() == email:
                if not data.external_id or not customer.external_id:
                    return customer
    return None


def _lock_emails(merchant: Merchant, emails: list[str]) -> None:
    """`_lock_email` for many emails in one statement, in a fixed order (two batches never deadlock)."""
    keys = sorted({_email_lock_key(merchant, email) for email in emails if email})
    if connection.vendor != "postgresql" or not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(key) FROM unnest(%s::bigint[]) AS key", [keys])


def _cancel(order: Order, *, reason: str, cancelled_at: datetime) -> None:
    order.cancelled_at = cancelled_at
    order.cancel_reason = reason
    order.save(update_fields=["cancelled_at", "cancel_reason", "updated_at"])
    event_record(
        merchant=order.merchant,
        kind="order.cancelled",
        order=order,
        payload={"order_id": order.pk, "reason": reason},
        occurred_at=cancelled_at,
    )


def _restore(order: Order) -> None:
    reason = order.cancel_reason
    order.cancelled_at, order.cancel_reason = None, ""
    order.save(update_fields=["cancelled_at", "cancel_reason", "updated_at"])
    event_record(
        merchant=order.merchant,
        kind="order.restored",
        order=order,
        payload={"order_id": order.pk, "cancel_reason": reason},
    )


def order_cancel(
    *, merchant: Merchant, order: Order, reason: str = "", cancelled_at: datetime | None = None
) -> tuple[Order, bool]:
    """Mark the order cancelled. Returns (order, cancelled_now); an already cancelled order is left as it is."""
    errors: dict[str, str] = {}
    check_length(errors, "reason", reason, 64)
    check_aware(errors, "cancelled_at", cancelled_at)
    if errors:
        raise OrderValidationError(errors)
    with merchant_scope(merchant), transaction.atomic():
        order = order_lock(merchant, order)
        if order.cancelled_at is not None:
            return order, False
        _cancel(order, reason=reason, cancelled_at=cancelled_at or timezone.now())
        return order, True


# --- Refunds -----------------------------------------------------------------------------------


def _refund_lines(order: Order, lines: list[RefundLineInput], errors: dict) -> list[tuple[LineItem, int]]:
    items = {item.pk: item for item in LineItem.objects.select_for_update().filter(order=order)}
    by_external_id = {item.external_id: item for item in items.values() if item.external_id}
    resolved: list[tuple[LineItem, int]] = []
    requested: dict[int, int] = {}
    for index, line in enumerate(lines):
        prefix = f"line_items[{index}]."
        item = items.get(line.line_item_id) if line.line_item_id else by_external_id.get(line.line_item_external_id)
        if item is None:
            errors[prefix + "line_item_id"] = "This order has no such line item."
            continue
        if not _is_quantity(line.quantity):
            errors[prefix + "quantity"] = f"Enter a whole number from 1 to {MAX_QUANTITY}."
            continue
        requested[item.pk] = requested.get(item.pk, 0) + line.quantity
        if requested[item.pk] > item.quantity - item.quantity_refunded:
            left = item.quantity - item.quantity_refunded
            errors[prefix + "quantity"] = f"Only {left} of this item can still be refunded."
            continue
        resolved.append((item, line.quantity))
    return resolved


def refund_record(
    *,
    merchant: Merchant,
    order: Order,
    external_id: str,
    amount: Amount,
    line_items: list[RefundLineInput] | None = None,
    note: str = "",
    refunded_at: datetime | None = None,
    source: str = "api",
) -> tuple[Refund, bool]:
    """Record a refund once per `external_id`: marks refunded items and amounts, sets the financial status.

    Returns (refund, created). A repeat of a known refund id changes nothing, and so does the same refund
    coming through the other path under another id (`_same_refund`): it is the one recorded first.
    """
    errors: dict[str, str] = {}
    check_length(errors, "external_id", external_id, 64, required=True)
    check_length(errors, "note", note, 500)
    check_aware(errors, "refunded_at", refunded_at)
    # A refund is in the currency of the order it gives money back on.
    money = _parse_amount(errors, "amount", amount, order.currency)
    if errors:
        raise OrderValidationError(errors)
    with merchant_scope(merchant), transaction.atomic():
        order = order_lock(merchant, order)
        ids = Q(external_id=external_id) | Q(other_external_id=external_id)
        known = Refund.objects.filter(ids, merchant=merchant, order=order).first()
        if known is None:
            known = _same_refund(order, external_id, money, line_items or [], refunded_at or timezone.now(), source)
        if known is not None:
            return known, False
        resolved = _refund_lines(order, line_items or [], errors)
        if order.refunded_amount + money > order.total:
            left = amount_str(order.total - order.refunded_amount, order.currency)
            errors["amount"] = f"Only {left} {order.currency} can still be refunded."
        if errors:
            raise OrderValidationError(errors)
        for item, quantity in resolved:
            item.quantity_refunded += quantity
            item.save(update_fields=["quantity_refunded"])
        refund = Refund.objects.create(
            merchant=merchant,
            order=order,
            external_id=external_id,
            amount=money,
            currency=order.currency,
            line_items=[{"line_item_id": item.pk, "quantity": quantity} for item, quantity in resolved],
            note=note,
            source=source,
            refunded_at=refunded_at or timezone.now(),
        )
        order.refunded_amount += money
        if order.refunded_amount > 0:
            fully = order.refunded_amount >= order.total
            order.financial_status = FinancialStatus.REFUNDED if fully else FinancialStatus.PARTIALLY_REFUNDED
        order.save(update_fields=["refunded_amount", "financial_status", "updated_at"])
        event_record(
            merchant=merchant,
            kind="order.refunded",
            order=order,
            occurred_at=refund.refunded_at,
            payload={
                "order_id": order.pk,
                "refund_id": refund.pk,
                "amount": amount_str(money, order.currency),
                "currency": order.currency,
                "line_items": refund.line_items,
            },
        )
        return refund, True


SAME_REFUND_WITHIN = timedelta(days=7)


def _same_refund(order: Order, external_id: str, money: Decimal, lines: list, refunded_at, source: str):
    """The refund recorded already through the other path, if this one is it: then it takes this id too.

    A refund the shop made by hand for a return reaches us twice: staff confirm it under the reference
    they type (source "returns") and the shop's webhook reports it under its own id. It is the same
    refund when it came from another source, for the same amount, within a week, for the same items (or
    one side names none: WooCommerce lists refunds without items), and no other id was matched to it
    yet: a second refund of the same amount and items is a refund of its own.
    """
    near = Refund.objects.filter(
        order=order,
        amount=money,
        other_external_id="",
        refunded_at__range=(refunded_at - SAME_REFUND_WITHIN, refunded_at + SAME_REFUND_WITHIN),
    ).exclude(source=source)
    asked = _line_pairs(order, lines)
    for refund in near.order_by("refunded_at", "id"):
        theirs = sorted((line["line_item_id"], line["quantity"]) for line in refund.line_items)
        if not asked or not theirs or asked == theirs:
            refund.other_external_id = external_id
            refund.save(update_fields=["other_external_id"])
            return refund
    return None


def _line_pairs(order: Order, lines: list[RefundLineInput]) -> list[tuple[int, int]]:
    """(line item id, quantity) of the asked lines, sorted; a line by the shop's id is looked up."""
    if not lines:
        return []
    by_external_id = dict(LineItem.objects.filter(order=order).values_list("external_id", "pk"))
    return sorted(
        (line.line_item_id or by_external_id.get(line.line_item_external_id) or 0, line.quantity) for line in lines
    )


# --- Fulfillment status (the shipments are tracking's: it tells us what they add up to) ---------

FULFILLMENT_RANK = {FulfillmentStatus.UNFULFILLED: 0, FulfillmentStatus.PARTIAL: 1, FulfillmentStatus.FULFILLED: 2}


def order_fulfillment_status_set(*, order: Order, status: str, backwards: bool = False) -> bool:
    """Move the order's fulfillment status to `status`, forwards only unless `backwards` (a cancelled
    fulfillment); a restocked order is left alone. Records order.fulfilled or order.updated."""
    current = FULFILLMENT_RANK.get(order.fulfillment_status)
    if current is None or status == order.fulfillment_status:
        return False
    if not backwards and FULFILLMENT_RANK[status] <= current:
        return False
    order.fulfillment_status = status
    order.save(update_fields=["fulfillment_status", "updated_at"])
    if status == FulfillmentStatus.FULFILLED and not backwards:
        event_record(merchant=order.merchant, kind="order.fulfilled", order=order, payload={"order_id": order.pk})
    else:
        event_record(
            merchant=order.merchant,
            kind="order.updated",
            order=order,
            payload={"order_id": order.pk, "changed": ["fulfillment_status"]},
        )
    return True
