"""Every write to loyalty points.

Each function records at most one entry, in a transaction holding the customer's account row lock
(`select_for_update`) while it reads the balances and writes the entry and the new balances: two
concurrent writes are serialised and the second sees what the first left. An entry's key, derived
from what caused it (an order's placement, its nth restoration, a refund id, a form shown once),
is unique per merchant: the same key returns the entry made first and changes nothing.

The available balance never goes below zero: a reversal takes pending points of the order first,
then available points, and records the rest as debt, which points becoming available later pay off.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.scoping import merchant_scope, unscoped
from orders.events import event_record
from orders.models import Order, OrderEvent, Refund

from . import returned
from .errors import LoyaltyValidationError, PointsKeyConflictError
from .models import Account, EntryKind, LoyaltySettings, PointsEntry, Source
from .payloads import entry_data
from .tier_rates import member_earns, purchase_points_multiplied

__all__ = [
    "points_earn_for_order",
    "points_cancel_for_order",
    "points_reverse_for_refund",
    "points_reverse_for_return",
    "points_take_back",
    "points_mature_due",
    "points_adjust",
    "points_grant",
    "points_spend",
    "loyalty_settings_update",
    "order_points",
]

KEY_LENGTH = 200
NOTE_LENGTH = 500
MAX_ADJUSTMENT = 1_000_000  # points: far above any real correction
GIFT_CARD_GATEWAY = "gift_card"


@dataclass(frozen=True)
class Moves:
    pending: int = 0
    available: int = 0
    debt: int = 0


@dataclass(frozen=True)
class Asked:
    kind: str
    source: str
    key: str
    # Given the locked account, the moves to record (None: nothing to record).
    moves: Callable[[Account], Moves | None]
    order: Order | None = None
    earning: PointsEntry | None = None
    available_on: datetime | None = None
    note: str = ""
    created_by: object = None
    event: str = ""
    points: int | None = None  # an adjustment's asked points, checked on a repeated key


# --- The one writer ----------------------------------------------------------------------------------


def _by_key(merchant, key: str) -> PointsEntry | None:
    return PointsEntry.objects.select_related("account").filter(merchant=merchant, key=key).first()


def _same_entry(existing: PointsEntry, *, customer_id: int, asked: Asked) -> PointsEntry:
    same = existing.kind == asked.kind and existing.account.customer_id == customer_id
    if same and asked.points is not None:
        same = existing.points == asked.points
    if not same:
        raise PointsKeyConflictError(
            _("The key “%(key)s” was already used for another entry (%(kind)s %(points)s).")
            % {"key": existing.key, "kind": existing.kind, "points": existing.points}
        )
    return existing


def _account_locked(merchant, customer) -> Account:
    accounts = Account.objects.select_for_update().filter(merchant=merchant, customer=customer)
    account = accounts.first()
    while account is None:
        try:
            with transaction.atomic():  # a savepoint: a lost race to make the account is retried
                Account.objects.create(merchant=merchant, customer=customer)
        except IntegrityError:
            pass
        account = accounts.first()
    return account


def _record(*, merchant, customer, asked: Asked) -> PointsEntry | None:
    """Write `asked` into the customer's account under its lock: the one place entries are made."""
    with transaction.atomic(), merchant_scope(merchant):
        existing = _by_key(merchant, asked.key)
        if existing is not None:
            return _same_entry(existing, customer_id=customer.pk, asked=asked)
        account = _account_locked(merchant, customer)
        existing = _by_key(merchant, asked.key)  # a call with the same key finished while we waited
        if existing is not None:
            return _same_entry(existing, customer_id=customer.pk, asked=asked)
        moves = asked.moves(account)
        if moves is None or moves == Moves():
            return None
        entry = _entry_write(account, asked, moves)
        if asked.event:
            event_record(
                merchant=merchant,
                kind=asked.event,
                customer=customer,
                anchor_key=f"loyalty:{entry.pk}",
                payload=entry_data(entry),
            )
        return entry


