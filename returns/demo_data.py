"""The demo shops' returns: the policy switched on, and a few months of returns in every status.

Everything goes through the services staff and customers use (the policy's save and switch, the
return's moves, the shop action's attempt and confirmation), so the rows are the ones the product
makes. Those moves happened in the past: their events are recorded as history
(`events_recorded_as_history`), so no return email goes out when the worker starts, and the times
they stamp (notes, events, the refund) are then set back to when each move happened.

About 6% of the delivered orders get a return, most of them closed (refunded), the newest still
waiting for staff at every step. Two more show the other resolutions: an exchange for another size or
colour with the exchange order the shop made, and a return paid in store credit (its wallet entry). A shop whose returns were set up already (a policy saved, by an
earlier run or by hand) is left alone: a second run adds nothing.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from random import Random

from django.db.models import Exists, OuterRef

from core.scoping import merchant_scope
from demo.later_orders import LaterOrder, later_orders_write
from merchants.models import Membership, Role
from orders.events import events_recorded_as_history
from orders.models import FinancialStatus, Order, OrderEvent, Refund
from shop_actions.models import ShopAction, ShopActionStatus
from shop_actions.services import shop_action_confirm, shop_action_perform
from store_credit.models import Entry as CreditEntry
from tracking.models import Shipment

from .eligibility import policy_for
from .exchanges import exchange_options
from .lifecycle import (
    ItemInput,
    ReturnValidationError,
    return_approve,
    return_cancel,
    return_receive,
    return_reject,
    return_request_create,
    return_resolve,
)
from .models import (
    ExchangeShips,
    Inspection,
    Method,
    Reason,
    Resolution,
    ReturnNote,
    ReturnPolicy,
    ReturnRequest,
    ReturnStatus,
    WindowStart,
)
from .policy import return_policy_save, return_policy_switch

SHARE = 0.06  # of the delivered orders
AT_LEAST = 8  # so the small shop shows every status too
RECENT = timedelta(days=20)
SETTLED = timedelta(
    days=25
)  # the exchange and store credit returns are about orders delivered before  # open returns are about orders delivered this recently
SMALL_AMOUNTS = {"EUR": (Decimal("4.90"), Decimal("25.00")), "GBP": (Decimal("3.95"), Decimal("20.00"))}
REASONS = (  # (code, weight)
    (Reason.CHANGED_MIND, 30),
    (Reason.NOT_AS_DESCRIBED, 18),
    (Reason.DAMAGED, 16),
    (Reason.TOO_BIG, 10),
    (Reason.TOO_SMALL, 8),
    (Reason.WRONG_ITEM, 8),
    (Reason.ARRIVED_LATE, 6),
    (Reason.OTHER, 4),
)
COMMENTS = {
    "fr": {
        Reason.DAMAGED: "Arrivé abîmé : le colis était écrasé.",
        Reason.NOT_AS_DESCRIBED: "La couleur est plus foncée que sur la photo.",
        Reason.OTHER: "Offert en double pour mon anniversaire.",
    },
    "en": {
        Reason.DAMAGED: "It arrived damaged: the box was crushed.",
        Reason.NOT_AS_DESCRIBED: "The colour is much darker than in the photos.",
        Reason.OTHER: "I was given the same one as a present.",
    },
}
REJECTION = {
    "fr": "L’article a servi et n’est plus dans son emballage : nous ne pouvons pas le reprendre.",
    "en": "The item has been used and is no longer in its packaging: we cannot take it back.",
}


@dataclass
class Plan:
    order: Order
    delivered_at: datetime
    outcome: str  # "requested", "approved", "received", "waiting" (for the refund), "closed", "rejected", "cancelled"


def seed_demo(context) -> None:
    merchant = context.merchant
    with merchant_scope(merchant):
        if ReturnPolicy.objects.filter(merchant=merchant).exists() or ReturnRequest.objects.exists():
            return  # set up by an earlier run, or by hand since: left as it is
        policy = _policy_switch_on(merchant)
        rng = context.rng("returns")
        staff = _staff_member(merchant)
        played = {}
        with events_recorded_as_history():
            for plan in _plans(rng, merchant, context.now):
                moments = _moments(rng, plan, context.now)
                request = _return_play(rng, plan, moments, policy=policy, staff=staff)
                if request is not None:
                    played[request.pk] = moments
            played |= _other_resolutions_play(rng, merchant, context.now, staff=staff, taken=_orders_of(played))
        _stamp(played)


def _policy_switch_on(merchant) -> ReturnPolicy:
    """What an admin saves in Settings → Returns, then the switch."""
    fee, keep_it_below = SMALL_AMOUNTS.get(merchant.currency, SMALL_AMOUNTS["EUR"])
    values = {
        "window_days": 30,
        "window_start": WindowStart.DELIVERY,
        "methods": [Method.SHIP_YOURSELF, Method.LABEL, Method.KEEP_IT],
        "keep_it_below": keep_it_below,
        "fee": fee,
        "resolutions": [Resolution.REFUND, Resolution.STORE_CREDIT, Resolution.EXCHANGE_VARIANT],
        "exchange_ships": ExchangeShips.RECEIVED,
        "return_address": f"{merchant.name}\nService retours\n12 rue des Ateliers\n69002 Lyon\nFrance"
        if merchant.default_language == "fr"
        else f"{merchant.name}\nReturns\nUnit 4, Kiln Yard\nStoke-on-Trent ST1 3AB\nUnited Kingdom",
    }
    return_policy_save(merchant=merchant, values=values)
    return return_policy_switch(merchant=merchant, enabled=True)


def _staff_member(merchant):
    """Who approves and refunds: the shop's agent if it has one, else its owner."""
    memberships = Membership.objects.filter(merchant=merchant).select_related("user")
    chosen = memberships.filter(role=Role.AGENT).first() or memberships.filter(role=Role.OWNER).first()
    return chosen.user if chosen else None


