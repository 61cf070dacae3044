"""A resolved return's refund: what we ask the shop for, and how its answer is recorded on the order.

Resolving a return asks the shop for the refund through the shop-actions outbox (one action per
return, key `return:<RMA>:refund`), in the merchant's shop platform when they gave us access to it,
else by hand ("manual": staff refund in the shop and confirm). When the shop has done it, the refund
is recorded on the order as any refund is (orders.services.refund_record) under the shop's refund
id, so the shop's own notification of the same refund (refunds/create, order.updated) adds nothing.
"""

from decimal import Decimal, InvalidOperation

from django.utils import translation
from django.utils.translation import gettext as _

from core.money import amount_str, minor_unit
from orders.models import Refund
from orders.services import OrderValidationError, RefundLineInput, refund_record
from shop_actions.adapters import platform_for
from shop_actions.models import ShopActionKind
from shop_actions.services import shop_action_request

from .models import Method, ReturnRequest

REFUND_SOURCE = "returns"  # orders.Refund.source of a refund a return asked for


def refund_key(request: ReturnRequest) -> str:
    return f"return:{request.rma}:refund"


def refund_ask(request: ReturnRequest):
    """Ask the shop to refund a return (in the caller's transaction): the ShopAction, made once per return."""
    order = request.order
    return shop_action_request(
        merchant=request.merchant,
        kind=ShopActionKind.REFUND,
        platform=platform_for(request.merchant, order.source_platform),
        key=refund_key(request),
        payload=refund_payload(request),
        subject=f"return:{request.rma}",
        order=order,
    )


def refund_payload(request: ReturnRequest) -> dict:
    """Plain data every adapter reads (docs/shop_actions.md): the order and items as the shop knows them."""
    items = list(request.items.select_related("line_item"))
    order, currency = request.order, request.currency
    with translation.override(request.merchant.default_language):  # the same words on every call: same payload
        reason = _("Return %(rma)s") % {"rma": request.rma}
    return {
        "order_external_id": order.external_id,
        "order_number": order.number,
        "rma": request.rma,
        "amount": amount_str(request.refund_amount, currency),
        "currency": currency,
        "reason": reason,
        "restock": request.method != Method.KEEP_IT,  # a kept item does not come back to the shelves
        "line_items": [
            {
                "line_item_id": item.line_item_id,
                "external_id": item.line_item.external_id,
                "quantity": item.quantity,
                "amount": amount_str(share, currency),
            }
            for item, share in zip(items, _line_shares(request, items), strict=True)
        ],
    }


def _line_shares(request: ReturnRequest, items: list) -> list[Decimal]:
    """Each item's part of the refund: its amount, less its share of the return fee (the last takes the rest)."""
    if not items:
        return []
    if not request.items_amount:
        return [Decimal(0)] * len(items)
    step = minor_unit(request.currency)
    ratio = request.refund_amount / request.items_amount
    shares = [(item.amount * ratio).quantize(step) for item in items[:-1]]
    return [*shares, request.refund_amount - sum(shares, Decimal(0))]


def refund_record_for(request: ReturnRequest, result: dict, platform: str) -> Refund:
    """Record on the order the refund the shop made for `request` (`result`: the shop action's answer).

    Under the shop's refund id (for a refund done by hand, the reference staff typed), for the amount
    the shop says it refunded, with the returned items: they count as refunded from then on
    (eligibility.py no longer counts them as returned). If the order already knows that refund (its
    webhook came first, under the same id, or under the shop's own id when staff typed another
    reference: orders.services._same_refund), nothing is added and the return is linked to it.
    """
    merchant, order = request.merchant, request.order
    external_id = str(result.get("refund_id") or result.get("reference") or "").strip()[:64]
    taken = ReturnRequest.objects.filter(refund__order=order, refund__external_id=external_id).exclude(pk=request.pk)
    if not external_id or taken.exists():  # a reference typed twice for two returns: keep them apart
        external_id = f"return:{request.rma}"
    items = [RefundLineInput(line_item_id=item.line_item_id, quantity=item.quantity) for item in request.items.all()]
    common = {"merchant": merchant, "order": order, "external_id": external_id, "source": REFUND_SOURCE}
    note = _("Return %(rma)s (%(platform)s)") % {"rma": request.rma, "platform": platform}
    refunded = _shop_amount(result, request)
    try:
        refund, _created = refund_record(**common, amount=refunded, line_items=items, note=note)
        return refund
    except OrderValidationError:
        pass
    # The shop refunded it, but what we knew of the order disagrees (money or items already refunded
    # another way): record what is left rather than lose the shop's refund, with the items if they fit.
    order.refresh_from_db()
    left = max(min(refunded, order.total - order.refunded_amount), Decimal(0))
    try:
        refund, _created = refund_record(**common, amount=left, line_items=items, note=note)
    except OrderValidationError:  # the items were refunded already: they count there
        refund, _created = refund_record(**common, amount=left, note=note)
    return refund


def _shop_amount(result: dict, request: ReturnRequest) -> Decimal:
    """What the shop says it refunded, in the return's currency; else what we asked for."""
    if result.get("currency", request.currency) != request.currency:
        return request.refund_amount
    try:
        amount = Decimal(str(result.get("amount")))
    except (InvalidOperation, ValueError):
        return request.refund_amount
    return amount if amount.is_finite() and amount > 0 else request.refund_amount
