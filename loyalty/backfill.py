"""Back-fill: a shop switching the program on awards points for the orders it took before.

Each past order earns what live earning would have given it when it was placed (services.order_points,
the multiplier of the tier held on that day, the members-only rule, the pending days counted from the
placement), under the same key (`order:<id>:placed`). Its refunds and resolved returns then take back
their shares under their live keys (`refund:<id>`, `return:<id>`), a refund and the return it pays for
taking back the larger of their two shares together (returned.py), as live. Running the back-fill
twice adds nothing, and a late or redelivered webhook of the same order, refund or return finds its
entry already made.

In bulk, by batches of whole customers (about BATCH_SIZE orders): one statement computes the earnings
in SQL, creates and locks the batch's accounts and inserts the entries with the balances after each
(EARNINGS_WRITE), one more writes the accounts' balances. Only the orders that came back, in part, are
read into Python, for the reversal rules (services, returned.py), their reversals written by one INSERT. No event is recorded and no email sent: customers are
not told about points for orders of months ago one by one (their loyalty page shows them).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import psycopg
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from core.scoping import merchant_scope
from orders.models import Order, OrderEvent, Refund
from returns.models import ReturnRequest

from . import returned
from .errors import LoyaltyValidationError
from .models import Account, EntryKind, LoyaltySettings, PointsEntry, Source
from .services import GIFT_CARD_GATEWAY, Moves, loyalty_settings, reversal_moves, share_points
from .tier_rates import membership_settings

BATCH_SIZE = 5000


def past_orders(merchant, since: datetime | None = None):
    """The shop's past orders that may earn (live earning's rules); EARNING leaves out those that earned."""
    orders = Order.objects.filter(
        merchant=merchant, customer__isnull=False, test=False, exchange_for_rma="", cancelled_at__isnull=True
    )
    return orders if since is None else orders.filter(placed_at__gte=since)


def points_backfill(*, merchant, since: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Award points for the shop's past orders (placed since `since`, or all); returns the entries made."""
    program = loyalty_settings(merchant)
    if not program.enabled:
        raise LoyaltyValidationError({"enabled": _("Switch the program on before awarding points for past orders.")})
    made = 0
    with merchant_scope(merchant):
        for first, last in _customer_ranges(merchant, since, batch_size):
            made += _batch_award(merchant, program, since, first, last)
    return made


def _customer_ranges(merchant, since: datetime | None, batch_size: int):
    """(first, last) customer ids of batches of whole customers, about `batch_size` orders each."""
    counts = past_orders(merchant, since).order_by("customer_id").values_list("customer_id").annotate(Count("pk"))
    first, size = None, 0
    for customer_id, orders in counts:
        first = customer_id if first is None else first
        size += orders
        if size >= batch_size:
            yield first, customer_id
            first, size = None, 0
    if first is not None:
        yield first, customer_id


# The batch's orders that earn, with their points (services.order_points times the multiplier of the
# tier held on the day of the order, tier_rates.current_term on that day) and when they become
# available (services.earning_available_on: NULL, at once); orders that earned already (live, or a
# run before) left out. {orders} is past_orders' SQL.
EARNING = """
WITH program AS (
  SELECT %s::bigint AS merchant_id, %s::timestamptz AS now, %s::numeric AS per_unit, %s::bool AS deduct_discounts,
         %s::bool AS include_shipping, %s::bool AS include_tax, %s::int AS pending_days,
         %s::bool AS members_only, %s::text AS time_zone, %s::text AS gift_card, %s::text AS earned,
         %s::text AS from_order
), batch AS ({orders}
), earning AS (
  SELECT o.id AS order_id, o.customer_id, o.number, o.placed_at,
         floor(floor(greatest(o.subtotal - CASE WHEN p.deduct_discounts THEN o.discount ELSE 0 END
                              + CASE WHEN p.include_shipping THEN o.shipping ELSE 0 END
                              + CASE WHEN p.include_tax THEN o.tax ELSE 0 END, 0) * p.per_unit)
               * coalesce(tier.multiplier, 1))::int AS points,
         nullif(greatest(o.placed_at + make_interval(days => p.pending_days), p.now), p.now) AS available_on
  FROM batch o CROSS JOIN program p
  LEFT JOIN LATERAL (
    SELECT a.id FROM loyalty_account a
    WHERE a.merchant_id = p.merchant_id AND a.customer_id = o.customer_id LIMIT 1
  ) a ON true
  LEFT JOIN LATERAL (
    SELECT true AS found FROM loyalty_pointsentry e
    WHERE e.order_id = o.id AND e.kind = p.earned AND e.source = p.from_order LIMIT 1
  ) earned ON true
  LEFT JOIN LATERAL (
    SELECT t.multiplier FROM loyalty_tierterm tt JOIN loyalty_tier t ON t.id = tt.tier_id
    WHERE tt.account_id = a.id AND tt.reached_at <= o.placed_at AND (tt.ended_at IS NULL OR tt.ended_at > o.placed_at)
      AND (tt.term_ends_on IS NULL OR tt.term_ends_on >= (o.placed_at AT TIME ZONE p.time_zone)::date)
    ORDER BY tt.reached_at DESC LIMIT 1
  ) tier ON true
  WHERE earned.found IS NULL AND NOT coalesce(o.payment_gateways ? p.gift_card, false)
    AND (NOT p.members_only OR EXISTS (
      SELECT 1 FROM loyalty_memberprofile m
      WHERE m.merchant_id = p.merchant_id AND m.customer_id = o.customer_id AND m.opened_at IS NOT NULL))
), earns AS (SELECT * FROM earning WHERE points > 0)
"""

