"""Returns made in the shop's own admin (Shopify): mirrored here, in the same queue as the portal's.

The shop already accepted such a return, so none of the portal's checks (window, policy, limits)
apply: we record what the shop says. One return here per return there (unique `shop_return_id`),
moved only along the lifecycle's table (`lifecycle.allowed_moves`, with the shop's own moves).
"""

from collections import deque
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.scoping import merchant_scope
from orders.models import Order

from .eligibility import returnable_lines
from .lifecycle import _next_rma, _record, allowed_moves, return_move
from .models import Method, Reason, ReturnItem, ReturnNote, ReturnRequest, ReturnStatus

S = ReturnStatus
# Why a shop declines a return (Shopify's ReturnDeclineReason, lower-cased): the customer reads it.
DECLINE_REASONS = {
    "final_sale": gettext_lazy("Final sale: this item cannot be returned."),
    "return_period_ended": gettext_lazy("The return period has ended."),
    "other": gettext_lazy("The shop declined this return."),
}


@dataclass(frozen=True)
class ShopReturnLine:
    """One line of the shop's return: the shop's line item id (or its SKU), how many, and why."""

    line_external_id: str
    sku: str
    quantity: int
    reason: str = Reason.OTHER


def shop_return_find(*, merchant, shop_return_id: str) -> ReturnRequest | None:
    with merchant_scope(merchant):
        return ReturnRequest.objects.filter(merchant=merchant, shop_return_id=shop_return_id).first()


def shop_return_create(
    *, order: Order, shop_return_id: str, lines: list[ShopReturnLine] | None, fee: Decimal = Decimal(0)
) -> tuple[ReturnRequest, list[str]]:
    """The return the shop made, requested; `lines` None when the shop could not tell them (items unknown).

    Returns it with notes for staff (lines that match no item of the order). Under a lock on the
    order, so two deliveries about the same return create it once.
    """
    merchant = order.merchant
    with merchant_scope(merchant), transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        earlier = ReturnRequest.objects.filter(merchant=merchant, shop_return_id=shop_return_id).first()
        if earlier is not None:
            return earlier, []
        matched, notes = _matched_lines(order, lines or [])
        unknown = lines is None or bool(notes) or not matched
        items_amount = sum((unit_amount * line.quantity for _item, unit_amount, line in matched), Decimal(0))
        fee = min(fee, items_amount)
        request = ReturnRequest.objects.create(
            merchant=merchant,
            rma=_next_rma(order),
            order=order,
            customer=order.customer,
            method=Method.SHIP_YOURSELF,  # the shop does not say how the parcel travels
            currency=order.currency,
            items_amount=items_amount,
            fee=fee,
            refund_amount=items_amount - fee,
            shop_return_id=shop_return_id,
            items_unknown=unknown,
        )
        ReturnItem.objects.bulk_create(
            ReturnItem(
                merchant=merchant,
                request=request,
                line_item=item,
                quantity=line.quantity,
                reason=line.reason,
                amount=unit_amount * line.quantity,
            )
            for item, unit_amount, line in matched
        )
        _record(request, S.REQUESTED, by=None, text=_("Requested in the shop's admin."))
    return request, notes


def _matched_lines(order: Order, lines: list[ShopReturnLine]):
    """(line item, unit amount, line) for each line found in the order, and notes for those not found."""
    returnable = returnable_lines(order, now=timezone.now())
    by_external = {r.line_item.external_id: r for r in returnable if r.line_item.external_id}
    by_sku = {r.line_item.sku: r for r in returnable if r.line_item.sku}
    matched, notes, seen = [], [], set()
    for line in lines:
        found = by_external.get(line.line_external_id) or by_sku.get(line.sku)
        if found is None or found.line_item.pk in seen:
            notes.append(f"Line item {line.line_external_id or line.sku or '?'} matches no item of the order.")
            continue
        if not 1 <= line.quantity <= found.line_item.quantity:
            notes.append(
                f"Line item {line.line_external_id or line.sku}: {line.quantity} is not a quantity of the order."
            )
            continue
        seen.add(found.line_item.pk)
        matched.append((found.line_item, found.unit_amount, line))
    return matched, notes


