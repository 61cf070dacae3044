"""Shopify webhooks: payloads (REST resource shapes, docs/wire_formats §1) turned into service calls.

Ids are 64-bit integers (above 2^53): the JSON is parsed with Python's exact integers and
ids are kept as strings. Money arrives as decimal strings, except refund line subtotals,
which are JSON numbers: those are parsed as Decimal, never float.
"""

import logging
from datetime import datetime
from decimal import Decimal

from core.inputs import is_web_url
from core.moments import MomentError, moment_parse
from core.money import is_currency_code
from integrations.inbound import PayloadError, TransientError, json_object_parse, register_source
from merchants.models import Merchant
from orders import privacy
from orders.models import FinancialStatus, Order
from orders.services import (
    AddressInput,
    CustomerInput,
    DiscountCodeInput,
    LineItemInput,
    OrderInput,
    RefundLineInput,
    customer_upsert,
    language_normalize,
    money_parse,
    order_cancel,
    order_upsert,
    refund_record,
)
from tracking.fulfillments import fulfillment_add, fulfillment_cancel

from ..models import WebhookDelivery

logger = logging.getLogger(__name__)

SOURCE = "shopify"
Status = WebhookDelivery.Status

ORDER_TOPICS = {"orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled"}
FULFILLMENT_TOPICS = {"fulfillments/create", "fulfillments/update"}
CUSTOMER_TOPICS = {"customers/create", "customers/update"}
PRIVACY_TOPICS = {"customers/data_request", "customers/redact", "shop/redact"}
# Returns made in the shop's admin (integrations/shopify/returns.py). The order is order{id} in
# request, approve and decline, a flat order_id in close, cancel and reopen (wire_formats_2 §1.3).
RETURN_NESTED_ORDER_TOPICS = {"returns/request", "returns/approve", "returns/decline"}
RETURN_FLAT_ORDER_TOPICS = {"returns/close", "returns/cancel", "returns/reopen"}
RETURN_TOPICS = RETURN_NESTED_ORDER_TOPICS | RETURN_FLAT_ORDER_TOPICS
# The catalogue (integrations/shopify/products.py, wire_formats_2 §1.4, §1.5).
PRODUCT_TOPICS = {"products/create", "products/update", "products/delete"}
# The fields each topic cannot do without; anything else may be trimmed by include_fields.
REQUIRED_FIELDS = {
    **dict.fromkeys(ORDER_TOPICS, ("id",)),
    **dict.fromkeys(FULFILLMENT_TOPICS, ("id", "order_id")),
    "refunds/create": ("id", "order_id"),
    **dict.fromkeys(CUSTOMER_TOPICS, ("id",)),
    "customers/data_request": ("customer",),
    "customers/redact": ("customer",),
    "shop/redact": (),
    **dict.fromkeys(RETURN_NESTED_ORDER_TOPICS, ("id", "order")),
    **dict.fromkeys(RETURN_FLAT_ORDER_TOPICS, ("id", "order_id")),
    **dict.fromkeys(PRODUCT_TOPICS, ("id",)),
    "inventory_levels/update": ("inventory_item_id", "location_id"),
}
TOPICS = frozenset(REQUIRED_FIELDS)

# Shopify's shipment_status (REST, and the newer FulfillmentEventStatus values) -> ours
# (tracking.models.ShipmentStatus). Unknown or null values give no status at all.
SHIPMENT_STATUS_MAP = {
    "label_printed": "info_received",
    "label_purchased": "info_received",
    "confirmed": "info_received",
    "carrier_picked_up": "in_transit",
    "in_transit": "in_transit",
    "delayed": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "attempted_delivery": "attempt_failed",
    "ready_for_pickup": "available_for_pickup",
    "ready_for_recipient_pickup": "available_for_pickup",
    "picked_up": "delivered",
    "delivered": "delivered",
    "failure": "exception",
    "buyer_action_required": "exception",
    "returning_to_sender": "returning_to_sender",
}
FULFILLMENT_STATUSES = {"fulfilled", "partial", "restocked"}


