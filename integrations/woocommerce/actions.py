"""Shop actions on WooCommerce, through its REST API v3 (wire_formats_2.md §3.1, §3.2).

WooCommerce has no idempotency key. Each refund we create carries ours in its meta data
(`_pp_idempotency_key`), and before creating one we list the order's refunds and look for it:
an attempt repeated after a lost answer finds the refund the first one made instead of
refunding twice.
"""

from urllib.parse import urlsplit

from merchants.credentials import Kind, credential_get
from outbound.ssrf import TargetError, UnresolvableHostError, vet_url
from shop_actions.adapters import NeedsStaffError, PermanentShopError, ShopAdapter, TransientShopError
from shop_actions.models import ShopActionKind

from ..shop_calls import http_status_check, json_body, shop_request

PLATFORM = "WooCommerce"
KEY_META = "_pp_idempotency_key"
RMA_META = "_pp_return_id"
REFUNDS_PER_PAGE = 100
MAX_REFUND_PAGES = 10  # 1,000 refunds on one order is beyond any real one; a server ignoring `page` stops here
# The gateway's refusal comes back as this code with HTTP 500 (§3.2): asking again will not change it.
GATEWAY_REFUSAL = "woocommerce_rest_cannot_create_order_refund"


class WooCommerceAdapter(ShopAdapter):
    platform = "woocommerce"
    label = "WooCommerce"

    def configured_for(self, merchant) -> bool:
        return bool(merchant.woocommerce_url) and all(
            credential_get(merchant, kind) for kind in (Kind.WOOCOMMERCE_KEY, Kind.WOOCOMMERCE_SECRET)
        )

    def perform(self, *, merchant, action_kind, payload, idempotency_key):
        if action_kind != ShopActionKind.REFUND:
            raise PermanentShopError(f"The WooCommerce adapter does not do “{action_kind}” yet: do it by hand.")
        client = WooClient(merchant)
        refunds_url = f"{client.base}/wp-json/wc/v3/orders/{_order_id(payload)}/refunds"
        refund = client.refund_with_key(refunds_url, idempotency_key) or client.send(
            "POST", refunds_url, json=refund_body(payload, idempotency_key)
        )
        return {
            "refund_id": str(refund["id"]),
            "amount": refund.get("amount", payload.get("amount")),
            "currency": payload.get("currency"),
            "refunded_payment": bool(refund.get("refunded_payment")),
        }


def _order_id(payload: dict) -> int:
    try:
        return int(payload["order_external_id"])
    except (KeyError, TypeError, ValueError):
        raise PermanentShopError("This order has no WooCommerce order id: refund it by hand.") from None


def refund_body(payload: dict, idempotency_key: str) -> dict:
    """The refund (§3.2): the amount, our reason, the items by order item id, and our key in its meta data."""
    lines = []
    for line in payload.get("line_items", []):
        try:
            item_id = int(line["external_id"])
        except (KeyError, TypeError, ValueError):
            raise PermanentShopError("An item of this order has no WooCommerce item id: refund it by hand.") from None
        lines.append({"id": item_id, "quantity": line["quantity"], "refund_total": line.get("amount", "0.00")})
    meta = [{"key": KEY_META, "value": idempotency_key}]
    if payload.get("rma"):
        meta.append({"key": RMA_META, "value": payload["rma"]})
    return {
        "amount": payload["amount"],
        "reason": payload.get("reason", ""),
        "api_refund": True,  # move the money through the payment gateway
        "api_restock": bool(payload.get("restock", True)),
        "line_items": lines,
        "meta_data": meta,
    }


class WooClient:
    def __init__(self, merchant):
        key = credential_get(merchant, Kind.WOOCOMMERCE_KEY)
        secret = credential_get(merchant, Kind.WOOCOMMERCE_SECRET)
        base = (merchant.woocommerce_url or "").rstrip("/")
        if not (key and secret and base):
            raise NeedsStaffError(
                "WooCommerce access is not set up: add the site's address and a REST API key and secret "
                "(read/write) in Settings → Integrations, then try again, or refund it in WooCommerce and confirm here."
            )
        if urlsplit(base).scheme != "https":
            raise NeedsStaffError("The WooCommerce site address must start with https:// (Settings → Integrations).")
        try:
            vet_url(base)  # never call into our own network, whatever address was saved
        except UnresolvableHostError as exc:  # DNS may recover
            raise TransientShopError(f"The WooCommerce site address does not resolve now: {exc}") from None
        except TargetError as exc:
            raise NeedsStaffError(f"We will not call the WooCommerce site address: {exc}") from None
        self.base = base
        self.auth = (key, secret)  # HTTP Basic over HTTPS (§3.1)

    def send(self, method: str, url: str, **kwargs):
        response = shop_request(method, url, platform=PLATFORM, auth=self.auth, **kwargs)
        if response.status_code < 300:
            return json_body(response, platform=PLATFORM)
        try:
            error = response.json()  # {"code": "woocommerce_rest_…", "message": "…", "data": {"status": 400}}
        except ValueError:
            error = {}
        error = error if isinstance(error, dict) else {}
        message = str(error.get("message", ""))
        if response.status_code == 500 and error.get("code") == GATEWAY_REFUSAL:
            raise PermanentShopError(f"WooCommerce could not refund: {message}")
        http_status_check(response, platform=PLATFORM, message=message)  # raises for every status >= 300

    def refund_with_key(self, refunds_url: str, idempotency_key: str) -> dict | None:
        """The order's refund that carries our key, if an earlier attempt made one."""
        for page in range(1, MAX_REFUND_PAGES + 1):
            refunds = self.send("GET", refunds_url, params={"per_page": REFUNDS_PER_PAGE, "page": page})
            if not isinstance(refunds, list):
                return None
            for refund in refunds:
                if any(
                    isinstance(meta, dict) and meta.get("key") == KEY_META and meta.get("value") == idempotency_key
                    for meta in refund.get("meta_data") or []
                ):
                    return refund
            if len(refunds) < REFUNDS_PER_PAGE:
                return None
        raise PermanentShopError(
            "This order lists too many refunds to check ours is not among them: refund it by hand."
        )
