"""A return's life: one service per move, checked against one table, each recorded as an order event.

requested → approved | rejected → in_transit → received → resolved → closed; cancelled by the
customer until it ships (and back to requested when the shop or staff reopen it, or staff reopen a
rejected one). A keep-it return goes from
approved to resolved at once, in the approval's transaction (nothing ships); a resolution that need not wait for the parcel (an instant
exchange, next) may resolve from approved or in transit.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.l10n import format_money
from core.scoping import merchant_scope
from orders.events import event_record
from orders.models import FinancialStatus, LineItem, Order
from shop_actions.models import ShopAction, ShopActionStatus
from store_credit.services import credit_issue

from .eligibility import policy_for, returnable_lines
from .exchanges import (
    ExchangeChoice,
    ExchangeChoiceError,
    exchange_before_resolve,
    exchange_choices_check,
    exchange_on_move,
    exchange_order_ask,
    exchange_reserve,
    exchange_resolution_left,
)
from .labels.services import return_label_enqueue
from .models import (
    CREDIT_RESOLUTIONS,
    OPEN_STATUSES,
    ExchangeStatus,
    Inspection,
    Method,
    Reason,
    Resolution,
    ReturnItem,
    ReturnNote,
    ReturnRequest,
    ReturnStatus,
)
from .payloads import return_data
from .photos import files_removed_on_failure, photos_store
from .reasons import reasons_for
from .refunds import refund_ask, refund_record_for

S = ReturnStatus
TRANSITIONS = {
    S.REQUESTED: {S.APPROVED, S.REJECTED, S.CANCELLED},
    S.APPROVED: {S.IN_TRANSIT, S.RECEIVED, S.RESOLVED, S.CANCELLED},
    S.IN_TRANSIT: {S.RECEIVED, S.RESOLVED},
    S.RECEIVED: {S.RESOLVED},
    S.RESOLVED: {S.CLOSED},
    S.REJECTED: {S.REQUESTED},  # staff look again (the rejection email invites the customer to ask)
    S.CLOSED: set(),
    S.CANCELLED: {S.REQUESTED},  # the shop or staff reopened it
}
# Moves only a shop platform makes, on returns managed in its own admin (returns/shop_returns.py):
# Shopify reopens closed returns. Added to TRANSITIONS for `return_move(..., source=...)` only.
SOURCE_TRANSITIONS = {
    "shopify": {S.CLOSED: {S.REQUESTED}},
}
REFUNDABLE_ORDERS = (FinancialStatus.PAID, FinancialStatus.PARTIALLY_REFUNDED)
YEAR = timedelta(days=365)
# An exchange whose order the shop was asked for: its resolution can no longer change.
ORDERED_EXCHANGES = (
    ExchangeStatus.REQUESTED,
    ExchangeStatus.AWAITING_PAYMENT,
    ExchangeStatus.CREATED,
    ExchangeStatus.SHIPPED,
)


class ReturnValidationError(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


class ReturnStateError(Exception):
    """The move is not allowed from the return's status (another person may have moved it first)."""


@dataclass(frozen=True)
class ItemInput:
    line_item_id: int
    quantity: int
    reason: str
    comment: str = ""
    photos: tuple = ()  # PreparedPhoto (returns/photos.py): checked and cleaned before the return is made
    exchange_variant_id: int | None = None  # an exchange: the catalogue Variant's id chosen instead


