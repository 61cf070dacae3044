"""Shop actions on Shopify, through the Admin GraphQL API (wire_formats_2.md §2.0, §2.2).

A refund is `refundCreate` with the `@idempotent(key:)` directive (mandatory from API version
2026-04): asked again with the same key, Shopify returns the first refund instead of making a
second. The key is a UUID derived from the action's own key, so every attempt sends the same one.
Money moves only with a refund transaction against the order's payment: we read the order's
transactions first to find the payment (its id, gateway and presentment currency).
"""

import re
import uuid
from decimal import Decimal

from merchants.credentials import Kind, credential_get
from shop_actions.adapters import NeedsStaffError, PermanentShopError, ShopAdapter, TransientShopError
from shop_actions.models import ShopActionKind

from ..shop_calls import http_status_check, shop_request

PLATFORM = "Shopify"
API_VERSION = "2026-07"
DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
# The namespace of the @idempotent keys: uuid5(namespace, "<merchant id>:<action key>").
IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1d3c1e-6a4f-4d59-9a51-3c1f9b0e2a77")
PAYMENT_KINDS = ("SALE", "CAPTURE")

ORDER_PAYMENTS = """
query OrderPayments($id: ID!) {
  order(id: $id) {
    id
    transactions(first: 50) { id kind status gateway amountSet { presentmentMoney { amount currencyCode } } }
  }
}
"""

REFUND_CREATE = """
mutation RefundForReturn($input: RefundInput!) {
  refundCreate(input: $input) @idempotent(key: "%(key)s") {
    refund { id totalRefundedSet { shopMoney { amount currencyCode } } }
    userErrors { field message }
  }
}
"""


def gid(kind: str, shop_id: str) -> str:
    return shop_id if str(shop_id).startswith("gid://") else f"gid://shopify/{kind}/{shop_id}"


def numeric_id(global_id: str) -> str:
    """ "gid://shopify/Refund/930000000001" -> "930000000001": the id webhooks (refunds/create) carry."""
    return str(global_id).rsplit("/", 1)[-1]


def idempotency_uuid(merchant, key: str) -> str:
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{merchant.pk}:{key}"))


class ShopifyAdapter(ShopAdapter):
    platform = "shopify"
    label = "Shopify"

    def configured_for(self, merchant) -> bool:
        return bool(merchant.shopify_domain) and bool(credential_get(merchant, Kind.SHOPIFY_ADMIN_TOKEN))

    def perform(self, *, merchant, action_kind, payload, idempotency_key):
        if action_kind != ShopActionKind.REFUND:
            raise PermanentShopError(f"The Shopify adapter does not do “{action_kind}” yet: do it by hand.")
        client = ShopifyClient(merchant)
        order_gid = gid("Order", payload["order_external_id"])
        payment = client.payment_of(order_gid)
        refund_input = refund_input_build(payload, order_gid, payment)
        data = client.graphql(
            REFUND_CREATE % {"key": idempotency_uuid(merchant, idempotency_key)}, {"input": refund_input}
        )
        answer = data.get("refundCreate") or {}
        user_errors = answer.get("userErrors") or []
        if user_errors:
            raise PermanentShopError("Shopify refused the refund: " + "; ".join(_user_error(e) for e in user_errors))
        refund = answer.get("refund")
        if not refund or not refund.get("id"):
            raise TransientShopError("Shopify answered without a refund or an error.")
        total = ((refund.get("totalRefundedSet") or {}).get("shopMoney")) or {}
        return {
            "refund_id": numeric_id(refund["id"]),
            "refund_gid": refund["id"],
            "amount": total.get("amount", payload.get("amount")),
            "currency": total.get("currencyCode", payload.get("currency")),
        }


def _user_error(error: dict) -> str:
    field = ".".join(str(part) for part in error.get("field") or [])
    return f"{error.get('message', '')} ({field})" if field else str(error.get("message", ""))