def _entry_write(account: Account, asked: Asked, moves: Moves) -> PointsEntry:
    entry = entry_build(account, asked, moves)
    entry.save(force_insert=True)
    account.save(update_fields=["pending", "available", "debt", "updated_at"])
    entry.account = account
    return entry


def entry_build(account: Account, asked: Asked, moves: Moves) -> PointsEntry:
    """The entry recording `moves` (unsaved), applied to the account's balances in memory."""
    account.pending += moves.pending
    account.available += moves.available
    account.debt += moves.debt
    return PointsEntry(
        merchant_id=account.merchant_id,
        account=account,
        kind=asked.kind,
        source=asked.source,
        pending=moves.pending,
        available=moves.available,
        debt=moves.debt,
        pending_after=account.pending,
        available_after=account.available,
        debt_after=account.debt,
        order=asked.order,
        order_number=asked.order.number if asked.order else "",
        earning=asked.earning,
        key=asked.key,
        available_on=asked.available_on,
        note=asked.note,
        created_by=asked.created_by,
    )


def _gain(account: Account, points: int, *, pending: int = 0) -> Moves:
    """`points` becoming available: the debt is paid off first."""
    settled = min(account.debt, points)
    return Moves(pending=pending, available=points - settled, debt=-settled)


# --- Earning ------------------------------------------------------------------------------------------


def loyalty_settings(merchant) -> LoyaltySettings:
    """The shop's settings, or the defaults (unsaved, program off) when it never changed them."""
    with merchant_scope(merchant):
        found = LoyaltySettings.objects.filter(merchant=merchant).first()
    return found or LoyaltySettings(merchant=merchant)


def order_points(order: Order, program: LoyaltySettings) -> int:
    """The points an order earns: on what was paid, in whole points, rounded down.

    Nothing for an order paid (even partly) with a gift card or store credit through the shop's gift
    card gateway: the shop reports no amount per gateway, so the part paid with it is unknown.
    """
    if GIFT_CARD_GATEWAY in (order.payment_gateways or []):
        return 0
    base = order.subtotal
    if program.deduct_discounts:
        base -= order.discount
    if program.include_shipping:
        base += order.shipping
    if program.include_tax:
        base += order.tax
    points = (max(base, Decimal(0)) * program.points_per_unit).to_integral_value(rounding=ROUND_FLOOR)
    return int(points)


def _earns(order: Order) -> bool:
    return order.customer_id is not None and not order.test and not order.exchange_for_rma


def _current_earning(order: Order) -> PointsEntry | None:
    """The order's latest earning, unless its order was cancelled since."""
    earning = PointsEntry.objects.filter(order=order, kind=EntryKind.EARNED).order_by("-id").first()
    if earning is None or PointsEntry.objects.filter(earning=earning, kind=EntryKind.CANCELLED).exists():
        return None
    return earning


def order_earning_key(order_id: int, restoration: int = 0) -> str:
    """The key of an order's earning: its placement, or its nth restoration (the back-fill uses it too)."""
    return f"order:{order_id}:placed" if not restoration else f"order:{order_id}:restored:{restoration}"


def earning_available_on(order: Order, program: LoyaltySettings, *, restoration: int = 0, now: datetime):
    """When an order's points become spendable; None: at once.

    The days count from the placement, again from a restoration; an order reported after they
    passed (a late webhook, an import, a back-fill) earns available points at once.
    """
    counted_from = now if restoration else order.placed_at
    available_on = counted_from + timedelta(days=program.pending_days)
    return None if available_on <= now else available_on