def return_request_create(
    *,
    order: Order,
    items: list[ItemInput],
    method: str,
    resolution: str = Resolution.REFUND,
    submission_key: str = "",
    now: datetime | None = None,
) -> ReturnRequest:
    """A customer's (or staff's, on their behalf) return of some of an order's items.

    Checks everything the portal shows, again, under a lock on the order: two submits cannot
    return the same item twice, and the same `submission_key` returns the return it made first.
    """
    now = now or timezone.now()
    merchant = order.merchant
    with merchant_scope(merchant), files_removed_on_failure() as written, transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if submission_key:
            earlier = ReturnRequest.objects.filter(merchant=merchant, submission_key=submission_key).first()
            if earlier is not None:
                return earlier
        policy = policy_for(merchant)
        lines = {r.line_item.pk: r for r in returnable_lines(order, now=now, policy=policy)}
        chosen = _checked_items(order, items, lines, {r.code: r for r in reasons_for(merchant)})
        items_amount = sum((lines[i.line_item_id].unit_amount * i.quantity for i in items), Decimal(0))
        _check_method(method, policy, items_amount)
        _check_resolution(resolution, policy, order)
        _check_customer_limit(order, policy, now)
        choice = ExchangeChoice(variants={}, credit=Decimal(0), due=Decimal(0))
        if resolution == Resolution.EXCHANGE_VARIANT:
            with _as_validation_error():
                unit_amounts = {pk: line.unit_amount for pk, line in lines.items()}
                choice = exchange_choices_check(order, chosen, unit_amounts, policy)
        variants = choice.variants
        request = ReturnRequest.objects.create(
            merchant=merchant,
            rma=_next_rma(order),
            order=order,
            customer=order.customer,
            method=method,
            currency=order.currency,
            items_amount=items_amount,
            offered_resolutions=policy.offered_to(order),
            submission_key=submission_key,
            created_at=now,
            exchange_due=choice.due,
            **resolution_amounts(
                policy,
                resolution=resolution,
                method=method,
                items_amount=items_amount,
                currency=order.currency,
                exchange_credit=choice.credit,
            ),
        )
        created = ReturnItem.objects.bulk_create(
            ReturnItem(
                merchant=merchant,
                request=request,
                line_item=line,
                quantity=data.quantity,
                reason=data.reason,
                comment=data.comment.strip(),
                amount=lines[line.pk].unit_amount * data.quantity,
                exchange_variant=variants.get(line.pk),
                exchange_unit_price=variants[line.pk].price if line.pk in variants else None,
            )
            for line, data in chosen
        )
        for item, (_line, data) in zip(created, chosen, strict=True):
            photos_store(item=item, photos=list(data.photos), stored=written)
        if variants:
            with _as_validation_error():
                exchange_reserve(request, created)
        _record(request, S.REQUESTED, by=None, text="")
        if _auto_approved(request, policy, items, now):
            _move(request, S.APPROVED, by=None, text=_("Approved automatically by the return policy."))
            request = _kept_resolved(request)
    return request


@contextmanager
def _as_validation_error():
    """An exchange's refusal, as the return's own (the portal and the API show it the same way)."""
    try:
        yield
    except ExchangeChoiceError as refused:
        raise ReturnValidationError(refused.errors) from refused


def _checked_items(order, items: list[ItemInput], lines: dict, reasons: dict) -> list[tuple[LineItem, ItemInput]]:
    errors = {}
    if order.financial_status not in REFUNDABLE_ORDERS or order.cancelled_at is not None:
        errors["order"] = _("This order cannot be returned: it is not paid, or it was cancelled.")
    if not items:
        errors["items"] = _("Choose at least one item to return.")
    seen, chosen = set(), []
    for index, item in enumerate(items):
        field = f"items[{index}]"
        returnable = lines.get(item.line_item_id)
        if returnable is None or item.line_item_id in seen:
            errors[field] = _("This item is not part of the order, or is listed twice.")
        elif returnable.refusal:
            errors[field] = returnable.refusal
        elif not isinstance(item.quantity, int) or not 1 <= item.quantity <= returnable.quantity:
            errors[field] = _("Choose a quantity between 1 and %(max)s.") % {"max": returnable.quantity}
        elif item.reason not in reasons:
            errors[field] = _("Choose a reason from the list.")
        elif reasons[item.reason].photo_required and not item.photos:
            errors[field] = _("Add a photo of the item: the reason “%(reason)s” asks for one.") % {
                "reason": reasons[item.reason].label
            }
        elif len(item.photos) > settings.RETURN_PHOTOS_PER_ITEM:
            errors[field] = _("Send at most %(max)s photos per item.") % {"max": settings.RETURN_PHOTOS_PER_ITEM}
        elif reasons[item.reason].comment_required and not item.comment.strip():
            errors[field] = _("Tell us more in the comment: the reason “%(reason)s” asks for one.") % {
                "reason": reasons[item.reason].label
            }
        else:
            chosen.append((returnable.line_item, item))
        seen.add(item.line_item_id)
    if errors:
        raise ReturnValidationError(errors)
    return chosen


