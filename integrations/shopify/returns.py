"""Shopify's returns/* webhooks (wire_formats_2 §1.3): returns made in the shop's admin join our queue.

The payloads are thin: ids and a status, no line items. When the shop gave us an Admin API token,
the return's lines are asked for once, when we first hear of the return; otherwise (or when the shop
cannot tell) the return is marked "items unknown" for staff to complete.
"""

from decimal import Decimal

from merchants.credentials import credential_get
from merchants.models import Merchant
from orders.models import Order
from returns.models import Reason, ReturnStatus
from returns.shop_returns import (
    ShopReturnLine,
    shop_decline_reason,
    shop_return_create,
    shop_return_find,
    shop_return_follow,
)

from ..inbound import PayloadError, TransientError
from ..models import WebhookDelivery
from . import admin_api
from .adapter import RETURN_FLAT_ORDER_TOPICS, SOURCE, amount, items, obj, quantity, shopify_id, text

S = ReturnStatus
# Topic -> the status it brings the return to (request only creates it).
RETURN_TOPICS = {
    "returns/request": S.REQUESTED,
    "returns/approve": S.APPROVED,
    "returns/decline": S.REJECTED,
    "returns/close": S.CLOSED,
    "returns/cancel": S.CANCELLED,
    "returns/reopen": S.REQUESTED,
}
# Shopify's ReturnReason (GraphQL enum) -> our reason codes (returns.models.Reason).
REASONS = {
    "SIZE_TOO_SMALL": Reason.TOO_SMALL,
    "SIZE_TOO_LARGE": Reason.TOO_BIG,
    "NOT_AS_DESCRIBED": Reason.NOT_AS_DESCRIBED,
    "DEFECTIVE": Reason.DAMAGED,
    "WRONG_ITEM": Reason.WRONG_ITEM,
    "UNWANTED": Reason.CHANGED_MIND,
}
# The follow-up query of §1.3 (its field names are marked unconfirmed there); returnLineItems is a
# connection in the Admin schema, read through `nodes`.
RETURN_LINES_QUERY = """
query ReturnLines($id: ID!) {
  return(id: $id) {
    id
    returnLineItems(first: 250) {
      nodes {
        quantity
        returnReason
        ... on ReturnLineItem { fulfillmentLineItem { lineItem { id sku } } }
      }
    }
  }
}
"""


def handle_return(merchant: Merchant, topic: str, payload: dict, delivery: WebhookDelivery) -> list[str]:
    """Create the return the first time we hear of it, then follow the topic's status. Notes for staff."""
    return_id = shopify_id(payload["id"], "id")
    order_id = _order_id(topic, payload)
    notes: list[str] = []
    request = shop_return_find(merchant=merchant, shop_return_id=return_id)
    if request is None:
        order = Order.objects.filter(merchant=merchant, external_id=order_id).first()
        if order is None:
            # Shopify does not order deliveries: the order's own webhook may still be on its way.
            raise TransientError(f"Order {order_id} has not been received yet.")
        lines, why_unknown = _lines(merchant, payload, delivery, return_id)
        request, created_notes = shop_return_create(
            order=order, shop_return_id=return_id, lines=lines, fee=_fee(payload, order.currency)
        )
        notes += [why_unknown] if why_unknown else []
        notes += created_notes
    if topic != "returns/request":
        details = _move_details(merchant, topic, payload)
        note = shop_return_follow(request=request, to=RETURN_TOPICS[topic], source=SOURCE, **details)
        notes += [note] if note else []
    return notes


def _order_id(topic: str, payload: dict) -> str:
    if topic in RETURN_FLAT_ORDER_TOPICS:
        return shopify_id(payload["order_id"], "order_id")
    return shopify_id(obj(payload, "order").get("id"), "order.id")


def _move_details(merchant: Merchant, topic: str, payload: dict) -> dict:
    if topic != "returns/decline":
        return {}
    decline = obj(payload, "decline") or {}
    said = shop_decline_reason(merchant=merchant, reason=text(decline, "reason"), note=text(decline, "note"))
    return {"text": said, "rejection_reason": said}


def _fee(payload: dict, currency: str) -> Decimal:
    """The return shipping fees the shop charges (shop money, in the order's currency)."""
    total = Decimal(0)
    for index, fee in enumerate(items(payload, "return_shipping_fees")):
        money = (obj(fee, "price") or {}).get("shop_money")
        if isinstance(money, dict) and money.get("amount") is not None:
            total += amount(money["amount"], f"return_shipping_fees[{index}].price.shop_money.amount", currency)
    return total


def _lines(merchant, payload: dict, delivery: WebhookDelivery, return_id: str) -> tuple[list | None, str]:
    """The return's lines from the Admin API, or (None, why) when they cannot be known."""
    token = credential_get(merchant, "shopify_admin_token")
    if not token:
        return None, f"Return {return_id}: no Shopify Admin API token, so its items are unknown: fill them in."
    gid = text(payload, "admin_graphql_api_id") or f"gid://shopify/Return/{return_id}"
    try:
        data = admin_api.graphql(
            shop_domain=delivery.headers.get("x-shopify-shop-domain", ""),
            version=delivery.headers.get("x-shopify-api-version", ""),
            token=token,
            query=RETURN_LINES_QUERY,
            variables={"id": gid},
        )
        return return_lines_parse(data), ""
    except (admin_api.AdminApiError, PayloadError) as exc:
        return None, f"Return {return_id}: its items could not be read from Shopify ({exc}): fill them in."


def return_lines_parse(data: dict) -> list[ShopReturnLine]:
    """ShopReturnLines from the `data` of RETURN_LINES_QUERY."""
    found = obj(data, "return")
    if found is None:
        raise PayloadError("Shopify knows no such return.")
    connection = obj(found, "returnLineItems") or {}
    lines = []
    for index, node in enumerate(items(connection, "nodes")):
        line_item = obj(obj(node, "fulfillmentLineItem") or {}, "lineItem") or {}
        gid = text(line_item, "id")
        lines.append(
            ShopReturnLine(
                line_external_id=gid.rsplit("/", 1)[-1] if gid.startswith("gid://shopify/LineItem/") else "",
                sku=text(line_item, "sku"),
                quantity=quantity(node.get("quantity"), f"returnLineItems[{index}].quantity"),
                reason=REASONS.get(text(node, "returnReason"), Reason.OTHER),
            )
        )
    return lines