def _plans(rng: Random, merchant, now: datetime) -> list[Plan]:
    """Which delivered orders come back, and how far each return got: the newest are still open."""
    delivered = _delivered_orders(merchant, now)
    count = min(len(delivered), max(AT_LEAST, round(len(delivered) * SHARE)))
    opened = ["requested", "requested", "approved", "received", "waiting"]
    opened += ["requested", "approved", "received"] * (count // 30) + ["waiting"] * (count >= 30)
    opened = opened[: max(count - 3, 0)]
    # Open returns are about the last weeks' deliveries; a small shop's newest, however old.
    recent = [row for row in delivered if row[1] > now - RECENT]
    if len(recent) < len(opened):
        recent = delivered[len(delivered) - len(opened) :]
    older = delivered[: len(delivered) - len(recent)]
    chosen_recent = sorted(rng.sample(recent, len(opened)), key=lambda row: row[1])
    chosen_older = sorted(rng.sample(older, min(len(older), count - len(opened))), key=lambda row: row[1])
    closed = (["rejected", "cancelled"] + ["closed"] * len(chosen_older))[: len(chosen_older)]
    rng.shuffle(closed)
    rng.shuffle(opened)
    rows = list(zip(chosen_older + chosen_recent, closed + opened, strict=True))
    orders = Order.objects.filter(pk__in=[order_id for (order_id, _), _ in rows]).prefetch_related("line_items")
    orders = {order.pk: order for order in orders}
    for order in orders.values():
        order.merchant = merchant  # the services read it from each order: one shop, no query each
    return [Plan(orders[order_id], delivered_at, outcome) for (order_id, delivered_at), outcome in rows]


def _delivered_orders(merchant, now: datetime) -> list[tuple[int, datetime]]:
    """Paid orders delivered at least two days ago (id, delivery), oldest delivery first (one query)."""
    shipments = Shipment.objects.filter(
        order__in=Order.objects.filter(
            # Paid in full and never refunded: every line can come back, so each planned return is made.
            merchant=merchant,
            financial_status=FinancialStatus.PAID,
            cancelled_at__isnull=True,
        ),
        delivered_at__lte=now - timedelta(days=2),
    )
    later = Shipment.objects.filter(order=OuterRef("order"), delivered_at__gt=OuterRef("delivered_at"))
    rows = shipments.exclude(Exists(later)).order_by("delivered_at", "pk")
    return list(rows.values_list("order_id", "delivered_at"))


def _return_play(rng: Random, plan: Plan, moments: dict, *, policy, staff) -> ReturnRequest | None:
    request = _request(rng, plan, moments["requested"], policy)
    if request is None:
        return None
    if plan.outcome == "cancelled":
        return_cancel(request=request)
    elif plan.outcome == "rejected":
        return_reject(request=request, reason=REJECTION[_language(request)], by=staff)
    elif plan.outcome != "requested":
        _approve_and_on(rng, request, plan.outcome, staff=staff)
    return request


def _approve_and_on(rng: Random, request: ReturnRequest, outcome: str, *, staff) -> None:
    request = return_approve(request=request, by=staff)
    if outcome == "approved":
        return
    if request.method != Method.KEEP_IT:
        inspections = {pk: _inspection(rng) for pk in request.items.values_list("pk", flat=True)}
        request = return_receive(request=request, inspections=inspections, by=staff)
    if outcome == "received":
        return
    if request.status not in (ReturnStatus.RESOLVED, ReturnStatus.CLOSED):  # a kept item's was, when approved
        request = return_resolve(request=request, by=staff)
    action = request.refund_action
    if action is None:  # nothing to refund: closed already
        return
    # The worker's attempt: the demo's orders are refunded by hand, so the action waits for staff.
    action = shop_action_perform(action_id=action.pk, claim_token=action.claim_token)
    if outcome == "closed":
        reference = {"reference": f"#{rng.randint(100_000, 999_999)}", "confirmed_by_staff": True}
        shop_action_confirm(action=action, result=reference, confirmed_by=staff)


def _orders_of(played: dict) -> set[int]:
    return set(ReturnRequest.objects.filter(pk__in=played).values_list("order_id", flat=True))


def _other_resolutions_play(rng: Random, merchant, now: datetime, *, staff, taken: set[int]) -> dict:
    """An exchange for another variant (its order made by the shop) and a return paid in store credit,
    both closed, on the newest orders delivered weeks ago (each step has its day) of customers with an
    account that no return took."""
    played = {}
    for order_id, delivered_at in reversed(_delivered_orders(merchant, now - SETTLED)):
        if len(played) == 2:
            break
        order = Order.objects.filter(pk=order_id, customer__isnull=False).prefetch_related("line_items").first()
        if order is None or order_id in taken:
            continue
        order.merchant = merchant
        plan = Plan(order, delivered_at, "closed")
        moments = _moments(rng, plan, now)
        wanted = Resolution.STORE_CREDIT if played else Resolution.EXCHANGE_VARIANT
        request = _other_resolution_play(order, moments, wanted, staff=staff)
        if request is not None:
            played[request.pk] = moments
    return played


def _other_resolution_play(order: Order, moments: dict, resolution: str, *, staff) -> ReturnRequest | None:
    item = _exchange_item(order) if resolution == Resolution.EXCHANGE_VARIANT else _credit_item(order)
    if item is None:
        return None
    key = f"demo:{order.external_id}:{resolution}"
    try:
        request = return_request_create(
            order=order,
            items=[item],
            method=Method.SHIP_YOURSELF,
            resolution=resolution,
            submission_key=key,
            now=moments["requested"],
        )
    except ReturnValidationError:
        return None
    request = return_approve(request=request, by=staff)
    inspections = {pk: Inspection.AS_EXPECTED for pk in request.items.values_list("pk", flat=True)}
    request = return_receive(request=request, inspections=inspections, by=staff)
    if resolution == Resolution.EXCHANGE_VARIANT:
        _exchange_order_made(request, at=moments["received"] + timedelta(hours=1))
    return return_resolve(request=request, by=staff)


def _exchange_item(order: Order) -> ItemInput | None:
    """A line with another variant of its product in stock at the same price or less (the demo's policy
    offers no dearer one)."""
    policy = policy_for(order.merchant)
    for line in order.line_items.all():
        offered = [option for option in exchange_options(line, order.currency, policy) if option.offered()]
        if offered and line.quantity > line.quantity_refunded:
            reason = Reason.TOO_SMALL if line.variant_title else Reason.CHANGED_MIND
            return ItemInput(line_item_id=line.pk, quantity=1, reason=reason, exchange_variant_id=offered[0].variant.pk)
    return None


def _credit_item(order: Order) -> ItemInput | None:
    lines = [line for line in order.line_items.all() if line.quantity > line.quantity_refunded]
    return ItemInput(line_item_id=lines[0].pk, quantity=1, reason=Reason.CHANGED_MIND) if lines else None


def _exchange_order_made(request: ReturnRequest, *, at: datetime) -> None:
    """The shop made the exchange order by hand (the demo's shop has no adapter): its order comes in, and
    staff confirm the action with it."""
    item = request.items.select_related("line_item", "exchange_variant").get()
    line, variant = item.line_item, item.exchange_variant
    line.variant_id, line.variant_title, line.sku = variant.variant_id, variant.title, variant.sku
    later = LaterOrder(
        external_id=f"{request.order.external_id}-exchange",
        like=request.order,
        placed_at=at,
        exchange_for_rma=request.rma,
        lines=[line],
    )
    (order,) = later_orders_write(request.merchant, [later])
    action = shop_action_perform(action_id=request.exchange_action_id, claim_token=request.exchange_action.claim_token)
    if action.status == ShopActionStatus.WAITING_FOR_STAFF:
        result = {"order_name": order.number, "order_external_id": order.external_id, "confirmed_by_staff": True}
        shop_action_confirm(action=action, result=result)


def _inspection(rng: Random) -> str:
    return rng.choices((Inspection.AS_EXPECTED, Inspection.DAMAGED), weights=(9, 1))[0]


def _request(rng: Random, plan: Plan, at: datetime, policy) -> ReturnRequest | None:
    """The customer's request, as the portal would send it: one or two items, a reason, a method.

    The service checks again that every item may be returned (the window, the rules).
    """
    order = plan.order
    lines = [line for line in order.line_items.all() if line.quantity > line.quantity_refunded]
    if not lines:
        return None
    picked = rng.sample(lines, 2 if len(lines) > 2 and rng.random() < 0.2 else 1)
    items = [_item(rng, line, order.language) for line in picked]
    amount = sum((line.unit_price for line in picked), Decimal(0))  # at most what the service counts
    # An "approved" return waits for its parcel: never keep-it (resolved at once) nor a label to buy.
    method = Method.SHIP_YOURSELF if plan.outcome == "approved" else _method(rng, policy, amount)
    key = f"demo:{order.external_id}"
    try:
        return return_request_create(order=order, items=items, method=method, submission_key=key, now=at)
    except ReturnValidationError:  # refused as a customer would be (a rule, a limit): that order is not returned
        return None


def _item(rng: Random, line, language: str) -> ItemInput:
    reason = rng.choices([code for code, _ in REASONS], weights=[weight for _, weight in REASONS])[0]
    comments = COMMENTS["fr" if language == "fr" else "en"]
    comment = comments.get(reason, "") if reason == Reason.OTHER or rng.random() < 0.4 else ""
    return ItemInput(line_item_id=line.pk, quantity=1, reason=reason, comment=comment)


def _method(rng: Random, policy, amount: Decimal) -> str:
    if amount < policy.keep_it_below and rng.random() < 0.5:
        return Method.KEEP_IT
    return Method.LABEL if rng.random() < 0.35 else Method.SHIP_YOURSELF


def _language(request: ReturnRequest) -> str:
    return "fr" if request.merchant.default_language == "fr" else "en"


STEPS = (("approved", 3, 30), ("received", 72, 160), ("resolved", 1, 20), ("closed", 12, 50))  # hours after
LAST_STEP = {"requested": 0, "approved": 1, "rejected": 1, "cancelled": 1, "received": 2, "waiting": 3, "closed": 4}


def _moments(rng: Random, plan: Plan, now: datetime) -> dict[str, datetime]:
    """When each move happened: asked a few days after delivery, each step hours or days later.

    A recent return's steps are drawn closer together so that the last one it made happened before now.
    """
    latest = now - timedelta(hours=2)
    at = min(plan.delivered_at + timedelta(days=rng.randint(2, 9), minutes=rng.randint(0, 600)), latest)
    gaps = [timedelta(hours=rng.randint(low, high)) for _status, low, high in STEPS]
    needed = sum(gaps[: LAST_STEP[plan.outcome]], timedelta(0))
    if needed > latest - at:
        gaps = [gap * ((latest - at) / needed) for gap in gaps]
    moments = {"requested": at}
    for (status, _low, _high), gap in zip(STEPS, gaps, strict=True):
        at += gap
        moments[status] = at
    moments["rejected"] = moments["cancelled"] = moments["approved"]
    return moments


EXCHANGE_MOMENTS = {"exchange.confirmed": "requested", "exchange.created": "received"}
EVENT_MOMENTS = {"order.refunded": "closed", **EXCHANGE_MOMENTS}


def _stamp(played: dict[int, dict[str, datetime]]) -> None:
    """Put each move the services stamped with today's time back where it happened (a few bulk updates)."""
    requests = list(
        ReturnRequest.objects.filter(pk__in=played).select_related("refund_action", "refund", "credit_entry")
    )
    every_note = list(ReturnNote.objects.filter(request_id__in=played).order_by("request_id", "pk"))
    for note in every_note:  # a note without a status (an exchange's) was written with the move before it
        if note.status:
            at = played[note.request_id][note.status]
        note.created_at = at
    ReturnNote.objects.bulk_update(every_note, ["created_at"], batch_size=500)
    notes = [note for note in every_note if note.status]
    by_order = {request.order_id: played[request.pk] for request in requests}
    events = list(OrderEvent.objects.filter(order_id__in=by_order, kind__startswith="return."))
    events += OrderEvent.objects.filter(order_id__in=by_order, kind__in=EXCHANGE_MOMENTS)
    refund_ids = {request.refund_id: played[request.pk]["closed"] for request in requests if request.refund_id}
    events += OrderEvent.objects.filter(order_id__in=by_order, kind="order.refunded", payload__refund_id__in=refund_ids)
    for event in events:
        status = EVENT_MOMENTS.get(event.kind) or event.kind.removeprefix("return.")
        event.occurred_at = by_order[event.order_id][status]
    OrderEvent.objects.bulk_update(events, ["occurred_at"], batch_size=500)
    for request in requests:
        request.updated_at = max(note.created_at for note in notes if note.request_id == request.pk)
    ReturnRequest.objects.bulk_update(requests, ["updated_at"], batch_size=500)
    actions, refunds, credits = [], [], []
    for request in requests:
        moments = played[request.pk]
        if request.credit_entry is not None:
            request.credit_entry.created_at = moments["closed"]
            credits.append(request.credit_entry)
        if request.refund_action is not None:
            action = request.refund_action
            action.created_at = action.last_attempt_at = moments["resolved"]
            action.completed_at = moments["closed"] if request.refund_id else None
            actions.append(action)
        if request.refund is not None:
            request.refund.refunded_at = moments["closed"]
            refunds.append(request.refund)
    ShopAction.objects.bulk_update(actions, ["created_at", "last_attempt_at", "completed_at"], batch_size=500)
    Refund.objects.bulk_update(refunds, ["refunded_at"], batch_size=500)
    CreditEntry.objects.bulk_update(credits, ["created_at"], batch_size=500)