def _check_method(method: str, policy, items_amount: Decimal) -> None:
    offered = set(policy.methods or [Method.SHIP_YOURSELF])
    if method not in offered:
        raise ReturnValidationError({"method": _("Choose one of the return methods the shop offers.")})
    if method == Method.KEEP_IT and (policy.keep_it_below is None or items_amount >= policy.keep_it_below):
        raise ReturnValidationError({"method": _("These items are worth too much to keep: send them back.")})


def _check_resolution(resolution: str, policy, order: Order) -> None:
    if resolution not in policy.offered_resolutions():
        raise ReturnValidationError({"resolution": _("Choose one of the resolutions the shop offers.")})
    if resolution in CREDIT_RESOLUTIONS and order.customer_id is None:
        raise ReturnValidationError(
            {"resolution": _("Store credit needs a customer account with the shop: choose a refund.")}
        )


def resolution_amounts(
    policy, *, resolution: str, method: str, items_amount: Decimal, currency: str, exchange_credit=Decimal(0)
) -> dict:
    """What a resolution gives for items worth `items_amount`: a refund pays the fee (never for a kept
    item, never more than the items); store credit pays no fee and adds the policy's bonus; an exchange
    pays no fee and gives as credit what cheaper new items leave (`exchange_credit`)."""
    if resolution == Resolution.EXCHANGE_VARIANT:
        bonus, fee, refund, credit = Decimal(0), Decimal(0), Decimal(0), exchange_credit
    elif resolution in CREDIT_RESOLUTIONS:
        bonus = policy.bonus_for(resolution, items_amount, currency)
        credit, fee, refund = items_amount + bonus, Decimal(0), Decimal(0)
    else:
        bonus = credit = Decimal(0)
        fee = Decimal(0) if method == Method.KEEP_IT else min(policy.fee_for(resolution), items_amount)
        refund = items_amount - fee
    return {
        "resolution": resolution,
        "fee": fee,
        "refund_amount": refund,
        "credit_amount": credit,
        "bonus_amount": bonus,
    }


def _check_customer_limit(order, policy, now: datetime) -> None:
    if not policy.returns_per_year or order.customer_id is None:
        return
    if _returns_in_a_year(order, now).count() >= policy.returns_per_year:
        raise ReturnValidationError(
            {"order": _("You have reached the number of returns allowed in 12 months. Contact the shop.")}
        )


def _auto_approved(request, policy, items: list[ItemInput], now: datetime) -> bool:
    """Approved without staff when the policy says so; damaged items and listed emails always wait for a person."""
    if not policy.auto_approve or any(item.reason == Reason.DAMAGED for item in items):
        return False
    order = request.order
    if policy.auto_approve_below is not None and order.total >= policy.auto_approve_below:
        return False
    if policy.email_blocked(order.email, order.customer.email if order.customer_id else ""):
        return False
    if policy.auto_approve_max_returns is not None:
        earlier = _returns_in_a_year(order, now).exclude(pk=request.pk).count()
        if earlier >= policy.auto_approve_max_returns:
            return False
    return True


def _returns_in_a_year(order, now: datetime):
    """The customer's returns of the last 12 months that were not cancelled or rejected (a guest is their email)."""
    recent = ReturnRequest.objects.filter(created_at__gte=now - YEAR).exclude(status__in=(S.CANCELLED, S.REJECTED))
    if order.customer_id is not None:
        return recent.filter(customer_id=order.customer_id)
    if order.email:
        return recent.filter(customer__isnull=True, order__email__iexact=order.email)
    return recent.none()


def _next_rma(order: Order) -> str:
    """R-<order number>-<n>: readable on a parcel, unique per shop (the order row is locked)."""
    number = "".join(ch for ch in order.number if ch.isalnum()) or str(order.pk)
    count = ReturnRequest.objects.filter(order=order).count()
    return f"R-{number}-{count + 1}"