def refund_input_build(payload: dict, order_gid: str, payment: dict | None) -> dict:
    """RefundInput (§2.2): the returned lines, restocked unless the customer keeps them, and the money."""
    restock = "RETURN" if payload.get("restock", True) else "NO_RESTOCK"
    refund_input = {
        "orderId": order_gid,
        "note": payload.get("reason", ""),
        "notify": True,
        "refundLineItems": [
            {"lineItemId": gid("LineItem", line["external_id"]), "quantity": line["quantity"], "restockType": restock}
            for line in payload.get("line_items", [])
        ],
    }
    amount = Decimal(payload.get("amount") or "0")
    if amount > 0:
        if payment is None:
            raise NeedsStaffError(
                "Shopify shows no successful payment on this order to refund: refund it in Shopify, then confirm here."
            )
        currency = payment["currency"]
        if currency and currency != payload.get("currency"):
            raise NeedsStaffError(
                f"The customer paid in {currency}, the return's amount is in {payload.get('currency')}: "
                "refund it in Shopify, then confirm here with the refund's number."
            )
        refund_input["currency"] = currency  # the presentment currency, which Shopify wants (§2.2)
        refund_input["transactions"] = [
            {
                "orderId": order_gid,
                "parentId": payment["id"],
                "gateway": payment["gateway"],
                "kind": "REFUND",
                "amount": payload["amount"],
            }
        ]
    return refund_input


class ShopifyClient:
    def __init__(self, merchant):
        domain = (merchant.shopify_domain or "").strip().lower()
        token = credential_get(merchant, Kind.SHOPIFY_ADMIN_TOKEN)
        if not DOMAIN.match(domain) or not token:
            raise NeedsStaffError(
                "Shopify access is not set up: add the shop's myshopify.com domain and an Admin API access "
                "token in Settings → Integrations, then try again, or refund it in Shopify and confirm here."
            )
        self.url = f"https://{domain}/admin/api/{API_VERSION}/graphql.json"
        self.headers = {"Content-Type": "application/json", "X-Shopify-Access-Token": token}

    def graphql(self, query: str, variables: dict) -> dict:
        response = shop_request(
            "POST", self.url, platform=PLATFORM, json={"query": query, "variables": variables}, headers=self.headers
        )
        try:
            body = response.json()
        except ValueError:  # an HTML error page: its HTTP status says what happened
            body = {}
        errors = body.get("errors") if isinstance(body, dict) else None
        if errors:
            _raise_top_level(errors, response.status_code)
        http_status_check(response, platform=PLATFORM)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise TransientShopError(f"Shopify answered HTTP {response.status_code} without data.")
        return data

    def payment_of(self, order_gid: str) -> dict | None:
        """The order's successful sale or capture: the transaction a refund goes back through."""
        order = self.graphql(ORDER_PAYMENTS, {"id": order_gid}).get("order")
        if order is None:
            raise PermanentShopError(f"Shopify has no order {order_gid}.")
        for transaction in order.get("transactions") or []:
            if transaction.get("kind") in PAYMENT_KINDS and transaction.get("status") == "SUCCESS":
                money = ((transaction.get("amountSet") or {}).get("presentmentMoney")) or {}
                return {
                    "id": transaction["id"],
                    "gateway": transaction.get("gateway", ""),
                    "currency": money.get("currencyCode", ""),
                }
        return None


def _raise_top_level(errors, status: int) -> None:
    """Top-level GraphQL errors (§2.0): THROTTLED and concurrent idempotent requests are worth a retry."""
    errors = errors if isinstance(errors, list) else [{"message": str(errors)}]
    codes = {((e.get("extensions") or {}).get("code") or "") for e in errors if isinstance(e, dict)}
    message = "; ".join(str(e.get("message", "")) for e in errors if isinstance(e, dict))[:300]
    if (
        status == 429
        or status >= 500
        or codes & {"THROTTLED", "IDEMPOTENCY_CONCURRENT_REQUEST", "INTERNAL_SERVER_ERROR"}
    ):
        raise TransientShopError(f"Shopify asks us to try again later: {message}")
    if status in (401, 403) or "ACCESS_DENIED" in codes:
        raise NeedsStaffError(
            f"Shopify refused our access: {message}. Check the Admin API token and its scopes "
            "(write_orders) in Settings → Integrations, then try again."
        )
    raise PermanentShopError(f"Shopify refused the request: {message}")
