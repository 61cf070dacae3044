"""Back-fill: a shop switching the program on awards points for the orders it took before.

Each past order earns what live earning would have given it (services.order_points, the tier
multiplier, the members-only rule, the pending days counted from the placement), under the same key
(`order:<id>:placed`), and each of its refunds takes back its share under the refund's own key
(`refund:<id>`): running the back-fill twice adds nothing, and a late or redelivered webhook of the
same order or refund finds its entry already made.

In bulk: the orders read once, by customer; per batch of customers (about BATCH_SIZE orders), one query each for the members-only rule, the tiers, the refunds and
the keys already taken, the accounts locked together (`SELECT … FOR UPDATE`, in id order, as live
earning locks them one at a time), the entries written by one `INSERT` and the balances by one
`UPDATE`. No event is recorded and no email sent: customers are not told about points for orders of
months ago one by one (their loyalty page shows them).
"""

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal

import psycopg
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from core.scoping import merchant_scope
from orders.models import Order, Refund

from .errors import LoyaltyValidationError
from .models import Account, EntryKind, LoyaltySettings, PointsEntry, Source
from .services import (
    Moves,
    _gain,
    earning_available_on,
    loyalty_settings,
    order_earning_key,
    order_points,
    refund_points,
    reversal_moves,
)
from .tier_rates import current_terms, members_earning, points_times_term

BATCH_SIZE = 2000


@dataclass(frozen=True, slots=True)
class PastOrder:
    """What earning reads of an order (services.order_points, earning_available_on), without a model
    instance per order: the back-fill reads a hundred thousand of them."""

    pk: int
    customer_id: int
    number: str
    placed_at: datetime
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    payment_gateways: list


ORDER_FIELDS = [field.name for field in fields(PastOrder)]


@dataclass(slots=True)
class EntryRow:
    """A ledger entry to insert: PointsEntry's columns by their attribute names (see _entries_insert)."""

    merchant_id: int
    account_id: int
    kind: str
    source: str
    pending: int
    available: int
    debt: int
    pending_after: int
    available_after: int
    debt_after: int
    order_id: int
    order_number: str
    key: str
    available_on: datetime | None = None
    earning_id: int | None = None
    note: str = ""
    created_by_id: int | None = None
    created_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class Planned:
    order: PastOrder
    points: int
    available_on: datetime | None


def backfill_orders(merchant, since: datetime | None = None):
    """The shop's past orders that earn and earned nothing yet (live earning's rules, in SQL)."""
    earned = PointsEntry.objects.filter(order=OuterRef("pk"), kind=EntryKind.EARNED, source=Source.ORDER)
    orders = Order.objects.filter(
        merchant=merchant, customer__isnull=False, test=False, exchange_for_rma="", cancelled_at__isnull=True
    ).exclude(Exists(earned))
    if since is not None:
        orders = orders.filter(placed_at__gte=since)
    return orders.order_by("pk")


def points_backfill(*, merchant, since: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Award points for the shop's past orders (placed since `since`, or all); returns the entries made.

    The orders are read once, by customer (a server-side cursor, `batch_size` rows at a time), and
    awarded in batches of whole customers, about `batch_size` orders each: each account is locked,
    created and written once however many orders its customer placed.
    """
    program = loyalty_settings(merchant)
    if not program.enabled:
        raise LoyaltyValidationError({"enabled": _("Switch the program on before awarding points for past orders.")})
    made = 0
    with merchant_scope(merchant):
        for orders in _customer_batches(merchant, since, batch_size):
            made += _batch_award(merchant, program, orders)
    return made


def _customer_batches(merchant, since: datetime | None, batch_size: int):
    """The orders to award, in lists of whole customers of about `batch_size` orders."""
    rows = backfill_orders(merchant, since).order_by("customer_id", "pk").values_list(*ORDER_FIELDS)
    batch: list[PastOrder] = []
    for row in rows.iterator(chunk_size=batch_size):
        order = PastOrder(*row)
        if len(batch) >= batch_size and order.customer_id != batch[-1].customer_id:
            yield batch
            batch = []
        batch.append(order)
    if batch:
        yield batch


def _plan(merchant, program: LoyaltySettings, orders: list[PastOrder], now: datetime) -> list[Planned]:
    customer_ids = {order.customer_id for order in orders}
    earning = members_earning(merchant, customer_ids)
    terms = current_terms(merchant, earning) if earning else {}
    planned = []
    for order in orders:
        if order.customer_id not in earning:
            continue
        points = points_times_term(order_points(order, program), terms.get(order.customer_id))
        if points > 0:
            planned.append(Planned(order, points, earning_available_on(order, program, now=now)))
    return planned


def _accounts_locked(merchant, customer_ids: set[int]) -> dict[int, Account]:
    Account.objects.bulk_create(
        [Account(merchant=merchant, customer_id=customer_id) for customer_id in customer_ids], ignore_conflicts=True
    )
    locked = Account.objects.select_for_update().filter(merchant=merchant, customer_id__in=customer_ids)
    return {account.customer_id: account for account in locked.order_by("pk")}


def _batch_award(merchant, program: LoyaltySettings, orders: list[PastOrder]) -> int:
    now = timezone.now()
    planned = _plan(merchant, program, orders, now)
    if not planned:
        return 0
    with transaction.atomic(), merchant_scope(merchant):
        accounts = _accounts_locked(merchant, {plan.order.customer_id for plan in planned})
        keys = [order_earning_key(plan.order.pk) for plan in planned]
        taken = set(PointsEntry.objects.filter(merchant=merchant, key__in=keys).values_list("key", flat=True))
        earnings = [
            _earning(accounts[plan.order.customer_id], plan)
            for plan in planned
            if order_earning_key(plan.order.pk) not in taken  # earned live while this batch was read
        ]
        _entries_insert(earnings, now)
        orders_by_id = {plan.order.pk: plan.order for plan in planned}
        reversals = _reversals(merchant, accounts, orders_by_id, earnings)
        _entries_insert(reversals, now)
        _balances_write([accounts[plan.order.customer_id] for plan in planned], now)
    return len(earnings) + len(reversals)


def _bound_cursor():
    """A cursor binding its parameters on the server: the arrays travel as values, not as SQL text
    Django's client-side binding would build and PostgreSQL parse."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _entries_insert(entries: list[EntryRow], now: datetime) -> None:
    """Insert the entries and set their ids: one INSERT from arrays (a column each) on PostgreSQL.

    Model instances and `bulk_create` took most of the back-fill's time preparing each value of each
    row in Python (docs/performance.md, bench/loyalty_ledger.py); the arrays go to the driver whole.
    """
    for entry in entries:
        entry.created_at = now
    if not entries:
        return
    if connection.vendor != "postgresql":
        made = PointsEntry.objects.bulk_create([PointsEntry(**_columns(entry)) for entry in entries])
        for entry, saved in zip(entries, made, strict=True):
            entry.id = saved.pk
        return
    columns = [field for field in PointsEntry._meta.concrete_fields if not field.primary_key]
    names = ", ".join(connection.ops.quote_name(field.column) for field in columns)
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in columns)
    values = [[getattr(entry, field.attname) for entry in entries] for field in columns]
    table = PointsEntry._meta.db_table
    with _bound_cursor() as cursor:
        sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) RETURNING key, id"  # noqa: S608 - the model's own names
        cursor.execute(sql, values)
        ids = dict(cursor.fetchall())
    for entry in entries:
        entry.id = ids[entry.key]