def allowed_moves(status: str, source: str = "") -> set[str]:
    """The statuses a return in `status` may move to; a shop platform (`source`) may have a few more."""
    return TRANSITIONS[status] | SOURCE_TRANSITIONS.get(source, {}).get(status, set())


def return_move(
    *, request: ReturnRequest, to: str, by=None, text: str = "", source: str = "", **fields
) -> ReturnRequest:
    """Move a return to `to`, if its current status allows it (rows are locked: one of two racing staff wins)."""
    with merchant_scope(request.merchant), transaction.atomic():
        locked = ReturnRequest.objects.select_for_update().get(pk=request.pk)
        if to not in allowed_moves(locked.status, source):
            raise ReturnStateError(
                _("This return is %(status)s: it cannot become %(to)s.")
                % {"status": S(locked.status).label.lower(), "to": S(to).label.lower()}
            )
        for name, value in fields.items():
            setattr(locked, name, value)
        _move(locked, to, by=by, text=text)
        if to == S.APPROVED:
            locked = _kept_resolved(locked)
    return locked


def _kept_resolved(request: ReturnRequest) -> ReturnRequest:
    """An approved keep-it return has no parcel to wait for: it is resolved in the approval's transaction
    (one refund, one credit or one exchange order, like any resolution: a second approval is refused by
    the table). A kept item's exchange whose new item sold out stays approved: the customer chooses
    store credit or a refund instead (return_exchange_fallback), and that choice resolves it."""
    if request.method != Method.KEEP_IT:
        return request
    if request.resolution == Resolution.EXCHANGE_VARIANT:
        exchange_order_ask(request)  # asked once, whatever calls it again
        if request.exchange_status == ExchangeStatus.SOLD_OUT:
            return request
    return return_resolve(request=request)


def _move(request: ReturnRequest, to: str, *, by, text: str) -> None:
    request.status = to
    request.save()
    _record(request, to, by=by, text=text)
    exchange_on_move(request, to)  # an exchange may be ordered now (policy), or its reservations released
    if to == S.APPROVED:
        return_label_enqueue(request)  # however it was approved (staff, API, policy): the label follows the commit


def _record(request: ReturnRequest, status: str, *, by, text: str) -> None:
    ReturnNote.objects.create(merchant=request.merchant, request=request, author=by, status=status, text=text)
    event_record(merchant=request.merchant, kind=f"return.{status}", order=request.order, payload=return_data(request))


def return_note_add(*, request: ReturnRequest, by, text: str) -> ReturnNote:
    text = text.strip()
    if not text:
        raise ReturnValidationError({"text": _("Write the note first.")})
    with merchant_scope(request.merchant):
        return ReturnNote.objects.create(merchant=request.merchant, request=request, author=by, text=text[:2000])


# --- The named moves staff, the API and the customer call --------------------------------------
# Each is `return_move` plus what that move needs; callers never pick a status themselves.


def return_approve(*, request: ReturnRequest, by=None) -> ReturnRequest:
    return return_move(request=request, to=S.APPROVED, by=by)


def return_reject(*, request: ReturnRequest, reason: str, by=None) -> ReturnRequest:
    reason = reason.strip()
    if not reason:
        raise ReturnValidationError({"reason": _("Say why: the customer reads this reason.")})
    return return_move(request=request, to=S.REJECTED, by=by, text=reason[:500], rejection_reason=reason[:500])


def return_receive(*, request: ReturnRequest, inspections: dict[int, str], by=None) -> ReturnRequest:
    """Staff have the parcel: record what they found in it, per return item (id → Inspection code)."""
    with merchant_scope(request.merchant), transaction.atomic():
        items = set(request.items.values_list("pk", flat=True))
        wrong = {pk for pk, code in inspections.items() if code not in Inspection.values}
        if wrong or items != set(inspections):
            raise ReturnValidationError({"inspections": _("Record what you found for every item of the return.")})
        for pk, code in inspections.items():
            ReturnItem.objects.filter(pk=pk).update(inspection=code)
        return return_move(request=request, to=S.RECEIVED, by=by)


