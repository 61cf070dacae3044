"""WooCommerce webhooks: wc/v3 order payloads (docs/wire_formats §2) turned into service calls.

Dates come without an offset; the `_gmt` variants are UTC. Money is decimal strings,
except a line item's `price`, a JSON number (parsed as Decimal). A deleted order's payload
is only {"id": N}.
"""

import functools
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone

from core.inputs import is_web_url
from core.moments import MomentError, moment_parse
from core.money import minor_unit
from integrations.inbound import PayloadError, json_object_parse, register_source
from integrations.shopify.adapter import discounts_readable, items, obj, text
from merchants.models import Merchant
from orders.models import FinancialStatus, FulfillmentStatus, Order
from orders.services import (
    AddressInput,
    CustomerInput,
    DiscountCodeInput,
    LineItemInput,
    OrderInput,
    money_parse,
    order_cancel,
    order_upsert,
    refund_record,
)

from ..models import WebhookDelivery

SOURCE = "woocommerce"
Status = WebhookDelivery.Status
ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.deleted", "order.restored"})
# The catalogue (integrations/woocommerce/products.py, wire_formats_2 §3.4, §3.5).
PRODUCT_TOPICS = frozenset({"product.created", "product.updated", "product.deleted", "product.restored"})
TOPICS = ORDER_TOPICS | PRODUCT_TOPICS

# Order status -> financial status. Custom statuses fall back on whether date_paid is set.
FINANCIAL_STATUS = {
    "pending": FinancialStatus.PENDING,
    "checkout-draft": FinancialStatus.PENDING,
    "on-hold": FinancialStatus.PENDING,  # awaiting payment (bank transfer, cheque)
    "processing": FinancialStatus.PAID,
    "completed": FinancialStatus.PAID,
    "refunded": FinancialStatus.REFUNDED,
    "failed": FinancialStatus.VOIDED,
}
CANCELLED_STATUSES = {"cancelled", "trash"}


# WooCommerce signs with wp_specialchars_decode($secret, ENT_QUOTES): a secret saved as
# "a&amp;b" signs as "a&b". Both forms are tried.
_WP_ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&#039;": "'", "&#39;": "'", "&#x27;": "'", "&amp;": "&"}


def signing_keys(secrets: list[str]) -> list[str]:
    keys = []
    for secret in secrets:
        decoded = secret
        for entity, character in _WP_ENTITIES.items():
            decoded = decoded.replace(entity, character)
        keys += [secret] if decoded == secret else [secret, decoded]
    return keys


def payload_parse(topic: str, body: bytes) -> dict:
    """Parse and shape-check a signed body. Raises PayloadError with a message for the sender."""
    payload = json_object_parse(body)
    if topic in TOPICS:
        woo_id(payload.get("id"), "id")
    return payload