def points_earn_for_order(*, order: Order, restoration: int = 0) -> PointsEntry | None:
    """Award the order's points (pending, or available at once when the shop chose so).

    `restoration` is 0 for the order's placement and n for its nth restoration after a
    cancellation: each earns once, whatever the number of deliveries.
    """
    merchant = order.merchant
    program = loyalty_settings(merchant)
    if not program.enabled or not _earns(order) or order.cancelled_at is not None:
        return None
    if not member_earns(merchant, order.customer_id):  # the shop counts only customers who opened their page
        return None
    points = purchase_points_multiplied(order, order_points(order, program))
    if points <= 0:
        return None
    available_on = earning_available_on(order, program, restoration=restoration, now=timezone.now())
    at_once = available_on is None
    asked = Asked(
        kind=EntryKind.EARNED,
        source=Source.ORDER,
        key=order_earning_key(order.pk, restoration),
        moves=lambda account: _gain(account, points) if at_once else Moves(pending=points),
        order=order,
        available_on=available_on,
        event="loyalty.points_earned",
    )
    return _record(merchant=merchant, customer=order.customer, asked=asked)


def _pending_left(earning: PointsEntry) -> int:
    moved = PointsEntry.objects.filter(earning=earning).aggregate(total=Sum("pending"))["total"] or 0
    return earning.pending + moved


def points_cancel_for_order(*, order: Order) -> PointsEntry | None:
    """A cancelled order loses the points of it still pending (points already spendable stay)."""
    with merchant_scope(order.merchant):
        earning = _current_earning(order) if order.customer_id else None
    if earning is None:
        return None
    asked = Asked(
        kind=EntryKind.CANCELLED,
        source=Source.ORDER,
        key=f"cancel:{earning.pk}",
        moves=lambda account: Moves(pending=-_pending_left(earning)),
        order=order,
        earning=earning,
        event="loyalty.points_reversed",
    )
    return _record(merchant=order.merchant, customer=order.customer, asked=asked)


def reversal_moves(account: Account, pending_left: int, points: int) -> Moves:
    """Take `points` back: the earning's pending points first, then available ones, the rest as debt."""
    from_pending = min(points, pending_left)
    from_available = min(points - from_pending, account.available)
    return Moves(pending=-from_pending, available=-from_available, debt=points - from_pending - from_available)


def share_points(earned: int, amount: Decimal, total: Decimal) -> int:
    """The points of `amount` out of the order's `total`, rounded half up, never above what was earned."""
    share = min(amount / total, Decimal(1))
    return int((earned * share).to_integral_value(rounding=ROUND_HALF_UP))


def _reversed_so_far(earning: PointsEntry) -> int:
    moves = PointsEntry.objects.filter(earning=earning, kind=EntryKind.REVERSED).aggregate(
        pending=Sum("pending"), available=Sum("available"), debt=Sum("debt")
    )
    return -(moves["pending"] or 0) - (moves["available"] or 0) + (moves["debt"] or 0)


def _earned(earning: PointsEntry) -> int:
    """What an earning gave, debt paid off included."""
    return earning.pending + earning.available - earning.debt


def _taken_back(entry: PointsEntry) -> int:
    return -entry.pending - entry.available + entry.debt


def _taken_back_by(order: Order, keys: list[str]) -> int:
    """The points the entries of `keys` took back."""
    return sum(_taken_back(entry) for entry in PointsEntry.objects.filter(merchant=order.merchant, key__in=keys))


def _reversal_of(earning: PointsEntry, *, source: str, key: str, order: Order | None, points_of) -> Asked:
    """Take back `points_of(earning)`, read under the account's lock, never more than the earning has left."""

    def moves(account: Account) -> Moves | None:
        points = min(points_of(earning), _earned(earning) - _reversed_so_far(earning))
        return reversal_moves(account, _pending_left(earning), points) if points > 0 else None

    return Asked(
        kind=EntryKind.REVERSED,
        source=source,
        key=key,
        moves=moves,
        order=order,
        earning=earning,
        event="loyalty.points_reversed",
    )


def _reversal_asked(order: Order, *, source: str, key: str, points_of) -> Asked | None:
    """A reversal of the order's current earning (None: the order earned nothing to take back)."""
    with merchant_scope(order.merchant):
        earning = _current_earning(order) if order.customer_id else None
    if earning is None or order.total <= 0:
        return None
    return _reversal_of(earning, source=source, key=key, order=order, points_of=points_of)


