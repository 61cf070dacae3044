"""Shop actions on WooCommerce, through its REST API v3 (wire_formats_2.md §3.1–§3.3).

WooCommerce has no idempotency key. Each refund we create carries ours in its meta data
(`_pp_idempotency_key`), and before creating one we list the order's refunds and look for it:
an attempt repeated after a lost answer finds the refund the first one made instead of
refunding twice. An exchange order carries the return's number (`_pp_exchange_rma`) and is
looked for the same way among the customer's orders. A dearer exchange (the payload's `amount_due`)
is a `pending` order, not set paid, at the new items' prices with a negative fee line of the returned
items' value: the customer pays the difference at its `payment_url`, and the order comes back paid
(`processing`) through the order webhooks. Store credit is a coupon whose code is
unique in the shop and whose amount is the wallet's balance: creating it again answers "code
already exists", and setting the same balance twice changes nothing. A discount code (a loyalty
reward, a referral's welcome code) is a single-use coupon: "code already exists" on a repeated
attempt means the first one made it, found again with `GET /coupons?code=`.
"""

from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlsplit

from django.utils.translation import gettext_noop

from merchants.credentials import Kind, credential_get
from outbound.ssrf import TargetError, UnresolvableHostError, vet_url
from shop_actions.adapters import NeedsStaffError, PermanentShopError, ShopAdapter, TransientShopError
from shop_actions.models import ShopActionKind

from ..shop_calls import http_status_check, json_body, returned_value, shop_request
from .adapter import EXCHANGE_META

PLATFORM = "WooCommerce"
KEY_META = "_pp_idempotency_key"
RMA_META = "_pp_return_id"
PER_PAGE = 100
MAX_PAGES = 10  # 1,000 refunds on one order is beyond any real one; a server ignoring `page` stops here
# The gateway's refusal comes back as this code with HTTP 500 (§3.2): asking again will not change it.
GATEWAY_REFUSAL = "woocommerce_rest_cannot_create_order_refund"
COUPON_CODE_TAKEN = "woocommerce_rest_coupon_code_already_exists"  # HTTP 400 (§3.3)


# Whole sentences, for translators: the refunds or orders we look through for one made by an earlier attempt.
TOO_MANY = {
    "refunds": gettext_noop("WooCommerce lists too many refunds to check ours is not among them: do it by hand."),
    "orders": gettext_noop("WooCommerce lists too many orders to check ours is not among them: do it by hand."),
}


class CouponCodeTakenError(PermanentShopError):
    """A coupon with this code exists: for store credit, the one an earlier attempt made."""


class WooCommerceAdapter(ShopAdapter):
    platform = "woocommerce"
    label = "WooCommerce"

    def configured_for(self, merchant) -> bool:
        return bool(merchant.woocommerce_url) and all(
            credential_get(merchant, kind) for kind in (Kind.WOOCOMMERCE_KEY, Kind.WOOCOMMERCE_SECRET)
        )

    def perform(self, *, merchant, action_kind, payload, idempotency_key):
        perform_kind = PERFORMERS.get(action_kind)
        if perform_kind is None:
            raise PermanentShopError(
                gettext_noop("The WooCommerce adapter does not do “%(kind)s” yet: do it by hand."),
                {"kind": action_kind},
            )
        return perform_kind(WooClient(merchant), payload, idempotency_key)


def refund_perform(client, payload: dict, idempotency_key: str) -> dict:
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
        raise PermanentShopError(gettext_noop("This order has no WooCommerce order id: refund it by hand.")) from None