def woo_id(value, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PayloadError(f"{name} must be a positive integer id, not {value!r}.")
    return str(value)


def optional_id(value) -> str:
    """Product and variation ids: 0 means none."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) and value > 0 else ""


def gmt(payload: dict, name: str, *, naive_tz=UTC) -> datetime | None:
    """A date-time in UTC: WooCommerce's `_gmt` fields carry no offset (a plugin may add one).

    The fields without `_gmt` are in the site's time zone: pass it as `naive_tz` to read one.
    """
    value = payload.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{name} must be an ISO 8601 date and time, not {value!r}.")
    try:
        return moment_parse(value, naive_tz=naive_tz)
    except MomentError as exc:
        raise PayloadError(f"{name} must be an ISO 8601 date and time, not {value!r}: {exc}") from None


def _money(value, name: str, currency: str) -> Decimal:
    try:
        return money_parse(value if value not in (None, "") else "0", currency)
    except ValueError as exc:
        raise PayloadError(f"{name}: {exc}") from exc


def _line_item_input(item: dict, index: int, currency: str) -> LineItemInput:
    prefix = f"line_items[{index}]"
    quantity = item.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise PayloadError(f"{prefix}.quantity must be a whole number of at least 1, not {quantity!r}.")
    # Before discounts: the line's subtotal over its quantity (price is after coupons).
    subtotal = _money(item.get("subtotal"), f"{prefix}.subtotal", currency)
    image = obj(item, "image") or {}
    return LineItemInput(
        external_id=optional_id(item.get("id")),
        title=text(item, "name") or text(item, "parent_name"),
        quantity=quantity,
        unit_price=(subtotal / quantity).quantize(minor_unit(currency), rounding=ROUND_HALF_UP),
        sku=text(item, "sku"),
        product_id=optional_id(item.get("product_id")),
        variant_id=optional_id(item.get("variation_id")),
        image_url=_image_url(text(image, "src")),
    )


def _image_url(src: str) -> str:
    """A product picture is decoration: one that is not an http(s) address is left out, not refused."""
    return src if len(src) <= 500 and is_web_url(src) else ""


def _address(payload: dict) -> AddressInput | None:
    address = obj(payload, "shipping") or {}
    if not any(text(address, key) for key in ("address_1", "city", "postcode", "country")):
        address = obj(payload, "billing") or {}  # digital orders ship nothing
    if not any(text(address, key) for key in ("address_1", "city", "postcode", "country")):
        return None
    return AddressInput(
        name=f"{text(address, 'first_name')} {text(address, 'last_name')}".strip(),
        address1=text(address, "address_1"),
        address2=text(address, "address_2"),
        city=text(address, "city"),
        postal_code=text(address, "postcode"),
        country=text(address, "country").upper(),
    )


def _customer(payload: dict) -> CustomerInput | None:
    customer_id = payload.get("customer_id")
    if not optional_id(customer_id):
        return None  # 0: a guest
    billing = obj(payload, "billing") or {}
    return CustomerInput(
        external_id=optional_id(customer_id),
        email=text(billing, "email"),
        first_name=text(billing, "first_name"),
        last_name=text(billing, "last_name"),
        phone=text(billing, "phone"),
    )


def _financial_status(payload: dict, status: str) -> str:
    financial = FINANCIAL_STATUS.get(status)
    if financial is None:
        financial = FinancialStatus.PAID if payload.get("date_paid_gmt") else FinancialStatus.PENDING
    if financial == FinancialStatus.PAID and items(payload, "refunds"):
        financial = FinancialStatus.PARTIALLY_REFUNDED
    return financial


def order_input(payload: dict, *, merchant: Merchant) -> OrderInput:
    status = text(payload, "status")
    # Without the UTC field (older plugins), the local one is in the shop's time zone, which is the merchant's.
    placed_at = gmt(payload, "date_created_gmt") or gmt(payload, "date_created", naive_tz=merchant.tzinfo)
    if placed_at is None:
        raise PayloadError("An order needs date_created_gmt.")
    updated_at = gmt(payload, "date_modified_gmt")
    lines = items(payload, "line_items")
    billing = obj(payload, "billing") or {}
    currency = text(payload, "currency").upper()
    return OrderInput(
        external_id=woo_id(payload["id"], "id"),
        number=f"#{text(payload, 'number') or payload['id']}",
        placed_at=placed_at,
        currency=currency,
        total=payload.get("total"),
        subtotal=sum(
            (_money(item.get("subtotal"), f"line_items[{i}].subtotal", currency) for i, item in enumerate(lines)),
            Decimal(0),
        ),
        shipping=payload.get("shipping_total") or "0",
        tax=payload.get("total_tax") or "0",
        discount=payload.get("discount_total") or "0",
        financial_status=_financial_status(payload, status),
        fulfillment_status=FulfillmentStatus.FULFILLED if status == "completed" else None,
        cancelled_at=(updated_at or timezone.now()) if status in CANCELLED_STATUSES else None,
        cancel_reason=status if status in CANCELLED_STATUSES else "",
        uncancel=status not in CANCELLED_STATUSES,
        email=text(billing, "email"),
        language=merchant.default_language,
        customer=_customer(payload),
        shipping_address=_address(payload),
        line_items=[_line_item_input(item, i, currency) for i, item in enumerate(lines)],
        source_platform=SOURCE,
        source_updated_at=updated_at,
        **payment_facts(payload),
    )


EXCHANGE_META = "_pp_exchange_rma"  # on our exchange orders (integrations/woocommerce/actions.py)


def payment_facts(payload: dict) -> dict:
    """The OrderInput fields of coupons, the payment method and the exchange mark."""
    method = text(payload, "payment_method")
    exchange = next(
        (
            str(meta.get("value") or "").strip()
            for meta in items(payload, "meta_data")
            if meta.get("key") == EXCHANGE_META and isinstance(meta.get("value"), str | int)
        ),
        "",
    )
    return {
        "discount_codes": discounts_readable(
            payload, "coupon_lines", text(payload, "currency").upper(), functools.partial(_coupon, payload)
        ),
        "payment_gateways": [method] if method else [],
        "exchange_for_rma": exchange,
    }


def _coupon(payload: dict, line: dict) -> DiscountCodeInput | None:
    """A coupon line: its code, and what it took off the order as the customer saw it (with its tax when
    the shop's prices include tax: a €30 coupon on a cart at 20 % VAT is `discount` 25.00 + `discount_tax` 5.00)."""
    try:
        amount = Decimal(str(line.get("discount") or "0"))
        if payload.get("prices_include_tax") is True:
            amount += Decimal(str(line.get("discount_tax") or "0"))
    except (InvalidOperation, ValueError):
        return None
    code = line.get("code")
    return DiscountCodeInput(code=code.strip() if isinstance(code, str) else "", amount=str(amount))


def _refunds_record(merchant: Merchant, order: Order, payload: dict) -> None:
    """WooCommerce lists an order's refunds as {id, reason, total: "-5.00"}; record each once."""
    for index, refund in enumerate(items(payload, "refunds")):
        total = text(refund, "total").lstrip("-")
        refund_record(
            merchant=merchant,
            order=order,
            external_id=woo_id(refund.get("id"), f"refunds[{index}].id"),
            amount=_money(total, f"refunds[{index}].total", order.currency),
            note=text(refund, "reason")[:500],
            source=SOURCE,
        )


def handle_order(merchant: Merchant, payload: dict) -> None:
    order, _created = order_upsert(merchant=merchant, data=order_input(payload, merchant=merchant))
    _refunds_record(merchant, order, payload)


def handle_deleted(merchant: Merchant, payload: dict) -> str:
    order = Order.objects.filter(merchant=merchant, external_id=woo_id(payload["id"], "id")).first()
    if order is None:
        return Status.IGNORED  # never received: nothing of ours to cancel
    order_cancel(merchant=merchant, order=order, reason="deleted")
    return Status.PROCESSED


def process(delivery: WebhookDelivery) -> str | tuple[str, str]:
    topic = delivery.topic
    if topic not in TOPICS:
        return Status.IGNORED
    payload = payload_parse(topic, delivery.body.encode())
    if topic in PRODUCT_TOPICS:
        from .products import handle_product  # it reads payloads with this module's readers

        return handle_product(delivery.merchant, topic, payload)
    if topic == "order.deleted":
        return handle_deleted(delivery.merchant, payload)
    handle_order(delivery.merchant, payload)
    return Status.PROCESSED


PLAIN_ORDER_TOPICS = frozenset({"order.created", "order.updated"})


def plain_order(delivery: WebhookDelivery) -> OrderInput | None:
    """The order a delivery carries when upserting it is all `process` would do, else None.

    Not for an order with refunds listed (they are recorded after the upsert); a payload `process`
    would refuse is left to it, so that its error is recorded.
    """
    if delivery.topic not in PLAIN_ORDER_TOPICS:
        return None
    try:
        payload = payload_parse(delivery.topic, delivery.body.encode())
        if items(payload, "refunds"):
            return None
        return order_input(payload, merchant=delivery.merchant)
    except PayloadError:
        return None


def plain_product(delivery: WebhookDelivery):
    """The ProductInput of a product.created or updated that is a product (not a variation or a
    grouped product), else None; the drain creates the new ones in bulk."""
    from .products import plain_product_input

    if delivery.topic not in ("product.created", "product.updated"):
        return None
    try:
        return plain_product_input(payload_parse(delivery.topic, delivery.body.encode()), merchant=delivery.merchant)
    except PayloadError:
        return None


register_source(SOURCE, process, plain_order=plain_order, plain_product=plain_product)