def points_reverse_for_refund(*, refund: Refund) -> PointsEntry | None:
    """Take back the refunded share of the order's points, once per refund, less what the returns
    this refund pays for took back already (returned.py): a wider refund takes back the rest."""
    order = refund.order

    def points_of(earning: PointsEntry) -> int:
        keys = [returned.return_key(pk) for pk in returned.returns_paid_by(refund)]
        return share_points(_earned(earning), refund.amount, order.total) - _taken_back_by(order, keys)

    asked = _reversal_asked(order, source=Source.REFUND, key=returned.refund_key(refund.pk), points_of=points_of)
    return _record(merchant=order.merchant, customer=order.customer, asked=asked) if asked else None


def points_reverse_for_return(*, request) -> PointsEntry | None:
    """Take back the share of the order's points a resolved return gives back (returned.returned_value),
    once per return, less what the refunds paying for it took back already: in either order, the
    return and its refund take back the larger of their two shares."""
    order = request.order

    def points_of(earning: PointsEntry) -> int:
        keys = [returned.refund_key(pk) for pk in returned.refunds_paying_for(request)]
        return share_points(_earned(earning), returned.returned_value(request), order.total) - _taken_back_by(
            order, keys
        )

    asked = _reversal_asked(order, source=Source.RETURN, key=returned.return_key(request.pk), points_of=points_of)
    return _record(merchant=order.merchant, customer=order.customer, asked=asked) if asked else None


def points_take_back(*, earning: PointsEntry, key: str, order: Order | None = None) -> PointsEntry | None:
    """Take back all an earning has left (an order's bonus when the order is cancelled or all comes
    back): pending points first, then available ones, the rest as debt; once per `key`."""
    asked = _reversal_of(earning, source=earning.source, key=key, order=order, points_of=_earned)
    return _record(merchant=earning.merchant, customer=earning.account.customer, asked=asked)


# --- Pending → available --------------------------------------------------------------------------------


def points_mature_due(now: datetime | None = None) -> int:
    """Make pending points available once their day has come; returns the entries made."""
    now = now or timezone.now()
    with unscoped():
        due = list(
            PointsEntry.objects.filter(kind=EntryKind.EARNED, pending__gt=0, available_on__lte=now)
            .exclude(moves__kind=EntryKind.AVAILABLE)
            .select_related("merchant", "account__customer")
            .order_by("id")
        )
    made = 0
    for earning in due:
        asked = Asked(
            kind=EntryKind.AVAILABLE,
            source=Source.ORDER,
            key=f"mature:{earning.pk}",
            moves=lambda account, earning=earning: _mature_moves(account, earning),
            order=earning.order,
            earning=earning,
            event="loyalty.points_available",
        )
        made += _record(merchant=earning.merchant, customer=earning.account.customer, asked=asked) is not None
    return made


def _mature_moves(account: Account, earning: PointsEntry) -> Moves | None:
    left = _pending_left(earning)
    return _gain(account, left, pending=-left) if left > 0 else None


# --- Staff ------------------------------------------------------------------------------------------------


def _clean_points(points) -> int:
    try:
        value = int(str(points).strip())
    except (TypeError, ValueError):
        raise LoyaltyValidationError({"points": _("Give a whole number of points, such as 50 or -20.")}) from None
    if value == 0:
        raise LoyaltyValidationError({"points": _("The points must not be zero.")})
    if abs(value) > MAX_ADJUSTMENT:
        raise LoyaltyValidationError(
            {"points": _("At most %(max)s points at once.") % {"max": f"{MAX_ADJUSTMENT:,}".replace(",", " ")}}
        )
    return value


