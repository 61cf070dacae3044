"""What came back of an order, as loyalty reads it: the link between its two reversal paths.

Points are taken back on a refund the shop reports (`refund:<id>`) and on a return resolved here
(`return:<id>`), whatever its resolution. A return refunded in the shop is reported both ways, in
either order (the shop's refund webhook may come before or after the resolution), so the second
path takes back only what the first did not (in either order, the larger of the two shares): a refund pays for a return when it is the return's
own refund, or when it was recorded after the return was made and gives back at least the
return's items. Refunds of money alone (shipping, a goodwill gesture) pay for no return.
"""

from collections import Counter
from decimal import Decimal

from core.scoping import merchant_scope
from orders.models import LineItem, Order, Refund
from returns.models import CREDIT_RESOLUTIONS, Resolution, ReturnRequest, ReturnStatus

# A return whose resolution was carried out (or is being): its items count as come back.
RESOLVED = (ReturnStatus.RESOLVED, ReturnStatus.CLOSED)


def return_key(request_id: int) -> str:
    return f"return:{request_id}"


def refund_key(refund_id: int) -> str:
    return f"refund:{refund_id}"


def returned_value(request: ReturnRequest) -> Decimal:
    """The part of the order's value the customer no longer keeps, by resolution.

    A refund: what is refunded (the return fee stays paid). Store credit and shop-now: the items'
    value, without the policy's bonus (a gift of the shop, never paid for). An exchange for another
    size or colour: only the difference a cheaper new item leaves as credit; an even exchange keeps
    the goods' value, so its points stay.
    """
    if request.resolution == Resolution.EXCHANGE_VARIANT:
        return request.credit_amount
    if request.resolution in CREDIT_RESOLUTIONS:
        return request.credit_amount - request.bonus_amount
    return request.refund_amount


def _units(lines) -> Counter:
    return Counter({int(line["line_item_id"]): int(line["quantity"]) for line in lines or []})


def _return_units(request: ReturnRequest) -> Counter:
    return Counter({item.line_item_id: item.quantity for item in request.items.all()})


def pays_for(refund: Refund, request: ReturnRequest) -> bool:
    """Whether `refund` is the money of `request`'s items (see the module's docstring)."""
    if request.refund_id == refund.pk:
        return True
    if refund.order_id != request.order_id or refund.created_at < request.created_at:
        return False  # refunded before the return was made: eligibility kept those units out of it
    returned, refunded = _return_units(request), _units(refund.line_items)
    return bool(returned) and all(refunded[line] >= quantity for line, quantity in returned.items())


def returns_paid_by(refund: Refund) -> list[int]:
    """The ids of the order's returns `refund` pays for."""
    with merchant_scope(refund.merchant_id):
        requests = ReturnRequest.objects.filter(order_id=refund.order_id).prefetch_related("items")
        return [request.pk for request in requests if pays_for(refund, request)]


def refunds_paying_for(request: ReturnRequest) -> list[int]:
    """The ids of the order's refunds that pay for `request`."""
    with merchant_scope(request.merchant_id):
        refunds = Refund.objects.filter(order_id=request.order_id)
        return [refund.pk for refund in refunds if pays_for(refund, request)]


def order_all_back(order: Order) -> bool:
    """Whether nothing of the order stays with the customer: refunded in full, or every unit refunded
    or returned for store credit (an exchange keeps the goods' value)."""
    if order.total > 0 and order.refunded_amount >= order.total:
        return True
    with merchant_scope(order.merchant_id):
        lines = list(LineItem.objects.filter(order=order).values_list("pk", "quantity", "quantity_refunded"))
        credited = ReturnRequest.objects.filter(order=order, status__in=RESOLVED, resolution__in=CREDIT_RESOLUTIONS)
        units = Counter()
        for request in credited.prefetch_related("items"):
            units.update(_return_units(request))
    return bool(lines) and all(refunded + units[pk] >= quantity for pk, quantity, refunded in lines)