def refund_body(payload: dict, idempotency_key: str) -> dict:
    """The refund (§3.2): the amount, our reason, the items by order item id, and our key in its meta data."""
    lines = []
    for line in payload.get("line_items", []):
        try:
            item_id = int(line["external_id"])
        except (KeyError, TypeError, ValueError):
            raise PermanentShopError(
                gettext_noop("An item of this order has no WooCommerce item id: refund it by hand.")
            ) from None
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
                gettext_noop(
                    "WooCommerce access is not set up: add the site's address and a REST API key and secret "
                    "(read/write) in Settings → Integrations, then try again, or do it in WooCommerce and "
                    "confirm here."
                )
            )
        if urlsplit(base).scheme != "https":
            raise NeedsStaffError(
                gettext_noop("The WooCommerce site address must start with https:// (Settings → Integrations).")
            )
        try:
            vet_url(base)  # never call into our own network, whatever address was saved
        except UnresolvableHostError as exc:  # DNS may recover
            raise TransientShopError(
                gettext_noop("The WooCommerce site address does not resolve now: %(error)s"), {"error": exc}
            ) from None
        except TargetError as exc:
            raise NeedsStaffError(
                gettext_noop("We will not call the WooCommerce site address: %(error)s"), {"error": exc}
            ) from None
        self.base = base
        self.auth = (key, secret)  # HTTP Basic over HTTPS (§3.1)

    def coupon_with_code(self, coupons_url: str, code: str) -> int:
        coupons = self.send("GET", coupons_url, params={"code": code})
        for coupon in coupons if isinstance(coupons, list) else []:
            if isinstance(coupon, dict) and str(coupon.get("code", "")).lower() == code.lower() and coupon.get("id"):
                return coupon["id"]
        raise PermanentShopError(
            gettext_noop("WooCommerce says the coupon code %(code)s exists but does not list it: check its coupons."),
            {"code": code},
        )

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
            raise PermanentShopError(gettext_noop("WooCommerce could not refund: %(message)s"), {"message": message})
        if response.status_code == 400 and error.get("code") == COUPON_CODE_TAKEN:
            raise CouponCodeTakenError(
                gettext_noop("WooCommerce already has this coupon code: %(message)s"), {"message": message}
            )
        http_status_check(response, platform=PLATFORM, message=message)  # raises for every status >= 300

    def refund_with_key(self, refunds_url: str, idempotency_key: str) -> dict | None:
        """The order's refund that carries our key, if an earlier attempt made one."""
        return self.first_with_meta(refunds_url, {}, KEY_META, idempotency_key, what="refunds")

    def first_with_meta(self, url: str, params: dict, key: str, value: str, *, what: str) -> dict | None:
        """The first resource listed at `url` whose meta data has `key` = `value`, page by page."""
        for page in range(1, MAX_PAGES + 1):
            listed = self.send("GET", url, params={**params, "per_page": PER_PAGE, "page": page})
            if not isinstance(listed, list):
                return None
            for resource in listed:
                if _has_meta(resource, key, value):
                    return resource
            if len(listed) < PER_PAGE:
                return None
        raise PermanentShopError(TOO_MANY[what])


def _has_meta(resource, key: str, value: str) -> bool:
    return isinstance(resource, dict) and any(
        isinstance(meta, dict) and meta.get("key") == key and meta.get("value") == value
        for meta in resource.get("meta_data") or []
    )


# --- Store credit: a coupon worth the wallet's balance (§3.3) --------------------------------------------


def store_credit_perform(client, payload: dict, idempotency_key: str) -> dict:
    """The wallet's coupon, created for its first credit, else set to its new balance."""
    code = str(payload.get("code") or "")
    if not code:
        raise PermanentShopError(gettext_noop("This store credit has no code to give the WooCommerce coupon."))
    reference = str(payload.get("shop_reference") or "")
    coupons_url = f"{client.base}/wp-json/wc/v3/coupons"
    if reference:
        coupon = client.send("PUT", f"{coupons_url}/{_coupon_id(reference)}", json=coupon_balance_body(payload))
    else:
        try:
            coupon = client.send("POST", coupons_url, json=coupon_body(payload, idempotency_key))
        except CouponCodeTakenError:  # made by an earlier attempt whose answer was lost
            coupon_id = client.coupon_with_code(coupons_url, code)
            coupon = client.send("PUT", f"{coupons_url}/{coupon_id}", json=coupon_balance_body(payload))
    if not isinstance(coupon, dict) or not coupon.get("id"):
        raise TransientShopError(gettext_noop("WooCommerce answered without the coupon."))
    return {"shop_reference": str(coupon["id"]), "code": str(coupon.get("code") or code)}