def shop_return_follow(*, request: ReturnRequest, to: str, source: str, text: str = "", **fields) -> str:
    """Bring the return to the shop's status `to`: nothing when it is there, else the one move the table
    allows, or for `closed` the shortest way there through the table (a return closes once resolved).

    Returns a note for staff when no allowed move leads there (the return is left as it is).
    """
    with merchant_scope(request.merchant), transaction.atomic():
        current = ReturnRequest.objects.select_for_update().get(pk=request.pk).status
        if current == to:
            return ""
        path = _path(current, to, source) if to == S.CLOSED else ([to] if to in allowed_moves(current, source) else [])
        if not path:
            return f"The shop made return {request.rma} {to}, but here it is {current}: left as it is."
        for step in path:
            return_move(request=request, to=step, text=text, source=source, **(fields if step == to else {}))
    return ""


def _path(start: str, goal: str, source: str) -> list[str]:
    """The shortest list of moves from `start` to `goal` the table allows ([] when there is none)."""
    came_from = {start: None}
    queue = deque([start])
    while queue:
        status = queue.popleft()
        if status == goal:
            path = []
            while status != start:
                path.append(status)
                status = came_from[status]
            return path[::-1]
        for after in sorted(allowed_moves(status, source) - {S.CANCELLED, S.REJECTED}):
            if after not in came_from:
                came_from[after] = status
                queue.append(after)
    return []


def shop_decline_reason(*, merchant, reason: str, note: str) -> str:
    """The rejection reason the customer reads, in the shop's language, with the shop's own note."""
    with translation.override(merchant.default_language):
        said = str(DECLINE_REASONS.get(reason.lower(), DECLINE_REASONS["other"]))
    return f"{said} {note}".strip()[:500] if note else said


def shop_return_items_set(*, request: ReturnRequest, items: list, by) -> ReturnRequest:
    """Staff say which items a return made in the shop's admin holds, when the shop could not tell us.

    `items` are lifecycle.ItemInput (line item, quantity, reason). The shop accepted the return, so the
    portal's window and policy do not apply; each line must be the order's, for at most what was bought.
    Replaces the items guessed so far; the amounts follow (the fee kept, never more than the items).
    """
    from .lifecycle import ReturnStateError, ReturnValidationError
    from .reasons import reasons_for

    with merchant_scope(request.merchant), transaction.atomic():
        order = Order.objects.select_for_update().get(pk=request.order_id)
        locked = ReturnRequest.objects.select_for_update().get(pk=request.pk)
        if not locked.items_unknown:
            raise ReturnStateError(_("The items of this return are already known."))
        lines = {r.line_item.pk: r for r in returnable_lines(order, now=timezone.now())}
        codes = {reason.code for reason in reasons_for(request.merchant)}
        errors = {}
        if not items:
            errors["items"] = _("Choose at least one item to return.")
        for index, item in enumerate(items):
            line = lines.get(item.line_item_id)
            if line is None or not 1 <= item.quantity <= line.line_item.quantity:
                errors[f"items[{index}]"] = _("This item is not part of the order, or not in that quantity.")
            elif item.reason not in codes:
                errors[f"items[{index}]"] = _("Choose a reason from the list.")
        if errors:
            raise ReturnValidationError(errors)
        locked.items.all().delete()
        ReturnItem.objects.bulk_create(
            ReturnItem(
                merchant=locked.merchant,
                request=locked,
                line_item=lines[item.line_item_id].line_item,
                quantity=item.quantity,
                reason=item.reason,
                amount=lines[item.line_item_id].unit_amount * item.quantity,
            )
            for item in items
        )
        locked.items_amount = sum((lines[i.line_item_id].unit_amount * i.quantity for i in items), Decimal(0))
        locked.fee = min(locked.fee, locked.items_amount)
        locked.refund_amount = locked.items_amount - locked.fee
        locked.items_unknown = False
        locked.save()
        ReturnNote.objects.create(
            merchant=locked.merchant, request=locked, author=by, text=_("Items of the return completed by staff.")
        )
    return locked