# --- Checks at the door (the view) -----------------------------------------------------------------


def payload_parse(topic: str, body: bytes) -> dict:
    """Parse and shape-check a signed body. Raises PayloadError with a message for the sender."""
    payload = json_object_parse(body)
    missing = [name for name in REQUIRED_FIELDS.get(topic, ()) if payload.get(name) in (None, "")]
    if missing:
        raise PayloadError(f"A {topic} payload needs the field(s): {', '.join(missing)}.")
    for name in REQUIRED_FIELDS.get(topic, ()):
        if name.endswith("id") or name == "id":
            shopify_id(payload[name], name)
        elif not isinstance(payload[name], dict):
            raise PayloadError(f"{name} must be a JSON object.")
    return payload


# --- Small readers -------------------------------------------------------------------------------


def shopify_id(value, name: str) -> str:
    """A Shopify id (a JSON integer, possibly above 2^53) as an exact string."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PayloadError(f"{name} must be an integer id, not {value!r}.")
    text = str(value).strip()
    if not text.isdigit() or len(text) > 20:
        raise PayloadError(f"{name} must be an integer id, not {value!r}.")
    return text


def optional_id(value, name: str) -> str:
    return "" if value in (None, "") else shopify_id(value, name)


def text(payload: dict, name: str, default: str = "") -> str:
    value = payload.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or isinstance(value, dict | list):
        raise PayloadError(f"{name} must be text, not {value!r}.")
    return str(value).replace("\x00", "").strip()


def obj(payload: dict, name: str) -> dict | None:
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise PayloadError(f"{name} must be a JSON object or null.")
    return value


def items(payload: dict, name: str) -> list:
    value = payload.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{name} must be a list.")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise PayloadError(f"{name}[{index}] must be a JSON object.")
    return value


def timestamp(payload: dict, name: str) -> datetime | None:
    value = payload.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{name} must be an ISO 8601 date and time with an offset, not {value!r}.")
    try:
        return moment_parse(value)
    except MomentError as exc:
        raise PayloadError(f"{name} must be an ISO 8601 date and time with an offset, not {value!r}: {exc}") from None


def amount(value, name: str, currency: str) -> Decimal:
    try:
        return money_parse(value, currency)
    except ValueError as exc:
        raise PayloadError(f"{name}: {exc}") from exc


def quantity(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(f"{name} must be a whole number, not {value!r}.")
    return value


# --- Orders -------------------------------------------------------------------------------------


def _shipping_amount(payload: dict):
    money = (obj(payload, "total_shipping_price_set") or {}).get("shop_money")
    if isinstance(money, dict) and money.get("amount") is not None:
        return money["amount"]
    lines = items(payload, "shipping_lines")
    currency = text(payload, "currency")
    return sum(
        (amount(line.get("price", "0"), f"shipping_lines[{i}].price", currency) for i, line in enumerate(lines)), 0
    )


def _customer_input(customer: dict, locale: str) -> CustomerInput:
    consent = obj(customer, "email_marketing_consent") or {}
    if consent.get("state"):
        accepts = consent["state"] == "subscribed"
    elif isinstance(customer.get("accepts_marketing"), bool):
        accepts = customer["accepts_marketing"]
    else:
        accepts = None
    return CustomerInput(
        external_id=shopify_id(customer.get("id"), "customer.id"),
        email=text(customer, "email"),
        first_name=text(customer, "first_name"),
        last_name=text(customer, "last_name"),
        phone=text(customer, "phone"),
        language=locale,
        accepts_marketing=accepts,
    )


def _address_input(address: dict | None) -> AddressInput | None:
    if not address:
        return None
    name = text(address, "name") or f"{text(address, 'first_name')} {text(address, 'last_name')}".strip()
    return AddressInput(
        name=name,
        address1=text(address, "address1"),
        address2=text(address, "address2"),
        city=text(address, "city"),
        postal_code=text(address, "zip"),
        country=text(address, "country_code").upper(),
    )


def _line_item_input(item: dict, index: int) -> LineItemInput:
    prefix = f"line_items[{index}]"
    return LineItemInput(
        external_id=optional_id(item.get("id"), f"{prefix}.id"),
        title=text(item, "title") or text(item, "name"),
        variant_title=text(item, "variant_title"),
        quantity=quantity(item.get("quantity"), f"{prefix}.quantity"),
        unit_price=item.get("price"),
        sku=text(item, "sku"),
        product_id=optional_id(item.get("product_id"), f"{prefix}.product_id"),
        variant_id=optional_id(item.get("variant_id"), f"{prefix}.variant_id"),
    )


def order_input(payload: dict, *, merchant: Merchant, topic: str = "orders/updated") -> OrderInput:
    """An OrderInput from a Shopify order payload (orders/create, updated, paid, cancelled)."""
    locale = text(payload, "customer_locale")
    customer = obj(payload, "customer")
    financial = text(payload, "financial_status") or ("paid" if topic == "orders/paid" else "pending")
    if financial not in FinancialStatus.values:
        raise PayloadError(f"financial_status {financial!r} is not one Shopify documents.")
    fulfillment = text(payload, "fulfillment_status")
    placed_at = timestamp(payload, "processed_at") or timestamp(payload, "created_at")
    if placed_at is None:
        raise PayloadError("An order needs created_at or processed_at.")
    number = text(payload, "name") or (f"#{text(payload, 'order_number')}" if payload.get("order_number") else "")
    return OrderInput(
        external_id=shopify_id(payload["id"], "id"),
        number=number,
        placed_at=placed_at,
        currency=text(payload, "currency").upper(),
        total=payload.get("total_price"),
        subtotal=payload.get("total_line_items_price", payload.get("subtotal_price")),
        shipping=_shipping_amount(payload),
        tax=payload.get("total_tax") or "0",
        discount=payload.get("total_discounts") or "0",
        financial_status=financial,
        fulfillment_status=fulfillment if fulfillment in FULFILLMENT_STATUSES else None,
        cancelled_at=timestamp(payload, "cancelled_at"),
        cancel_reason=text(payload, "cancel_reason"),
        email=text(payload, "email") or text(payload, "contact_email"),
        language=language_normalize(locale) or merchant.default_language,
        customer=_customer_input(customer, locale) if customer and customer.get("id") is not None else None,
        shipping_address=_address_input(obj(payload, "shipping_address")),
        line_items=[_line_item_input(item, i) for i, item in enumerate(items(payload, "line_items"))],
        source_platform=SOURCE,
        source_updated_at=timestamp(payload, "updated_at"),
        landing_site=text(payload, "landing_site"),
        referring_site=text(payload, "referring_site"),
        test=payload.get("test") is True,
        **payment_facts(payload),
    )


EXCHANGE_TAG_PREFIX = "exchange:"  # our exchange orders' tag, "exchange:RMA-1042" (integrations/shopify/actions.py)


def payment_facts(payload: dict) -> dict:
    """The OrderInput fields of discount codes, gateways and the exchange tag; a field the payload leaves
    out (include_fields) is None, which keeps what we stored."""
    facts = {}
    if "discount_codes" in payload:
        currency = text(payload, "currency").upper()
        facts["discount_codes"] = discounts_readable(
            payload,
            "discount_codes",
            currency,
            lambda line: DiscountCodeInput(
                code=_line_text(line, "code"), amount=_line_text(line, "amount") or "0", type=_line_text(line, "type")
            ),
        )
    if "payment_gateway_names" in payload:
        names = payload.get("payment_gateway_names") or []
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise PayloadError("payment_gateway_names must be a list of texts.")
        facts["payment_gateways"] = names
    if "tags" in payload:
        facts["exchange_for_rma"] = exchange_rma_of_tags(text(payload, "tags"))
    return facts


def discounts_readable(payload: dict, name: str, currency: str, read) -> list[DiscountCodeInput]:
    """The discount lines under `name` that `read` makes into a code and an amount in `currency`.

    A line we cannot read (not an object, no code, an amount that is no money) is left out and
    logged: the order itself is good, and what it tells of tracking and emails must not wait for it.
    """
    lines = payload.get(name)
    if not isinstance(lines, list):
        if lines is not None:
            logger.warning("%s is not a list: left out of order %s", name, payload.get("id"))
        return []
    readable = []
    for index, line in enumerate(lines):
        discount = read(line) if isinstance(line, dict) else None
        if discount is None or not discount.code or not _money_or_none(discount.amount, currency):
            logger.warning("%s[%s] cannot be read: left out of order %s", name, index, payload.get("id"))
            continue
        readable.append(discount)
    return readable


def _line_text(line: dict, name: str) -> str:
    value = line.get(name)
    return "" if value is None or isinstance(value, bool | dict | list) else str(value).replace("\x00", "").strip()


def _money_or_none(value, currency: str) -> bool:
    try:
        money_parse(value, currency if is_currency_code(currency) else "XXX")
    except ValueError:
        return False
    return True


def exchange_rma_of_tags(tags: str) -> str:
    """The return number in our exchange tag, "RMA-1042" of "vip, exchange:RMA-1042" (tags are one string, §1.4)."""
    for tag in tags.split(","):
        tag = tag.strip()
        if tag.lower().startswith(EXCHANGE_TAG_PREFIX) and tag[len(EXCHANGE_TAG_PREFIX) :].strip():
            return tag[len(EXCHANGE_TAG_PREFIX) :].strip()
    return ""


def handle_order(merchant: Merchant, topic: str, payload: dict) -> list[str]:
    order, _created = order_upsert(merchant=merchant, data=order_input(payload, merchant=merchant, topic=topic))
    notes = _embedded_fulfillments_add(merchant, order, payload)
    if topic == "orders/cancelled" and order.cancelled_at is None:
        # A trimmed payload (include_fields) may leave cancelled_at out; the topic says enough.
        order_cancel(
            merchant=merchant,
            order=order,
            reason=text(payload, "cancel_reason"),
            cancelled_at=timestamp(payload, "cancelled_at") or timestamp(payload, "updated_at"),
        )
    return notes


def _embedded_fulfillments_add(merchant: Merchant, order: Order, payload: dict) -> list[str]:
    """Shipments for fulfillments listed on the order that we have not seen (a shop may not
    subscribe to fulfillments/*). Known ones are left to fulfillments/update, which is newer."""
    from tracking.models import Shipment

    fulfillments = items(payload, "fulfillments")
    if not fulfillments:
        return []
    known = set(Shipment.objects.filter(merchant=merchant, order=order).values_list("external_id", flat=True))
    notes = []
    for fulfillment in fulfillments:
        status = fulfillment.get("status")
        if status in ("error", "failure"):  # never shipped
            continue
        if status == "cancelled" or optional_id(fulfillment.get("id"), "fulfillments[].id") not in known:
            notes += handle_fulfillment(merchant, {**fulfillment, "order_id": order.external_id})
    return notes


def _order_for(merchant: Merchant, payload: dict) -> Order:
    order_id = shopify_id(payload.get("order_id"), "order_id")
    order = Order.objects.filter(merchant=merchant, external_id=order_id).first()
    if order is None:
        # Shopify does not order deliveries: the order's own webhook may still be on its way.
        raise TransientError(f"Order {order_id} has not been received yet.")
    return order


# --- Fulfillments -------------------------------------------------------------------------------


def _strings(payload: dict, plural: str, singular: str) -> list[str]:
    values = payload.get(plural)
    if values is None:
        values = [payload.get(singular)]
    if not isinstance(values, list):
        raise PayloadError(f"{plural} must be a list of texts.")
    cleaned = []
    for value in values:
        if value is None:
            continue
        if not isinstance(value, str):
            raise PayloadError(f"{plural} must be a list of texts, not {value!r}.")
        if value.strip() and value.strip() not in cleaned:
            cleaned.append(value.strip())
    return cleaned


def shipment_status_hint(value) -> str:
    return SHIPMENT_STATUS_MAP.get(value, "") if isinstance(value, str) else ""


def _tracking_urls(payload: dict, notes: list[str]) -> list[str]:
    """The tracking URLs, in the numbers' order; one that is not an http(s) address is left out
    (it would be a link on the tracking page) and `notes` says so."""
    urls = []
    for index, url in enumerate(_strings(payload, "tracking_urls", "tracking_url")):
        if len(url) > 500 or not is_web_url(url):
            notes.append(f"tracking_urls[{index}] {url[:100]!r} left out: not an http(s) address.")
            url = ""
        urls.append(url)
    return urls


def handle_fulfillment(merchant: Merchant, payload: dict) -> list[str]:
    """One shipment per tracking number: the first keeps the fulfillment id, the others add the number.

    Returns notes for staff: what was left out, and numbers whose carrier could not be checked.
    """
    order = _order_for(merchant, payload)
    fulfillment_id = shopify_id(payload["id"], "id")
    if payload.get("status") == "cancelled":
        fulfillment_cancel(
            merchant=merchant, order=order, external_id=fulfillment_id, cancelled_at=timestamp(payload, "updated_at")
        )
        return []
    notes: list[str] = []
    numbers = _strings(payload, "tracking_numbers", "tracking_number") or [""]
    urls = _tracking_urls(payload, notes)
    line_ids = [
        shopify_id(item.get("id"), f"line_items[{i}].id") for i, item in enumerate(items(payload, "line_items"))
    ]
    for index, number in enumerate(numbers):
        shipment, _created = fulfillment_add(
            merchant=merchant,
            order=order,
            external_id=fulfillment_id if index == 0 else f"{fulfillment_id}:{number}"[:64],
            tracking_number=number,
            carrier=text(payload, "tracking_company")[:40],
            tracking_url=urls[index] if index < len(urls) else "",
            service=text(payload, "service")[:120],
            status_hint=shipment_status_hint(payload.get("shipment_status")),
            line_item_external_ids=line_ids or None,
            shipped_at=timestamp(payload, "created_at"),
            source=SOURCE,
        )
        if shipment.carrier_problem:
            notes.append(shipment.carrier_problem)
    return notes


# --- Refunds ------------------------------------------------------------------------------------


def refund_amount(payload: dict, currency: str) -> Decimal:
    """Money given back: the successful refund transactions; without any, the refunded lines' totals.

    `currency` is the order's: a refund gives money back in it.
    """
    transactions = items(payload, "transactions")
    if transactions:
        return sum(
            (
                amount(t.get("amount"), f"transactions[{i}].amount", currency)
                for i, t in enumerate(transactions)
                if t.get("kind") == "refund" and t.get("status") == "success"
            ),
            Decimal("0.00"),
        )
    total = Decimal("0.00")
    for i, line in enumerate(items(payload, "refund_line_items")):
        total += amount(line.get("subtotal", 0), f"refund_line_items[{i}].subtotal", currency)
        total += amount(line.get("total_tax", 0), f"refund_line_items[{i}].total_tax", currency)
    return total


def handle_refund(merchant: Merchant, payload: dict) -> None:
    order = _order_for(merchant, payload)
    lines = [
        RefundLineInput(
            quantity=quantity(line.get("quantity"), f"refund_line_items[{i}].quantity"),
            line_item_external_id=shopify_id(line.get("line_item_id"), f"refund_line_items[{i}].line_item_id"),
        )
        for i, line in enumerate(items(payload, "refund_line_items"))
    ]
    refund_record(
        merchant=merchant,
        order=order,
        external_id=shopify_id(payload["id"], "id"),
        amount=refund_amount(payload, order.currency),
        line_items=lines,
        note=text(payload, "note")[:500],
        refunded_at=timestamp(payload, "processed_at") or timestamp(payload, "created_at"),
        source=SOURCE,
    )


# --- Customers and privacy ------------------------------------------------------------------------


def handle_customer(merchant: Merchant, payload: dict) -> None:
    customer_upsert(merchant=merchant, data=_customer_input(payload, text(payload, "locale")))


def _privacy_subject(merchant: Merchant, payload: dict, orders_key: str) -> privacy.DataSubject:
    customer = obj(payload, "customer") or {}
    order_ids = payload.get(orders_key) or []
    if not isinstance(order_ids, list):
        raise PayloadError(f"{orders_key} must be a list of order ids.")
    return privacy.subject_for(
        merchant=merchant,
        customer_external_ids=[optional_id(customer.get("id"), "customer.id")],
        emails=[text(customer, "email")],
        order_external_ids=[shopify_id(value, f"{orders_key}[]") for value in order_ids],
    )


def handle_privacy(merchant: Merchant, topic: str, payload: dict, delivery: WebhookDelivery) -> None:
    if topic == "shop/redact":
        privacy.personal_data_erase(subject=privacy.subject_whole_shop(merchant=merchant))
    elif topic == "customers/redact":
        privacy.personal_data_erase(subject=_privacy_subject(merchant, payload, "orders_to_redact"))
    else:
        request = obj(payload, "data_request") or {}
        privacy.data_export_create(
            subject=_privacy_subject(merchant, payload, "orders_requested"),
            source=SOURCE,
            request_id=optional_id(request.get("id"), "data_request.id"),
            delivery=delivery,
        )


# --- Dispatch -----------------------------------------------------------------------------------


def process(delivery: WebhookDelivery) -> str | tuple[str, str]:
    """Handle one stored delivery (called by integrations.inbound.delivery_process); notes for staff
    (what was left out of a processed delivery) come back with the status."""
    topic = delivery.topic
    if topic not in TOPICS:
        return Status.IGNORED
    payload = payload_parse(topic, delivery.body.encode())
    merchant = delivery.merchant
    notes = []
    if topic in ORDER_TOPICS:
        notes = handle_order(merchant, topic, payload)
    elif topic in FULFILLMENT_TOPICS:
        notes = handle_fulfillment(merchant, payload)
    elif topic == "refunds/create":
        handle_refund(merchant, payload)
    elif topic in CUSTOMER_TOPICS:
        handle_customer(merchant, payload)
    elif topic in RETURN_TOPICS:
        from .returns import handle_return  # it reads payloads with this module's readers

        notes = handle_return(merchant, topic, payload, delivery)
    elif topic in PRODUCT_TOPICS:
        from .products import handle_product  # it reads payloads with this module's readers

        return handle_product(merchant, topic, payload)
    elif topic == "inventory_levels/update":
        from .products import handle_inventory_level

        return handle_inventory_level(merchant, payload)
    else:
        handle_privacy(merchant, topic, payload, delivery)
    return (Status.PROCESSED, " ".join(notes)) if notes else Status.PROCESSED


PLAIN_ORDER_TOPICS = frozenset({"orders/create", "orders/updated", "orders/paid"})


def plain_order(delivery: WebhookDelivery) -> OrderInput | None:
    """The order a delivery carries when upserting it is all `process` would do, else None.

    Not for a cancellation or an order with fulfillments listed; a payload `process` would refuse is
    left to it, so that its error is recorded.
    """
    if delivery.topic not in PLAIN_ORDER_TOPICS:
        return None
    try:
        payload = payload_parse(delivery.topic, delivery.body.encode())
        if items(payload, "fulfillments") or payload.get("cancelled_at"):
            return None
        return order_input(payload, merchant=delivery.merchant, topic=delivery.topic)
    except PayloadError:
        return None


PLAIN_PRODUCT_TOPICS = frozenset({"products/create", "products/update"})


def plain_product(delivery: WebhookDelivery):
    """The ProductInput of a products/create or update (a new one is created in bulk), else None;
    a payload `process` would refuse is left to it, so that its error is recorded."""
    from .products import product_input

    if delivery.topic not in PLAIN_PRODUCT_TOPICS:
        return None
    try:
        return product_input(payload_parse(delivery.topic, delivery.body.encode()), merchant=delivery.merchant)
    except PayloadError:
        return None


register_source(SOURCE, process, plain_order=plain_order, plain_product=plain_product)