# Under each account's lock (taken by the INSERT … ON CONFLICT DO UPDATE, in customer order, which
# returns the balances as last committed: live earning, locking one account before writing its
# entry, waits for the batch's end), the entries with each account's balances after each of them
# (services.entry_build; points available at once pay off the debt first, services._gain). Returns
# the entries planned and made, the accounts' new balances and the earnings of orders with a refund
# or a resolved return.
EARNINGS_WRITE = EARNING + (  # noqa: S608 - constant SQL text
    """
, accounts AS (
  INSERT INTO loyalty_account (merchant_id, customer_id, available, pending, debt, created_at, updated_at)
  SELECT DISTINCT p.merchant_id, e.customer_id, 0, 0, 0, p.now, p.now FROM earns e CROSS JOIN program p
  ORDER BY e.customer_id
  ON CONFLICT (merchant_id, customer_id) DO UPDATE SET updated_at = excluded.updated_at
  RETURNING id, customer_id, pending, available, debt
), by_customer AS MATERIALIZED (
  -- One object looked up per order: a join of the two CTEs, whose sizes the planner cannot tell,
  -- became a nested loop of every order by every account.
  SELECT jsonb_object_agg(customer_id, jsonb_build_array(id, pending, available, debt)) AS accounts FROM accounts
), moved AS (
  SELECT e.*, (a.balances->>0)::bigint AS account_id, (a.balances->>1)::int AS pending_before,
         (a.balances->>2)::int AS available_before, (a.balances->>3)::int AS debt_before,
         CASE WHEN e.available_on IS NULL THEN 0 ELSE e.points END AS pending,
         CASE WHEN e.available_on IS NULL THEN e.points ELSE 0 END AS at_once
  FROM earns e CROSS JOIN by_customer c CROSS JOIN LATERAL (SELECT c.accounts -> e.customer_id::text AS balances) a
), running AS (
  SELECT m.*, pending_before + sum(pending) OVER w AS pending_after,
         greatest(debt_before - sum(at_once) OVER w + at_once, 0) AS debt_was,
         greatest(debt_before - sum(at_once) OVER w, 0) AS debt_after,
         available_before + sum(at_once) OVER w - (debt_before - greatest(debt_before - sum(at_once) OVER w, 0))
           AS available_after,
         row_number() OVER (PARTITION BY account_id ORDER BY order_id DESC) = 1 AS last
  FROM moved m WINDOW w AS (PARTITION BY account_id ORDER BY order_id)
), inserted AS (
  INSERT INTO loyalty_pointsentry (merchant_id, account_id, kind, source, pending, available, debt, pending_after,
    available_after, debt_after, order_id, order_number, earning_id, key, available_on, note, created_by_id, created_at)
  SELECT p.merchant_id, r.account_id, p.earned, p.from_order, r.pending, r.at_once - (r.debt_was - r.debt_after),
         r.debt_after - r.debt_was, r.pending_after, r.available_after, r.debt_after, r.order_id, r.number, NULL,
         'order:' || r.order_id || ':placed', r.available_on, '', NULL, p.now
  FROM running r CROSS JOIN program p ORDER BY r.account_id, r.order_id
  ON CONFLICT (merchant_id, key) DO NOTHING
  RETURNING id, account_id, order_id, pending, available, debt
)
SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM inserted),
       (SELECT array_agg(ARRAY[account_id, customer_id, pending_after, available_after, debt_after])
        FROM running WHERE last),
       (SELECT array_agg(ARRAY[i.order_id, i.id, i.account_id, i.pending, i.pending + i.available - i.debt])
        FROM inserted i
        WHERE EXISTS (SELECT 1 FROM orders_refund f WHERE f.order_id = i.order_id)
           OR EXISTS (SELECT 1 FROM returns_returnrequest q WHERE q.order_id = i.order_id AND q.status = ANY(%s)))
"""
)