def _coupon_id(reference: str) -> int:
    try:
        return int(reference)
    except ValueError:
        raise PermanentShopError(
            gettext_noop("“%(reference)s” is not a WooCommerce coupon id: credit it by hand."), {"reference": reference}
        ) from None


def coupon_balance_body(payload: dict) -> dict:
    """What a new entry changes on the coupon: its amount is the wallet's balance (nothing when a spend the
    shop reported overdrew it), and its expiry date."""
    balance = payload["balance_after"]
    body = {"amount": "0" if balance.startswith("-") else balance}
    if payload.get("expires_on"):
        body["date_expires"] = f"{payload['expires_on']}T23:59:59"  # site time: usable all of that day
    if payload.get("email"):
        body["email_restrictions"] = [payload["email"]]
    return body


def coupon_body(payload: dict, idempotency_key: str) -> dict:
    """A fixed cart coupon (§3.3) for the customer's email only, worth the wallet's balance."""
    return {
        "code": payload["code"],
        "discount_type": "fixed_cart",
        "description": payload.get("note") or "",
        **coupon_balance_body(payload),
        "meta_data": [{"key": KEY_META, "value": idempotency_key}],
    }


# --- Exchange orders: a new order at no charge, marked with the return's number ----------------------------


def exchange_order_perform(client, payload: dict, idempotency_key: str) -> dict:
    orders_url = f"{client.base}/wp-json/wc/v3/orders"
    rma = str(payload["rma"])
    order = client.first_with_meta(orders_url, _buyer_filter(payload), EXCHANGE_META, rma, what="orders")
    if order is None:
        order = client.send("POST", orders_url, json=exchange_order_body(payload))
    if not isinstance(order, dict) or not order.get("id"):
        raise TransientShopError(gettext_noop("WooCommerce answered without the order."))
    made = {"order_external_id": str(order["id"]), "order_name": f"#{order.get('number') or order['id']}"}
    if payload.get("amount_due"):
        if not str(order.get("payment_url") or "").startswith("https://"):
            raise TransientShopError(gettext_noop("WooCommerce answered without the order's payment link."))
        made["payment_url"] = order["payment_url"]
    return made


def _buyer_filter(payload: dict) -> dict:
    """Where an earlier attempt's order is: among the customer's orders, or a guest's, found by email."""
    customer_id = _positive_int(payload.get("customer_external_id"))
    if customer_id:
        return {"customer": customer_id}
    if payload.get("email"):
        return {"search": payload["email"]}
    return {}


def _positive_int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def exchange_order_body(payload: dict) -> dict:
    """The order (REST v3 orders), marked with the return's number: the new items at no charge, paid; or,
    with an amount due, at their prices less a fee line of the returned items' value, pending payment."""
    due = payload.get("amount_due")
    lines = []
    for line in payload.get("lines", []):
        price = "0.00" if not due else _line_price(line)
        item = {"quantity": line["quantity"], "subtotal": price, "total": price}
        variation = _positive_int(line.get("variant_external_id"))
        if variation:
            item["variation_id"] = variation
        elif line.get("sku"):
            item["sku"] = line["sku"]
        else:
            raise NeedsStaffError(
                gettext_noop(
                    "“%(title)s” has no WooCommerce product or variation id: create the exchange order "
                    "in WooCommerce, then confirm here with its number."
                ),
                {"title": line.get("title")},
            )
        lines.append(item)
    address = woo_address(payload.get("shipping_address") or {})
    body = {
        "status": "pending" if due else "processing",
        "set_paid": not due,
        "currency": payload.get("currency", ""),
        "billing": {**address, "email": payload.get("email", "")},
        "shipping": address,
        "line_items": lines,
        "customer_note": payload.get("note") or "",
        "meta_data": [{"key": EXCHANGE_META, "value": str(payload["rma"])}],
    }
    customer_id = _positive_int(payload.get("customer_external_id"))
    if customer_id:
        body["customer_id"] = customer_id
    if due:
        body["fee_lines"] = [returned_value_fee(payload)]
    return body


def _line_price(line: dict) -> str:
    """A line's total at the new item's price (the payload's unit price, times the quantity)."""
    return f"{Decimal(line['unit_price']) * line['quantity']:.2f}"