def _clean_text(value, *, field: str, length: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        messages = {"key": _("Give an idempotency key."), "reason": _("Say why: the reason is required.")}
        raise LoyaltyValidationError({field: messages[field]})
    if len(text) > length:
        raise LoyaltyValidationError({field: _("At most %(max)s characters.") % {"max": length}})
    return text


def points_adjust(*, merchant, customer, points, reason, key, by_user=None, source=Source.STAFF) -> PointsEntry:
    """Staff add or take away available points, saying why; never below zero."""
    if customer is None or customer.merchant_id != merchant.pk:
        raise LoyaltyValidationError({"customer": _("This customer belongs to another shop.")})
    points = _clean_points(points)
    note = _clean_text(reason, field="reason", length=NOTE_LENGTH)
    key = _clean_text(key, field="key", length=KEY_LENGTH)

    def moves(account: Account) -> Moves:
        if points > 0:
            return _gain(account, points)
        if account.available + points < 0:
            raise LoyaltyValidationError(
                {
                    "points": _("Only %(available)s points are available: %(asked)s is too many to take away.")
                    % {"available": account.available, "asked": -points}
                }
            )
        return Moves(available=points)

    asked = Asked(
        kind=EntryKind.ADJUSTED, source=source, key=key, moves=moves, note=note, created_by=by_user, points=points
    )
    return _record(merchant=merchant, customer=customer, asked=asked)


# --- Other earnings and spending (reviews, referrals, birthdays, bonuses, rewards) ----------------------------


def points_grant(
    *, merchant, customer, points: int, source: str, key: str, note: str = "", order=None, pending_until=None
) -> PointsEntry | None:
    """Award `points` for something other than an order's amount, once per `key`.

    Available at once (paying off debt first), or pending until `pending_until` when given (the
    hourly maturing makes them available then). Returns None when there is nothing to award.
    """
    if points <= 0 or not member_earns(merchant, customer.pk):
        return None
    pending = pending_until is not None and pending_until > timezone.now()
    asked = Asked(
        kind=EntryKind.EARNED,
        source=source,
        key=key,
        moves=lambda account: Moves(pending=points) if pending else _gain(account, points),
        order=order,
        available_on=pending_until if pending else None,
        note=note,
        event="loyalty.points_earned",
    )
    return _record(merchant=merchant, customer=customer, asked=asked)


def points_spend(*, merchant, customer, points: int, source: str, key: str, note: str = "") -> PointsEntry:
    """Take `points` of the available balance, once per `key`; refuses more than the customer has.

    Serialised per account by `_record`'s row lock: concurrent spends never overdraw it.
    """
    if points <= 0:
        raise LoyaltyValidationError({"points": _("The points must be more than zero.")})

    def moves(account: Account) -> Moves:
        if account.available < points:
            raise LoyaltyValidationError(
                {
                    "points": _("Only %(available)s points are available: %(asked)s is too many.")
                    % {"available": account.available, "asked": points}
                }
            )
        return Moves(available=-points)

    asked = Asked(kind=EntryKind.REDEEMED, source=source, key=key, moves=moves, note=note, points=-points)
    return _record(merchant=merchant, customer=customer, asked=asked)


# --- Settings ---------------------------------------------------------------------------------------------


def loyalty_settings_update(*, merchant, **values) -> LoyaltySettings:
    """Save the program (the form checks the values' ranges)."""
    with transaction.atomic(), merchant_scope(merchant):
        program, _created = LoyaltySettings.objects.update_or_create(merchant=merchant, defaults=values)
    return program


# --- Order events (subscriber) ------------------------------------------------------------------------------


def restoration_number(event: OrderEvent) -> int:
    """1 for the order's first restoration, n for its nth: the same for every delivery of one event."""
    return OrderEvent.objects.filter(order_id=event.order_id, kind="order.restored", pk__lte=event.pk).count()


def points_withdraw_pending(*, earning: PointsEntry, key: str, note: str = "") -> PointsEntry | None:
    """Take back what is still pending of a granted earning (a referral whose order came back), once per `key`.

    Points that already became available stay: the cause was honoured when they matured.
    """
    asked = Asked(
        kind=EntryKind.CANCELLED,
        source=earning.source,
        key=key,
        moves=lambda account: Moves(pending=-left) if (left := _pending_left(earning)) > 0 else None,
        earning=earning,
        note=note,
        event="loyalty.points_reversed",
    )
    return _record(merchant=earning.merchant, customer=earning.account.customer, asked=asked)
