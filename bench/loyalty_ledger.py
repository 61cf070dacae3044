"""Benchmark: a shop switching loyalty on awards points for its past orders (the back-fill), through
the real code path against a hand-written SQL `INSERT … SELECT` of the same entries.

    python bench/loyalty_ledger.py --orders 100000     # 10,000 customers over two years

Creates a PostgreSQL database of its own (dropped first), one shop with the program on (1 point per
currency unit, discounts deducted, 30 pending days) and its history generated in SQL by
bench/kpis.py's generator (generate_series): orders spread over the last two years among the customers, a discount on a
quarter of them, 2 % cancelled, 1 % test orders, 1 % exchange orders, 1 % paid with a gift card. No
refunds: the hand SQL would have to replay the reversal rules (pending first, then available, the
rest as debt, in order); the back-fill's reversals are checked by tests/loyalty/test_backfill*.py.
Then, in the same run:

1. the real path, `loyalty.backfill.points_backfill` (what the settings page's action and
   `manage.py loyalty_backfill` run): the accounts and their entries, balances after each entry;
2. the same accounts and entries deleted, then written by one hand-written `INSERT … SELECT` each,
   checked to be the same entries (key, moves, balances after, `available_on`).

Prints both timings and their ratio (aim: the real path ≤ 2 × the hand SQL). Needs PostgreSQL.
"""

import argparse
import os
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpis import _generate, create_database, timed  # noqa: E402 - bench/kpis.py: the same database, history and timing

# bench/kpis.py's history, in euros, with a discount on a quarter of the orders, shipping, 1 % paid with
# a gift card and no refunds.
HISTORY = {
    "usd_every": None,
    "discount_every": 4,
    "shipping": Decimal("4.90"),
    "gift_card_every": 100,
    "refund_every": None,
}

# What the back-fill writes, typed straight from the orders: points on the subtotal less the
# discount, rounded down; pending for 30 days from the placement, available at once after them.
HAND = """
CREATE TEMPORARY TABLE earned ON COMMIT DROP AS
SELECT o.id AS order_id, o.customer_id, o.number, p.points,
       CASE WHEN o.placed_at + interval '30 days' > %(now)s THEN p.points ELSE 0 END AS pending,
       CASE WHEN o.placed_at + interval '30 days' > %(now)s THEN 0 ELSE p.points END AS available,
       CASE WHEN o.placed_at + interval '30 days' > %(now)s THEN o.placed_at + interval '30 days' END AS available_on
FROM orders_order o
CROSS JOIN LATERAL (SELECT floor(greatest(o.subtotal - o.discount, 0))::int AS points) p
WHERE o.merchant_id = %(shop)s AND o.customer_id IS NOT NULL AND NOT o.test AND o.exchange_for_rma = ''
  AND o.cancelled_at IS NULL AND NOT o.payment_gateways ? 'gift_card' AND p.points > 0
  AND NOT EXISTS (SELECT 1 FROM loyalty_pointsentry e WHERE e.order_id = o.id AND e.kind = 'earned');

INSERT INTO loyalty_account (merchant_id, customer_id, available, pending, debt, created_at, updated_at)
SELECT %(shop)s, customer_id, sum(available), sum(pending), 0, %(now)s, %(now)s FROM earned GROUP BY customer_id;

INSERT INTO loyalty_pointsentry (merchant_id, account_id, kind, source, pending, available, debt, pending_after,
  available_after, debt_after, order_id, order_number, earning_id, key, available_on, note, created_by_id, created_at)
SELECT %(shop)s, a.id, 'earned', 'order', e.pending, e.available, 0,
       sum(e.pending) OVER w, sum(e.available) OVER w, 0, e.order_id, e.number, NULL,
       'order:' || e.order_id || ':placed', e.available_on, '', NULL, %(now)s
FROM earned e JOIN loyalty_account a ON a.merchant_id = %(shop)s AND a.customer_id = e.customer_id
WINDOW w AS (PARTITION BY e.customer_id ORDER BY e.order_id)
ORDER BY e.order_id
"""

ENTRIES = """
SELECT a.customer_id, e.key, e.pending, e.available, e.debt, e.pending_after, e.available_after, e.debt_after,
       e.available_on
FROM loyalty_pointsentry e JOIN loyalty_account a ON a.id = e.account_id ORDER BY e.key
"""
ACCOUNTS = "SELECT customer_id, available, pending, debt FROM loyalty_account ORDER BY customer_id"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=0, help="default: a tenth of the orders")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pp_bench_loyalty"),
    )
    return parser.parse_args()


def fetch(cursor, sql):
    cursor.execute(sql)
    return cursor.fetchall()


def forget_entries(cursor):
    for statement in ("DELETE FROM loyalty_pointsentry", "DELETE FROM loyalty_account", "VACUUM ANALYZE"):
        cursor.execute(statement)


def hand_sql(connection, shop, now):
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for statement in HAND.split(";\n"):
            cursor.execute(statement, {"shop": shop.pk, "now": now})


def main():
    args = parse_args()
    customers = args.customers or max(1, args.orders // 10)
    os.environ.update(
        DATABASE_URL=args.database_url,
        APP_ENV="development",
        DEBUG="false",
        CELERY_BROKER_URL="memory://",
        CACHE_URL=os.environ.get("BENCH_CACHE_URL", "rediscache://127.0.0.1:6379/12"),
        LOG_LEVEL="ERROR",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    create_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from loyalty.backfill import points_backfill
    from loyalty.services import loyalty_settings_update
    from merchants.models import Merchant

    shop = Merchant.objects.create(name="Bench shop", slug="bench-loyalty")
    seconds, _ = timed(lambda: _generate(connection, shop, args.orders, customers, **HISTORY))
    print(f"generated {args.orders} orders of {customers} customers in {seconds:.1f} s")
    loyalty_settings_update(
        merchant=shop,
        enabled=True,
        points_per_unit=1,
        deduct_discounts=True,
        include_shipping=False,
        include_tax=False,
        pending_days=30,
    )
    with connection.cursor() as cursor:
        now = timezone.now()
        hand_sql(connection, shop, now)  # warm the caches for both sides alike, then forget it
        forget_entries(cursor)
        real_seconds, made = timed(lambda: points_backfill(merchant=shop))
        real_entries, real_accounts = fetch(cursor, ENTRIES), fetch(cursor, ACCOUNTS)
        forget_entries(cursor)
        hand_seconds, _ = timed(lambda: hand_sql(connection, shop, now))
        hand_entries, hand_accounts = fetch(cursor, ENTRIES), fetch(cursor, ACCOUNTS)
    assert made == len(real_entries), (made, len(real_entries))
    assert real_entries == hand_entries, "the back-fill and the hand SQL wrote different entries"
    assert real_accounts == hand_accounts, "the back-fill and the hand SQL left different balances"
    pending = sum(1 for row in real_entries if row[2])
    print(f"entries: {made} ({pending} pending) in {len(real_accounts)} accounts, the same on both sides")
    print(f"back-fill, real code path: {real_seconds:.2f} s")
    print(f"hand-written SQL:          {hand_seconds:.2f} s")
    print(f"ratio real / hand:         {real_seconds / hand_seconds:.2f}")


if __name__ == "__main__":
    main()