def returned_value_fee(payload: dict) -> dict:
    """The negative fee that leaves `amount_due` to pay: the returned items' value, taken off the new ones."""
    returned = returned_value(payload)
    return {"name": f"Exchange {payload['rma']}: returned items", "total": f"{-returned:.2f}", "tax_status": "none"}


def woo_address(address: dict) -> dict:
    first, _space, last = (address.get("name") or "").strip().partition(" ")
    return {
        "first_name": first,
        "last_name": last,
        "address_1": address.get("address1", ""),
        "address_2": address.get("address2", ""),
        "city": address.get("city", ""),
        "postcode": address.get("postal_code", ""),
        "country": (address.get("country") or "").upper(),
    }


# --- Discount codes: loyalty rewards and referral welcome codes (§3.3) -----------------------------------

DISCOUNT_TYPES = {"fixed_amount": "fixed_cart", "percentage": "percent", "free_shipping": "fixed_cart"}


def discount_code_perform(client, payload: dict, idempotency_key: str) -> dict:
    """A single-use coupon for the customer's email; a repeated attempt finds the one it made by its code."""
    code = str(payload.get("code") or "").strip()
    if not code:
        raise PermanentShopError(gettext_noop("This discount has no code to give the WooCommerce coupon."))
    coupons_url = f"{client.base}/wp-json/wc/v3/coupons"
    try:
        coupon = client.send("POST", coupons_url, json=discount_coupon_body(payload, idempotency_key))
    except CouponCodeTakenError:  # made by an earlier attempt whose answer was lost: codes are unique
        return {"shop_reference": str(client.coupon_with_code(coupons_url, code)), "code": code}
    if not isinstance(coupon, dict) or not coupon.get("id"):
        raise TransientShopError(gettext_noop("WooCommerce answered without the coupon."))
    return {"shop_reference": str(coupon["id"]), "code": code}


def discount_coupon_body(payload: dict, idempotency_key: str) -> dict:
    """The coupon (§3.3): once, by this customer's email only, not combined with other coupons."""
    value_type = payload.get("value_type")
    if value_type not in DISCOUNT_TYPES:
        raise PermanentShopError(
            gettext_noop("Unknown kind of discount “%(kind)s”: create the coupon by hand."), {"kind": value_type}
        )
    email = str(payload.get("email") or "").strip()
    if not email:
        raise PermanentShopError(
            gettext_noop("The customer has no email to restrict the coupon to: create it by hand.")
        )
    body = {
        "code": payload["code"],
        "discount_type": DISCOUNT_TYPES[value_type],
        "amount": "0" if value_type == "free_shipping" else str(payload["value"]),
        "free_shipping": value_type == "free_shipping",
        "description": payload.get("title") or "",
        "usage_limit": int(payload.get("usage_limit") or 1),
        "usage_limit_per_user": 1,
        "individual_use": True,
        "email_restrictions": [email],
        "meta_data": [{"key": KEY_META, "value": idempotency_key}],
    }
    if payload.get("ends_at"):
        body["date_expires_gmt"] = _gmt(payload["ends_at"])
    if payload.get("minimum_subtotal"):
        body["minimum_amount"] = str(payload["minimum_subtotal"])
    return body


def _gmt(moment: str) -> str:
    """An ISO 8601 datetime with offset as WooCommerce's `*_gmt` fields take it: UTC, no offset (§3.1)."""
    try:
        parsed = datetime.fromisoformat(moment)
    except ValueError:
        raise PermanentShopError(
            gettext_noop("“%(moment)s” is not a date and time: create the coupon by hand."), {"moment": moment}
        ) from None
    if parsed.tzinfo is None:
        raise PermanentShopError(
            gettext_noop("“%(moment)s” has no time zone: create the coupon by hand."), {"moment": moment}
        )
    return parsed.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


PERFORMERS = {
    ShopActionKind.REFUND: refund_perform,
    ShopActionKind.STORE_CREDIT: store_credit_perform,
    ShopActionKind.EXCHANGE_ORDER: exchange_order_perform,
    ShopActionKind.DISCOUNT_CODE: discount_code_perform,
}