def return_resolve(*, request: ReturnRequest, by=None) -> ReturnRequest:
    """Carry out the resolution: the return is resolved and the shop asked for the refund, in one transaction.

    It closes when the shop has refunded (return_refund_finished); a return with nothing to refund
    closes at once, and so does store credit, issued in the same transaction. Of two staff resolving
    at once, one wins and the other gets ReturnStateError: one shop action, one refund, one credit.
    """
    with merchant_scope(request.merchant), transaction.atomic():
        resolved = return_move(request=request, to=S.RESOLVED, by=by)
        if resolved.resolution == Resolution.EXCHANGE_VARIANT:
            return _exchange_close(resolved)
        if resolved.resolution in CREDIT_RESOLUTIONS:
            return _credit_give(resolved)
        if resolved.refund_amount <= 0:
            return return_move(request=resolved, to=S.CLOSED, text=_("Nothing to refund: the return fee covers it."))
        resolved.refund_action = refund_ask(resolved)
        resolved.save(update_fields=["refund_action", "updated_at"])
    return resolved


def _exchange_close(request: ReturnRequest) -> ReturnRequest:
    """An exchange is resolved: its order is asked of the shop if it was not yet, the credit cheaper items
    leave is issued, and the return closes (the exchange order follows on its own)."""
    try:
        exchange_before_resolve(request)
    except ExchangeChoiceError as refused:
        raise ReturnStateError(refused.errors["resolution"]) from refused
    if request.credit_amount > 0:
        return _credit_give(request)
    return return_move(request=request, to=S.CLOSED, text=_("Exchanged: nothing to refund."))


def credit_key(request: ReturnRequest) -> str:
    """One credit per return: a retried task, a double click or a redelivered event finds the first entry."""
    return f"return:{request.rma}:credit"


def _credit_give(request: ReturnRequest) -> ReturnRequest:
    """Issue the return's store credit (the wallet emails the customer) and close the return."""
    with translation.override(request.merchant.default_language):
        note = _("Return %(rma)s") % {"rma": request.rma}
        entry = credit_issue(
            merchant=request.merchant,
            customer=request.customer,
            amount=request.credit_amount,
            currency=request.currency,
            key=credit_key(request),
            source="return",
            source_ref=request.rma,
            note=note,
        )
        text = _("Store credit of %(amount)s issued.") % {"amount": format_money(entry.amount, request.currency)}
    return return_move(request=request, to=S.CLOSED, text=text, credit_entry=entry)


def return_resolution_change(*, request: ReturnRequest, resolution: str, by=None) -> ReturnRequest:
    """Staff switch a store credit resolution to a refund (or back) until it is carried out.

    The amounts follow the policy as it is now; the customer's choice is noted in the audit trail.
    """
    with merchant_scope(request.merchant), transaction.atomic():
        locked = ReturnRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status not in OPEN_STATUSES:
            raise ReturnStateError(_("This return is resolved already: its resolution cannot change."))
        if resolution not in Resolution.values:
            raise ReturnValidationError({"resolution": _("Choose one of the resolutions the shop offers.")})
        if locked.resolution == Resolution.EXCHANGE_VARIANT and locked.exchange_status in ORDERED_EXCHANGES:
            raise ReturnStateError(_("The exchange order was asked of the shop already: the resolution stays."))
        if resolution == Resolution.EXCHANGE_VARIANT and resolution != locked.resolution:
            raise ReturnValidationError(
                {"resolution": _("Only the customer chooses an exchange, with the new size or colour, in the portal.")}
            )
        if resolution in CREDIT_RESOLUTIONS and locked.customer_id is None:
            raise ReturnValidationError(
                {"resolution": _("Store credit needs a customer account with the shop: choose a refund.")}
            )
        if resolution == locked.resolution:
            return locked
        before_code, before = locked.resolution, Resolution(locked.resolution).label
        amounts = resolution_amounts(
            policy_for(locked.merchant),
            resolution=resolution,
            method=locked.method,
            items_amount=locked.items_amount,
            currency=locked.currency,
        )
        for name, value in amounts.items():
            setattr(locked, name, value)
        locked.exchange_due = Decimal(0)  # never an exchange now: nothing left to pay
        locked.save()
        if before_code == Resolution.EXCHANGE_VARIANT:
            exchange_resolution_left(locked)
        text = _("Resolution changed from “%(before)s” to “%(after)s”.") % {
            "before": before,
            "after": Resolution(resolution).label,
        }
        ReturnNote.objects.create(merchant=locked.merchant, request=locked, author=by, text=text)
    return locked


