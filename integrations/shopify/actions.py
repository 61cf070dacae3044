"""Shop actions on Shopify, through the Admin GraphQL API (wire_formats_2.md §2.0, §2.2–§2.6).

A refund is `refundCreate` with the `@idempotent(key:)` directive (mandatory from API version
2026-04): asked again with the same key, Shopify returns the first refund instead of making a
second. The key is a UUID derived from the action's own key, so every attempt sends the same one.
Money moves only with a refund transaction against the order's payment: we read the order's
transactions first to find the payment (its id, gateway and presentment currency).

Store credit is a gift card with the wallet's code (§2.3): `giftCardCreate`, then `giftCardCredit`
for each new credit. Neither takes an idempotency key (§2.0), so a repeated attempt checks what the
shop already has: a "code taken" answer means our card exists (the code is unique in the shop), and
a card whose balance already is the wallet's `balance_after` was credited by an earlier attempt.
A discount code (a loyalty reward, a referral's welcome code) is `discountCodeBasicCreate` or
`discountCodeFreeShippingCreate` restricted to the customer; with no idempotency key either, a
repeated attempt first looks the code up (`codeDiscountNodeByCode`): codes are unique in the shop.
An exchange is a draft order at no charge, tagged `exchange:<RMA>`, then completed (§2.6); a
repeated attempt finds the draft by that tag instead of making a second one. A dearer exchange (the
payload's `amount_due`) is a draft at the new items' prices less the returned items' value (an
order-level fixed discount), left open: the customer pays the difference at the draft's `invoiceUrl`,
and the order Shopify makes then comes back, tagged, through the orders webhooks.
"""

import re
import uuid
from decimal import Decimal

from django.utils.translation import gettext_noop

from merchants.credentials import Kind, credential_get
from shop_actions.adapters import NeedsStaffError, PermanentShopError, ShopAdapter, TransientShopError
from shop_actions.models import ShopActionKind

from ..shop_calls import http_status_check, returned_value, shop_request
from .adapter import EXCHANGE_TAG_PREFIX

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
        perform_kind = PERFORMERS.get(action_kind)
        if perform_kind is None:
            raise PermanentShopError(
                gettext_noop("The Shopify adapter does not do “%(kind)s” yet: do it by hand."), {"kind": action_kind}
            )
        return perform_kind(ShopifyClient(merchant), merchant, payload, idempotency_key)


def refund_perform(client, merchant, payload: dict, idempotency_key: str) -> dict:
    order_gid = gid("Order", payload["order_external_id"])
    payment = client.payment_of(order_gid)
    refund_input = refund_input_build(payload, order_gid, payment)
    data = client.graphql(REFUND_CREATE % {"key": idempotency_uuid(merchant, idempotency_key)}, {"input": refund_input})
    answer = data.get("refundCreate") or {}
    user_errors = answer.get("userErrors") or []
    if user_errors:
        raise PermanentShopError(
            gettext_noop("Shopify refused the refund: %(errors)s"), {"errors": _user_errors(user_errors)}
        )
    refund = answer.get("refund")
    if not refund or not refund.get("id"):
        raise TransientShopError(gettext_noop("Shopify answered without a refund or an error."))
    total = ((refund.get("totalRefundedSet") or {}).get("shopMoney")) or {}
    return {
        "refund_id": numeric_id(refund["id"]),
        "refund_gid": refund["id"],
        "amount": total.get("amount", payload.get("amount")),
        "currency": total.get("currencyCode", payload.get("currency")),
    }