class _RacedError(Exception):
    """An order of the batch earned live between the batch's snapshot and its locks."""


def _bound_cursor():
    """A cursor binding its parameters on the server: arrays and values travel as such, not as SQL text
    Django's client-side binding would build and PostgreSQL parse."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


ORDER_COLUMNS = (
    "id",
    "customer_id",
    "number",
    "placed_at",
    "subtotal",
    "discount",
    "shipping",
    "tax",
    "payment_gateways",
)


def _with_orders(statement: str, orders, program_params: list) -> tuple[str, list]:
    """`statement` reading `orders` (a queryset) as its batch, and its parameters."""
    sql, params = orders.order_by().values(*ORDER_COLUMNS).query.sql_with_params()
    return statement.format(orders=sql), [*program_params, *params]


def _batch_award(merchant, program: LoyaltySettings, since: datetime | None, first: int, last: int) -> int:
    """Award the orders of customers `first`…`last` in one transaction; returns the entries made.

    Made again if an order earned live meanwhile: its entry skipped (ON CONFLICT), the balances after
    the batch's next entries would be wrong; the next attempt sees it earned.
    """
    orders = past_orders(merchant, since).filter(customer_id__gte=first, customer_id__lte=last)
    for _attempt in range(3):
        now = timezone.now()
        sql, params = _with_orders(EARNINGS_WRITE, orders, _program_params(merchant, program, now))
        try:
            with transaction.atomic(), _bound_cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")  # compiling the statement took longer than running it
                cursor.execute(sql, [*params, list(returned.RESOLVED)])
                planned, made, balances, came_back = cursor.fetchone()
                if made != planned:
                    raise _RacedError
                return made + _balances_and_reversals(merchant, balances or [], came_back or [], now)
        except _RacedError:
            continue
    raise RuntimeError(f"Orders of customers {first} to {last} kept earning live during the back-fill.")


def _program_params(merchant, program: LoyaltySettings, now: datetime) -> list:
    return [
        merchant.pk,
        now,
        program.points_per_unit,
        program.deduct_discounts,
        program.include_shipping,
        program.include_tax,
        program.pending_days,
        membership_settings(merchant).members_only,
        merchant.time_zone,
        GIFT_CARD_GATEWAY,
        EntryKind.EARNED,
        Source.ORDER,
    ]


# --- What came back: the reversal rules, in Python, for the orders refunded or returned ----------------


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
    earning_id: int
    available_on: datetime | None = None
    note: str = ""
    created_by_id: int | None = None
    created_at: datetime | None = None


@dataclass
class Earned:
    """A back-filled earning, as the reversals read and consume it."""

    id: int
    points: int
    pending_left: int
    taken_back: int = 0


def _balances_and_reversals(merchant, balances: list, came_back: list, now: datetime) -> int:
    """Write the accounts' balances, after the reversals of the orders that came back, if any."""
    accounts = {
        account_id: Account(
            pk=account_id,
            merchant_id=merchant.pk,
            customer_id=customer_id,
            pending=pending,
            available=available,
            debt=debt,
        )
        for account_id, customer_id, pending, available, debt in balances
    }
    earnings = {
        order_id: (accounts[account_id], Earned(earning_id, points, pending))
        for order_id, earning_id, account_id, pending, points in came_back
    }
    rows = _reversals(merchant, earnings) if earnings else []
    _entries_insert(rows, now)
    if accounts:
        _balances_write(list(accounts.values()), now)
    return len(rows)


def _came_back(merchant, order_ids) -> list:
    """The orders' refunds and resolved returns in the order live earning met them: a refund when it
    was recorded, a return when it was resolved (its `return.resolved` event)."""
    refunds = Refund.objects.filter(merchant=merchant, order_id__in=order_ids)
    requests = ReturnRequest.objects.filter(merchant=merchant, order_id__in=order_ids, status__in=returned.RESOLVED)
    events = OrderEvent.objects.filter(merchant=merchant, order_id__in=order_ids, kind="return.resolved")
    resolved_at = dict(events.order_by("-created_at").values_list("payload__id", "created_at"))
    met = {refund: refund.created_at for refund in refunds}
    met |= {request: resolved_at.get(request.pk, request.created_at) for request in requests.prefetch_related("items")}
    return sorted(met, key=lambda back: (met[back], back.pk))