# What a customer whose new item sold out may have instead.
SOLD_OUT_FALLBACKS = (Resolution.STORE_CREDIT, Resolution.REFUND)


def return_exchange_fallback(*, request: ReturnRequest, resolution: str) -> ReturnRequest:
    """The customer's new item sold out: they take store credit (with an account) or a refund instead."""
    with merchant_scope(request.merchant), transaction.atomic():
        locked = ReturnRequest.objects.select_for_update().get(pk=request.pk)
        if locked.resolution != Resolution.EXCHANGE_VARIANT or locked.exchange_status != ExchangeStatus.SOLD_OUT:
            raise ReturnStateError(_("This return is not waiting for another choice from you."))
        if resolution not in SOLD_OUT_FALLBACKS:
            raise ReturnValidationError({"resolution": _("Choose store credit or a refund.")})
        with translation.override(request.merchant.default_language):
            changed = return_resolution_change(request=locked, resolution=resolution)
            _note(changed, _("The customer chose this instead of the sold-out exchange."))
        if changed.method == Method.KEEP_IT and changed.status == S.APPROVED:
            return return_resolve(request=changed)  # a kept item waits for nothing else
        return changed


def return_refund_finished(action: ShopAction) -> None:
    """A refund the shop was asked for is done or failed (shop_actions' on_shop_action_finished).

    Done: the refund is recorded on the order and the return closes, in the transaction that marks
    the action done. Failed: the return stays resolved with a note; staff try the action again.
    """
    request = ReturnRequest.objects.select_for_update().filter(refund_action=action).first()
    if request is None:  # another app's refund
        return
    with translation.override(request.merchant.default_language):
        if action.status == ShopActionStatus.FAILED:
            text = _("The refund failed: %(error)s Try it again from the shop action's page.")
            _note(request, text % {"error": action.last_error})
        elif action.status == ShopActionStatus.SUCCEEDED and request.status == S.RESOLVED:
            refund = refund_record_for(request, action.result, action.platform)
            text = _("Refunded in the shop (%(reference)s).") % {"reference": refund.external_id}
            return_move(request=request, to=S.CLOSED, text=text, refund=refund)


def _note(request: ReturnRequest, text: str) -> None:
    ReturnNote.objects.create(merchant=request.merchant, request=request, text=text[:2000])


def return_reopen(*, request: ReturnRequest, by=None) -> ReturnRequest:
    """Staff reopen a cancelled or rejected return: requested again, its rejection reason cleared, and an
    exchange's new item reserved again (or, sold out meanwhile, the customer offered credit or a refund)."""
    return return_move(request=request, to=S.REQUESTED, by=by, text=_("Reopened."), rejection_reason="")


def return_cancel(*, request: ReturnRequest, by=None, text: str = "") -> ReturnRequest:
    return return_move(request=request, to=S.CANCELLED, by=by, text=text)


# What a customer may cancel themselves: until the parcel leaves (its first carrier scan: in transit).
CUSTOMER_CANCELLABLE = (S.REQUESTED, S.APPROVED)


def return_cancel_by_customer(*, request: ReturnRequest) -> ReturnRequest:
    with merchant_scope(request.merchant), transaction.atomic():
        locked = ReturnRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status not in CUSTOMER_CANCELLABLE:
            raise ReturnStateError(_("This return can no longer be cancelled here: contact the shop."))
        return return_cancel(request=locked, text=_("Cancelled by the customer."))