def _user_errors(errors: list[dict]) -> str:
    """The shop's own words for each user error, as Shopify wrote them."""
    return "; ".join(_user_error(error) for error in errors)


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
                gettext_noop(
                    "Shopify shows no successful payment on this order to refund: refund it in Shopify, then confirm here."
                )
            )
        currency = payment["currency"]
        if currency and currency != payload.get("currency"):
            raise NeedsStaffError(
                gettext_noop(
                    "The customer paid in %(paid)s, the return's amount is in %(asked)s: "
                    "refund it in Shopify, then confirm here with the refund's number."
                ),
                {"paid": currency, "asked": payload.get("currency")},
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
                gettext_noop(
                    "Shopify access is not set up: add the shop's myshopify.com domain and an Admin API access "
                    "token in Settings → Integrations, then try again, or do it in Shopify and confirm here."
                )
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
            raise TransientShopError(
                gettext_noop("Shopify answered HTTP %(status)s without data."), {"status": response.status_code}
            )
        return data

    def payment_of(self, order_gid: str) -> dict | None:
        """The order's successful sale or capture: the transaction a refund goes back through."""
        order = self.graphql(ORDER_PAYMENTS, {"id": order_gid}).get("order")
        if order is None:
            raise PermanentShopError(gettext_noop("Shopify has no order %(order)s."), {"order": order_gid})
        for transaction in order.get("transactions") or []:
            if transaction.get("kind") in PAYMENT_KINDS and transaction.get("status") == "SUCCESS":
                money = ((transaction.get("amountSet") or {}).get("presentmentMoney")) or {}
                return {
                    "id": transaction["id"],
                    "gateway": transaction.get("gateway", ""),
                    "currency": money.get("currencyCode", ""),
                }
        return None

    def gift_card_with_code(self, code: str) -> str:
        """The id of the shop's card with this code: only its last characters can be read back."""
        nodes = ((self.graphql(GIFT_CARD_BY_CODE, {"query": code}).get("giftCards") or {}).get("nodes")) or []
        for card in nodes:
            if str(card.get("lastCharacters", "")).lower() == code[-4:] and card.get("id"):
                return card["id"]
        raise PermanentShopError(
            gettext_noop(
                "Shopify says the gift card code ending in %(end)s is taken, but lists no such card: "
                "check the shop's gift cards."
            ),
            {"end": code[-4:]},
        )

    def gift_card_balance(self, card_gid: str) -> dict:
        card = self.graphql(GIFT_CARD_BALANCE, {"id": card_gid}).get("giftCard")
        if card is None:
            raise PermanentShopError(gettext_noop("Shopify has no gift card %(card)s."), {"card": card_gid})
        balance = card.get("balance") or {}
        return {"amount": balance.get("amount") or "0", "currency": balance.get("currencyCode") or ""}

    def customer_gid(self, payload: dict) -> str:
        """The customer a discount is restricted to: their shop id, else found by their email."""
        if payload.get("customer_external_id"):
            return gid("Customer", payload["customer_external_id"])
        email = str(payload.get("email") or "").strip()
        if email:
            query = f"email:'{email}'"
            nodes = ((self.graphql(CUSTOMER_BY_EMAIL, {"query": query}).get("customers") or {}).get("nodes")) or []
            for customer in nodes:
                if str(customer.get("email", "")).lower() == email.lower() and customer.get("id"):
                    return customer["id"]
        raise PermanentShopError(
            gettext_noop(
                "Shopify has no customer with this email to restrict the code to: create the code by hand for them."
            )
        )

    def draft_tagged(self, tag: str) -> dict | None:
        """The draft order an earlier attempt made for this exchange, if any (its tag is ours alone)."""
        query = f"tag:'{tag}'"
        nodes = ((self.graphql(DRAFTS_TAGGED, {"query": query}).get("draftOrders") or {}).get("nodes")) or []
        return next((draft for draft in nodes if tag in (draft.get("tags") or [])), None)


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
        raise TransientShopError(gettext_noop("Shopify asks us to try again later: %(message)s"), {"message": message})
    if status in (401, 403) or "ACCESS_DENIED" in codes:
        raise NeedsStaffError(
            gettext_noop(
                "Shopify refused our access: %(message)s. Check the Admin API token and its scopes "
                "(write_orders for refunds, write_gift_cards for store credit, write_draft_orders for exchanges, "
                "write_discounts for discount codes) in Settings → Integrations, then try again."
            ),
            {"message": message},
        )
    raise PermanentShopError(gettext_noop("Shopify refused the request: %(message)s"), {"message": message})


# --- Store credit: a gift card with the wallet's code (§2.3) -------------------------------------------

GIFT_CARD_CREATE = """
mutation StoreCreditCard($input: GiftCardCreateInput!) {
  giftCardCreate(input: $input) {
    giftCard { id }
    userErrors { code field message }
  }
}
"""

GIFT_CARD_CREDIT = """
mutation StoreCreditTopUp($id: ID!, $creditInput: GiftCardCreditInput!) {
  giftCardCredit(id: $id, creditInput: $creditInput) {
    giftCardCreditTransaction { id }
    userErrors { code field message }
  }
}
"""

# The card a code belongs to: the default search term matches gift card codes (shopify.dev, giftCards query).
GIFT_CARD_BY_CODE = """
query StoreCreditCardByCode($query: String!) {
  giftCards(first: 10, query: $query) { nodes { id lastCharacters } }
}
"""

GIFT_CARD_BALANCE = """
query StoreCreditCardBalance($id: ID!) {
  giftCard(id: $id) { id balance { amount currencyCode } }
}
"""

GIFT_CARD_CODE = re.compile(r"^[a-z0-9]{8,20}$")  # §2.3: 8–20 characters, a–z and 0–9, case-insensitive


def store_credit_perform(client, merchant, payload: dict, idempotency_key: str) -> dict:
    """A new card for the wallet's first credit, else credit its card; the same answer on a repeated attempt."""
    code = str(payload.get("code") or "").lower()
    if not GIFT_CARD_CODE.match(code):
        raise PermanentShopError(
            gettext_noop("“%(code)s” cannot be a Shopify gift card code: use 8 to 20 letters a–z and digits."),
            {"code": code},
        )
    reference = str(payload.get("shop_reference") or "")
    if reference:
        gift_card_credit(client, gid("GiftCard", reference), payload)
        return {"shop_reference": gid("GiftCard", reference), "code": code}
    return {"shop_reference": gift_card_create(client, payload, code), "code": code}


def gift_card_create(client, payload: dict, code: str) -> str:
    card_input = {"initialValue": payload["amount"], "code": code, "note": payload.get("note") or ""}
    if payload.get("customer_external_id"):
        card_input["customerId"] = gid("Customer", payload["customer_external_id"])
    if payload.get("expires_on"):
        card_input["expiresOn"] = payload["expires_on"]
    answer = client.graphql(GIFT_CARD_CREATE, {"input": card_input}).get("giftCardCreate") or {}
    user_errors = answer.get("userErrors") or []
    if any(error.get("code") == "TAKEN" for error in user_errors):
        return client.gift_card_with_code(code)  # an earlier attempt made it: the code is unique in the shop
    if user_errors:
        raise PermanentShopError(
            gettext_noop("Shopify refused the gift card: %(errors)s"), {"errors": _user_errors(user_errors)}
        )
    card = answer.get("giftCard") or {}
    if not card.get("id"):
        raise TransientShopError(gettext_noop("Shopify answered without a gift card or an error."))
    return card["id"]


def gift_card_credit(client, card_gid: str, payload: dict) -> None:
    """Add the credit, unless the card's balance shows an earlier attempt already did (no idempotency key, §2.0)."""
    balance = client.gift_card_balance(card_gid)
    if balance["currency"] and balance["currency"] != payload["currency"]:
        raise NeedsStaffError(
            gettext_noop(
                "The gift card is in %(card)s, the credit in %(credit)s: credit it in Shopify, then confirm here."
            ),
            {"card": balance["currency"], "credit": payload["currency"]},
        )
    if Decimal(balance["amount"]) == Decimal(payload["balance_after"]):
        return
    credit_input = {
        "creditAmount": {"amount": payload["amount"], "currencyCode": payload["currency"]},
        "note": payload.get("note") or "",
    }
    answer = client.graphql(GIFT_CARD_CREDIT, {"id": card_gid, "creditInput": credit_input}).get("giftCardCredit")
    user_errors = (answer or {}).get("userErrors") or []
    if user_errors:
        raise PermanentShopError(
            gettext_noop("Shopify refused the credit: %(errors)s"), {"errors": _user_errors(user_errors)}
        )
    if not ((answer or {}).get("giftCardCreditTransaction") or {}).get("id"):
        raise TransientShopError(gettext_noop("Shopify answered without a credit or an error."))


# --- Exchange orders: a draft order at no charge, completed (§2.6) ---------------------------------------

EXCHANGE_TAG = EXCHANGE_TAG_PREFIX + "{rma}"  # recognised when the order comes back (adapter.py)
DRAFT_FIELDS = "fragment Draft on DraftOrder { id name status tags invoiceUrl order { id name } }"

DRAFTS_TAGGED = (
    """
query ExchangeDrafts($query: String!) {
  draftOrders(first: 5, query: $query) { nodes { ...Draft } }
}
"""
    + DRAFT_FIELDS
)

DRAFT_ORDER_CREATE = (
    """
mutation ExchangeDraft($input: DraftOrderInput!) {
  draftOrderCreate(input: $input) {
    draftOrder { ...Draft }
    userErrors { field message }
  }
}
"""
    + DRAFT_FIELDS
)

DRAFT_ORDER_COMPLETE = (
    """
mutation ExchangeOrder($id: ID!) {
  draftOrderComplete(id: $id) {
    draftOrder { ...Draft }
    userErrors { field message }
  }
}
"""
    + DRAFT_FIELDS
)


def exchange_order_perform(client, merchant, payload: dict, idempotency_key: str) -> dict:
    tag = EXCHANGE_TAG.format(rma=payload["rma"])
    draft = client.draft_tagged(tag) or draft_order_create(client, payload, tag)
    if not draft.get("order") and payload.get("amount_due"):
        return _awaiting_payment(draft)
    if not draft.get("order"):
        draft = draft_order_complete(client, draft)
    return {
        "order_external_id": numeric_id(draft["order"]["id"]),
        "order_name": draft["order"].get("name", ""),
        "draft_order_id": numeric_id(draft["id"]),
    }


def _awaiting_payment(draft: dict) -> dict:
    """A dearer exchange's draft, open until the customer pays it at its invoice page."""
    if not str(draft.get("invoiceUrl") or "").startswith("https://"):
        raise TransientShopError(gettext_noop("Shopify answered without the draft order's invoice link."))
    return {
        "order_external_id": "",
        "order_name": draft.get("name", ""),
        "draft_order_id": numeric_id(draft["id"]),
        "payment_url": draft["invoiceUrl"],
    }


def draft_order_input(payload: dict, tag: str) -> dict:
    """DraftOrderInput (§2.6): the new items by variant, tagged with the return's number. At no charge each
    line is 100 % off; with an amount due the order gets a fixed discount of the returned items' value."""
    due = payload.get("amount_due")
    free = None if due else {"value": 100.0, "valueType": "PERCENTAGE", "title": f"Exchange {payload['rma']}"}
    lines = []
    for line in payload.get("lines", []):
        if not line.get("variant_external_id"):
            raise NeedsStaffError(
                gettext_noop(
                    "“%(item)s” has no Shopify variant: create the exchange order in Shopify, "
                    "then confirm here with its number."
                ),
                {"item": line.get("title") or line.get("sku")},
            )
        variant_line = {"variantId": gid("ProductVariant", line["variant_external_id"]), "quantity": line["quantity"]}
        lines.append({**variant_line, "appliedDiscount": free} if free else variant_line)
    draft_input = {"lineItems": lines, "note": payload.get("note") or "", "tags": [tag]}
    if due:
        draft_input["appliedDiscount"] = returned_value_discount(payload)
    if payload.get("email"):
        draft_input["email"] = payload["email"]
    if payload.get("customer_external_id"):
        draft_input["customerId"] = gid("Customer", payload["customer_external_id"])
    address = payload.get("shipping_address") or {}
    if any(address.values()):
        draft_input["shippingAddress"] = mailing_address(address)
    return draft_input


def returned_value_discount(payload: dict) -> dict:
    """The order-level discount that leaves `amount_due` to pay: the new items' prices less it."""
    return {"value": float(returned_value(payload)), "valueType": "FIXED_AMOUNT", "title": f"Exchange {payload['rma']}"}


def mailing_address(address: dict) -> dict:
    """Our address keys as MailingAddressInput's; a name without a space is a last name, a blank field is left out."""
    first, _space, last = (address.get("name") or "").strip().partition(" ")
    mailing = {
        "firstName": first if last else "",
        "lastName": last or first,
        "address1": address.get("address1", ""),
        "address2": address.get("address2", ""),
        "city": address.get("city", ""),
        "zip": address.get("postal_code", ""),
        "countryCode": (address.get("country") or "").upper(),
    }
    return {name: value for name, value in mailing.items() if value}


def draft_order_create(client, payload: dict, tag: str) -> dict:
    data = client.graphql(DRAFT_ORDER_CREATE, {"input": draft_order_input(payload, tag)})
    answer = data.get("draftOrderCreate") or {}
    user_errors = answer.get("userErrors") or []
    if user_errors:
        raise PermanentShopError(
            gettext_noop("Shopify refused the draft order: %(errors)s"), {"errors": _user_errors(user_errors)}
        )
    draft = answer.get("draftOrder") or {}
    if not draft.get("id"):
        raise TransientShopError(gettext_noop("Shopify answered without a draft order or an error."))
    return draft


def draft_order_complete(client, draft: dict) -> dict:
    answer = client.graphql(DRAFT_ORDER_COMPLETE, {"id": draft["id"]}).get("draftOrderComplete") or {}
    user_errors = answer.get("userErrors") or []
    if user_errors:
        # Whether a draft at no charge completes without a payment gateway is not documented (§9).
        raise NeedsStaffError(
            gettext_noop(
                "Shopify did not complete the draft order %(draft)s: %(errors)s. "
                "Complete it in Shopify, then confirm here with the order's number."
            ),
            {"draft": draft.get("name", ""), "errors": _user_errors(user_errors)},
        )
    completed = answer.get("draftOrder") or {}
    if not (completed.get("order") or {}).get("id"):
        raise TransientShopError(gettext_noop("Shopify answered without the completed order or an error."))
    return completed


# --- Discount codes: loyalty rewards and referral welcome codes (§2.5) -----------------------------------

DISCOUNT_BY_CODE = """
query DiscountByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) { id }
}
"""

CUSTOMER_BY_EMAIL = """
query DiscountCustomer($query: String!) {
  customers(first: 1, query: $query) { nodes { id email } }
}
"""

DISCOUNT_BASIC_CREATE = """
mutation RewardCode($basicCodeDiscount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {
    codeDiscountNode { id }
    userErrors { field message }
  }
}
"""

DISCOUNT_FREE_SHIPPING_CREATE = """
mutation RewardFreeShipping($freeShippingCodeDiscount: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingCreate(freeShippingCodeDiscount: $freeShippingCodeDiscount) {
    codeDiscountNode { id }
    userErrors { field message }
  }
}
"""

DISCOUNT_VALUE_TYPES = ("fixed_amount", "percentage", "free_shipping")


def discount_code_perform(client, merchant, payload: dict, idempotency_key: str) -> dict:
    """A single-use code for one customer. No idempotency key exists for discounts (§2.0): codes are
    unique in the shop, so a code already there is the one an earlier attempt made."""
    code = str(payload.get("code") or "").strip()
    if not code:
        raise PermanentShopError(gettext_noop("This discount has no code to give Shopify."))
    if payload.get("value_type") not in DISCOUNT_VALUE_TYPES:
        raise PermanentShopError(
            gettext_noop("Unknown kind of discount “%(kind)s”: create it by hand."), {"kind": payload.get("value_type")}
        )
    found = (client.graphql(DISCOUNT_BY_CODE, {"code": code}).get("codeDiscountNodeByCode")) or {}
    if found.get("id"):
        return {"shop_reference": found["id"], "code": code}
    discount = discount_input_build(payload, client.customer_gid(payload))
    if payload["value_type"] == "free_shipping":
        mutation, name, variable = DISCOUNT_FREE_SHIPPING_CREATE, "discountCodeFreeShippingCreate", "freeShipping"
    else:
        mutation, name, variable = DISCOUNT_BASIC_CREATE, "discountCodeBasicCreate", "basic"
    answer = client.graphql(mutation, {f"{variable}CodeDiscount": discount}).get(name) or {}
    user_errors = answer.get("userErrors") or []
    if user_errors:
        raise PermanentShopError(
            gettext_noop("Shopify refused the discount code: %(errors)s"), {"errors": _user_errors(user_errors)}
        )
    node = answer.get("codeDiscountNode") or {}
    if not node.get("id"):
        raise TransientShopError(gettext_noop("Shopify answered without a discount or an error."))
    return {"shop_reference": node["id"], "code": code}


def discount_input_build(payload: dict, customer_gid: str) -> dict:
    """DiscountCodeBasicInput or DiscountCodeFreeShippingInput (§2.5): once, by this customer only."""
    discount = {
        "title": payload.get("title") or payload["code"],
        "code": payload["code"],
        "startsAt": payload["starts_at"],
        "endsAt": payload.get("ends_at"),
        "context": {"customers": {"add": [customer_gid]}},
        "usageLimit": int(payload.get("usage_limit") or 1),
        "appliesOncePerCustomer": True,
    }
    if payload.get("minimum_subtotal"):
        discount["minimumRequirement"] = {"subtotal": {"greaterThanOrEqualToSubtotal": payload["minimum_subtotal"]}}
    if payload["value_type"] == "free_shipping":
        discount["destination"] = {"all": True}
        return discount
    if payload["value_type"] == "percentage":
        value = {"percentage": float(Decimal(payload["value"]) / 100)}  # Shopify wants 0.1 for 10 %
    else:
        value = {"discountAmount": {"amount": payload["value"], "appliesOnEachItem": False}}
    discount["customerGets"] = {"value": value, "items": {"all": True}}
    return discount


PERFORMERS = {
    ShopActionKind.REFUND: refund_perform,
    ShopActionKind.STORE_CREDIT: store_credit_perform,
    ShopActionKind.EXCHANGE_ORDER: exchange_order_perform,
    ShopActionKind.DISCOUNT_CODE: discount_code_perform,
}