def _reversals(merchant, earnings: dict[int, tuple[Account, Earned]]) -> list[EntryRow]:
    """services.points_reverse_for_refund / _for_return for each, in order, on the balances in memory."""
    orders = dict(Order.objects.filter(pk__in=earnings).values_list("pk", "total"))
    numbers = dict(Order.objects.filter(pk__in=earnings).values_list("pk", "number"))
    backs = _came_back(merchant, earnings)
    by_order = defaultdict(list)
    for back in backs:
        by_order[back.order_id].append(back)
    taken: dict[str, int] = {}  # points taken back by key
    rows = []
    for back in backs:
        total = orders[back.order_id]
        if total <= 0:
            continue
        account, earned = earnings[back.order_id]
        key, points = _share_of(back, earned, total, by_order[back.order_id], taken)
        points = min(points, earned.points - earned.taken_back)
        if points <= 0:
            continue
        moves = reversal_moves(account, earned.pending_left, points)
        source = Source.REFUND if isinstance(back, Refund) else Source.RETURN
        rows.append(
            _row(
                account,
                source=source,
                key=key,
                moves=moves,
                order=(back.order_id, numbers[back.order_id]),
                earning_id=earned.id,
            )
        )
        earned.pending_left += moves.pending
        earned.taken_back += points
        taken[key] = points
    return rows


def _share_of(back, earned: Earned, total, others: list, taken: dict[str, int]) -> tuple[str, int]:
    """The key and the points `back` (a refund or a return) takes back, less what the other path took
    for the same goods (services.points_reverse_for_refund and points_reverse_for_return)."""
    if isinstance(back, Refund):
        paid = [
            returned.return_key(r.pk) for r in others if isinstance(r, ReturnRequest) and returned.pays_for(back, r)
        ]
        share = share_points(earned.points, back.amount, total)
        return returned.refund_key(back.pk), share - sum(taken.get(key, 0) for key in paid)
    paying = [returned.refund_key(f.pk) for f in others if isinstance(f, Refund) and returned.pays_for(f, back)]
    share = share_points(earned.points, returned.returned_value(back), total)
    return returned.return_key(back.pk), share - sum(taken.get(key, 0) for key in paying)


def _row(account: Account, *, source: str, key: str, moves: Moves, order: tuple[int, str], earning_id: int) -> EntryRow:
    """The reversal recording `moves`, applied to the account's balances in memory (as services.entry_build)."""
    account.pending += moves.pending
    account.available += moves.available
    account.debt += moves.debt
    return EntryRow(
        merchant_id=account.merchant_id,
        account_id=account.pk,
        kind=EntryKind.REVERSED,
        source=source,
        pending=moves.pending,
        available=moves.available,
        debt=moves.debt,
        pending_after=account.pending,
        available_after=account.available,
        debt_after=account.debt,
        order_id=order[0],
        order_number=order[1],
        key=key,
        earning_id=earning_id,
    )


def _entries_insert(entries: list[EntryRow], now: datetime) -> None:
    """Insert the entries: one INSERT from arrays (a column each), bound on the server."""
    if not entries:
        return
    for entry in entries:
        entry.created_at = now
    columns = [field for field in PointsEntry._meta.concrete_fields if not field.primary_key]
    names = ", ".join(connection.ops.quote_name(field.column) for field in columns)
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in columns)
    values = [[getattr(entry, field.attname) for entry in entries] for field in columns]
    with _bound_cursor() as cursor:
        sql = f"INSERT INTO {PointsEntry._meta.db_table} ({names}) SELECT * FROM unnest({arrays})"  # noqa: S608 - the model's own names
        cursor.execute(sql, values)


BALANCES_WRITE = """
UPDATE loyalty_account a SET pending = v.pending, available = v.available, debt = v.debt, updated_at = %s
FROM unnest(%s::bigint[], %s::int[], %s::int[], %s::int[]) AS v(id, pending, available, debt)
WHERE a.id = v.id
"""


def _balances_write(accounts: list[Account], now: datetime) -> None:
    """The accounts' new balances in one UPDATE from arrays."""
    columns = [[getattr(account, name) for account in accounts] for name in ("pk", "pending", "available", "debt")]
    with _bound_cursor() as cursor:
        cursor.execute(BALANCES_WRITE, [now, *columns])