def _columns(entry: EntryRow) -> dict:
    return {field.name: getattr(entry, field.name) for field in fields(EntryRow) if field.name != "id"}


def _row(account: Account, *, kind: str, source: str, key: str, moves: Moves, order: PastOrder, **extra) -> EntryRow:
    """The entry recording `moves`, applied to the account's balances in memory (as services.entry_build)."""
    account.pending += moves.pending
    account.available += moves.available
    account.debt += moves.debt
    return EntryRow(
        merchant_id=account.merchant_id,
        account_id=account.pk,
        kind=kind,
        source=source,
        pending=moves.pending,
        available=moves.available,
        debt=moves.debt,
        pending_after=account.pending,
        available_after=account.available,
        debt_after=account.debt,
        order_id=order.pk,
        order_number=order.number,
        key=key,
        **extra,
    )


BALANCES_WRITE = """
UPDATE loyalty_account a SET pending = v.pending, available = v.available, debt = v.debt, updated_at = %s
FROM unnest(%s::bigint[], %s::int[], %s::int[], %s::int[]) AS v(id, pending, available, debt)
WHERE a.id = v.id
"""


def _balances_write(accounts: list[Account], now: datetime) -> None:
    """The accounts' new balances in one UPDATE (Django's bulk_update builds a CASE per row and field:
    on PostgreSQL, arrays are much cheaper to send and to plan)."""
    accounts = list({account.pk: account for account in accounts}.values())
    for account in accounts:
        account.updated_at = now
    if connection.vendor != "postgresql":
        Account.objects.bulk_update(accounts, ["pending", "available", "debt", "updated_at"])
        return
    columns = [[getattr(account, name) for account in accounts] for name in ("pk", "pending", "available", "debt")]
    with _bound_cursor() as cursor:
        cursor.execute(BALANCES_WRITE, [now, *columns])


def _earning(account: Account, plan: Planned) -> EntryRow:
    at_once = plan.available_on is None
    return _row(
        account,
        kind=EntryKind.EARNED,
        source=Source.ORDER,
        key=order_earning_key(plan.order.pk),
        moves=_gain(account, plan.points) if at_once else Moves(pending=plan.points),
        order=plan.order,
        available_on=plan.available_on,
    )


def _reversals(merchant, accounts: dict[int, Account], orders, earnings: list[EntryRow]) -> list[EntryRow]:
    """Each refund of the back-filled orders takes its share back, in the refunds' order (as live)."""
    by_order = {earning.order_id: earning for earning in earnings}
    refunds = Refund.objects.filter(merchant=merchant, order_id__in=by_order).order_by("pk")
    reversals: list[EntryRow] = []
    given_back: dict[int, tuple[int, int]] = {}  # earning id -> (pending taken, points taken) so far
    for refund_id, order_id, amount in refunds.values_list("id", "order_id", "amount"):
        earning, order = by_order[order_id], orders[order_id]
        if order.total <= 0:
            continue
        pending_taken, taken = given_back.get(earning.id, (0, 0))
        earned = earning.pending + earning.available - earning.debt
        points = refund_points(earned=earned, refund_amount=amount, order_total=order.total, reversed_so_far=taken)
        if points <= 0:
            continue
        account = accounts[order.customer_id]
        moves = reversal_moves(account, earning.pending - pending_taken, points)
        key = f"refund:{refund_id}"
        row = _row(account, kind=EntryKind.REVERSED, source=Source.REFUND, key=key, moves=moves, order=order)
        row.earning_id = earning.id
        reversals.append(row)
        given_back[earning.id] = (pending_taken - moves.pending, taken + points)
    return reversals
