"""Benchmark: the order KPIs' full recompute against hand-written SQL, and the Analytics page's rate.

    python bench/kpis.py --orders 1000000      # 100,000 customers over two years
    python bench/kpis.py --orders 100000       # a quick run (customers: a tenth of the orders)

Creates a PostgreSQL database of its own (dropped first), one shop, and its history generated in SQL
(generate_series): orders spread over the last two years among the customers, 2 % cancelled, 1 % test
orders, 1 % exchange orders, 5 % in USD, a refund on 5 % of them, some recorded months later. Then, in
the same run:

1. the full recompute through the real code path: `aggregates_rebuild` (every day of the shop), then
   the KPIs of the last 365 days and of the 365 before (`period_kpis`) and the cohorts of those days;
2. hand-written SQL computing the same figures straight from the orders, checked to agree;
3. the Analytics page (this year) with warm aggregates against the bare template page (the tracking
   404 page), both through Django's test client in this process, signed in as the shop's owner: once
   as a preset (its figures stored in `analytics_storedfigures`, analytics/stored_figures.py), once as
   the same days given as a custom range, whose figures are computed on every request;
4. the predicted CLV fit, timed on its own (the daily task's work, `predicted_clv_fit`): the per-customer
   summaries in SQL (now and 180 days ago), and the BG/NBD + Gamma-Gamma fits with their back-test.

Prints the timings and ratios. Needs PostgreSQL.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The shape of the history is set by SHAPE's parameters: one order in `..._every` (None: none) is in USD,
# has a discount of 15 %, is paid with a gift card or gets a refund of a third.
GENERATE = """
INSERT INTO orders_customer (merchant_id, external_id, email, first_name, last_name, phone, language, time_zone,
                             accepts_marketing, created_at, updated_at)
SELECT %(shop)s, 'c' || i, 'c' || i || '@example.org', '', '', '', 'fr', '', false, now(), now()
FROM generate_series(1, %(customers)s) i;

INSERT INTO orders_order (merchant_id, external_id, number, customer_id, email, language, placed_at, currency,
  subtotal, shipping, tax, discount, total, refunded_amount, financial_status, fulfillment_status, cancelled_at,
  cancel_reason, shipping_name, shipping_address1, shipping_address2, shipping_city, shipping_postal_code,
  shipping_country, source_platform, landing_site, referring_site, discount_codes, payment_gateways,
  exchange_for_rma, test, created_at, updated_at)
SELECT %(shop)s, 'o' || i, '#' || i, c.id, '', 'fr',
       now() - (random() * interval '730 days'),
       CASE WHEN i %% %(usd_every)s = 0 THEN 'USD' ELSE 'EUR' END,
       t.subtotal, %(shipping)s, 0, t.discount, t.subtotal - t.discount + %(shipping)s, 0, 'paid', 'fulfilled',
       CASE WHEN i %% 50 = 1 THEN now() ELSE NULL END, '', '', '', '', '', '', 'FR', 'api', '', '', '[]',
       CASE WHEN i %% %(gift_card_every)s = 4 THEN '["gift_card"]' ELSE '[]' END::jsonb,
       CASE WHEN i %% 100 = 2 THEN 'RMA-' || i ELSE '' END, i %% 100 = 3, now(), now()
FROM generate_series(1, %(orders)s) i
JOIN orders_customer c ON c.merchant_id = %(shop)s
  AND c.external_id = 'c' || (1 + (hashint4(i) & 2147483647) %% %(customers)s)
CROSS JOIN LATERAL (SELECT round((10 + random() * 190)::numeric, 2) AS subtotal) s
CROSS JOIN LATERAL (SELECT s.subtotal,
                           CASE WHEN i %% %(discount_every)s = 0 THEN round(s.subtotal * 0.15, 2) ELSE 0 END AS discount) t;

INSERT INTO orders_refund (merchant_id, order_id, external_id, other_external_id, amount, currency, line_items,
                           note, source, refunded_at, created_at)
SELECT merchant_id, id, 'r' || id, '', round(total / 3, 2), currency, '[]', '', 'api',
       placed_at + (random() * interval '120 days'), now()
FROM orders_order WHERE merchant_id = %(shop)s AND id %% %(refund_every)s = 7;
ANALYZE orders_customer; ANALYZE orders_order; ANALYZE orders_refund;
"""
SHAPE = {"usd_every": 20, "discount_every": None, "gift_card_every": None, "refund_every": 20, "shipping": 0}

# The same figures written the obvious way, straight from the orders, for the last 365 days (P) and
# the 365 before (Q): what an analyst would type.
HAND = """
WITH counted AS MATERIALIZED (
  SELECT o.id, o.customer_id, o.placed_at, o.currency,
         o.total - coalesce(r.refunded, 0) AS net
  FROM orders_order o LEFT JOIN (SELECT order_id, sum(amount) AS refunded FROM orders_refund
                                 WHERE refunded_at < %(now)s GROUP BY order_id) r ON r.order_id = o.id
  WHERE o.merchant_id = %(shop)s AND o.cancelled_at IS NULL AND NOT o.test AND o.exchange_for_rma = ''
), ranked AS (
  SELECT customer_id, placed_at AS first_at, second_at FROM (
    SELECT customer_id, placed_at, row_number() OVER w AS n, lead(placed_at) OVER w AS second_at
    FROM counted WHERE placed_at < %(now)s WINDOW w AS (PARTITION BY customer_id ORDER BY placed_at, id)) x
  WHERE n = 1
), periods(name, p_start, p_end) AS (VALUES ('P', %(p_start)s::timestamptz, %(now)s::timestamptz),
                                            ('Q', %(q_start)s::timestamptz, %(p_start)s::timestamptz))
SELECT p.name,
  (SELECT count(*) FROM counted WHERE placed_at >= p_start AND placed_at < p_end),
  (SELECT count(DISTINCT customer_id) FROM counted WHERE placed_at >= p_start AND placed_at < p_end),
  (SELECT count(*) FROM (SELECT customer_id FROM counted WHERE placed_at < p_end GROUP BY customer_id
     HAVING count(*) >= 2 AND bool_or(placed_at >= p_start)) x),
  (SELECT json_object_agg(currency, s) FROM (SELECT currency, sum(net) / count(*) AS s FROM counted
     WHERE placed_at >= p_start AND placed_at < p_end GROUP BY currency) y),
  (SELECT count(*) FILTER (WHERE first_at <= %(now)s - interval '30 days'
                             AND second_at <= first_at + interval '30 days')
     FROM ranked WHERE first_at >= p_start AND first_at < p_end),
  (SELECT count(*) FILTER (WHERE first_at <= %(now)s - interval '90 days'
                             AND second_at <= first_at + interval '90 days')
     FROM ranked WHERE first_at >= p_start AND first_at < p_end)
FROM periods p;
WITH counted AS MATERIALIZED (
  SELECT o.customer_id, o.placed_at, o.currency,
         o.total - coalesce(r.refunded, 0) AS net
  FROM orders_order o LEFT JOIN (SELECT order_id, sum(amount) AS refunded FROM orders_refund
                                 WHERE refunded_at < %(now)s GROUP BY order_id) r ON r.order_id = o.id
  WHERE o.merchant_id = %(shop)s AND o.cancelled_at IS NULL AND NOT o.test AND o.exchange_for_rma = ''
    AND o.placed_at < %(now)s
), firsts AS (
  SELECT customer_id, date_trunc('month', min(placed_at) AT TIME ZONE 'Europe/Paris') AS month FROM counted
  GROUP BY customer_id HAVING min(placed_at) >= %(p_start)s
)
SELECT f.month, date_trunc('month', c.placed_at AT TIME ZONE 'Europe/Paris') AS m, c.currency,
       count(DISTINCT c.customer_id), sum(c.net)
FROM firsts f JOIN counted c USING (customer_id) GROUP BY 1, 2, 3;
SELECT o.currency, (sum(o.total) - coalesce(sum(r.refunded), 0)) / count(DISTINCT o.customer_id)
FROM orders_order o
LEFT JOIN (SELECT order_id, sum(amount) AS refunded FROM orders_refund WHERE refunded_at < %(now)s
           GROUP BY order_id) r ON r.order_id = o.id
WHERE o.merchant_id = %(shop)s AND o.cancelled_at IS NULL AND NOT o.test AND o.exchange_for_rma = ''
  AND o.placed_at < %(now)s
GROUP BY o.currency;
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=0, help="default: a tenth of the orders")
    parser.add_argument("--requests", type=int, default=50, help="page requests per measurement (default 50)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pp_bench_kpis"),
    )
    return parser.parse_args()


def create_database(url: str) -> None:
    import psycopg

    dsn, _, name = url.rpartition("/")
    with psycopg.connect(f"{dsn}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def real_path(shop, now):
    from datetime import timedelta

    from analytics.aggregates import aggregates_rebuild
    from analytics.kpis import Period, cohorts, period_kpis

    aggregates_rebuild(merchant=shop)
    period = Period(now - timedelta(days=365), now)
    current = period_kpis(shop, period, now)
    previous = period_kpis(shop, period.previous(), now, clv_as_of=period.start)
    return current, previous, cohorts(shop, period, now)


def hand_sql(shop, now):
    from datetime import timedelta

    from django.db import connection

    params = {"shop": shop.pk, "now": now, "p_start": now - timedelta(days=365), "q_start": now - timedelta(days=730)}
    statements = [s for s in HAND.split(";\n") if s.strip()]
    results = []
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)
            results.append(cursor.fetchall())
    return results


def page_rates(shop, owner, requests: int) -> tuple[float, float]:
    from django.test import Client

    client = Client()
    client.force_login(owner)
    bare = Client()

    def rate(client, path, expected, requests=requests):
        for _ in range(3):  # warm
            assert client.get(path).status_code == expected
        start = time.perf_counter()
        for _ in range(requests):
            client.get(path)
        return requests / (time.perf_counter() - start)

    from django.utils import timezone

    today = timezone.localtime(timezone.now(), shop.tzinfo).date()
    this_year = f"/app/analytics/?range=custom&from={today.replace(month=1, day=1)}&to={today}"
    stored = rate(client, "/app/analytics/?range=year", 200)  # the first (warming) request stores them
    # The same days as a custom range: computed on every request, seconds each, so a tenth as many requests.
    computed = rate(client, this_year, 200, requests=max(3, requests // 10))
    return stored, computed, rate(bare, "/track/not-a-valid-token/", 404)


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
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from analytics.kpis import money, ratio

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    call_command("migrate", verbosity=0)
    from merchants.models import Membership, Merchant, Role, User

    shop = Merchant.objects.create(name="Bench shop", slug="bench-kpis")
    owner = User.objects.create_user(email="owner@example.org", password="unused-password-1")
    Membership.objects.create(merchant=shop, user=owner, role=Role.OWNER)
    seconds, _ = timed(lambda: _generate(connection, shop, args.orders, customers))
    print(f"generated {args.orders} orders of {customers} customers in {seconds:.1f} s")
    now = timezone.now()
    hand_sql(shop, now)  # warm the caches for both sides alike
    real_seconds, (current, previous, found) = timed(lambda: real_path(shop, now))
    hand_seconds, (periods, cohort_rows, clv) = timed(lambda: hand_sql(shop, now))
    by_name = {row[0]: row for row in periods}
    for name, kpis in (("P", current), ("Q", previous)):
        assert (kpis["orders"], kpis["customers"]) == tuple(by_name[name][1:3]), (name, kpis, by_name[name])
    assert current["repeat_rate"] == ratio(by_name["P"][3], by_name["P"][2]), (current, by_name["P"])
    assert {cur: money(v, cur) for cur, v in clv} == current["historical_clv"], (clv, current)
    assert len(found) == len({row[0] for row in cohort_rows})
    print(
        f"full recompute, real code path: {real_seconds:.2f} s (orders P {current['orders']}, Q {previous['orders']})"
    )
    print(f"hand-written SQL:               {hand_seconds:.2f} s")
    print(f"ratio real / hand:              {real_seconds / hand_seconds:.2f}")
    cached, computed, bare = page_rates(shop, owner, args.requests)
    print(f"bare template page:                              {bare:7.1f} requests/s")
    print(f"Analytics page (this year), stored figures:      {cached:7.1f} requests/s, {cached / bare:.3f} of bare")
    print(f"the same days as a custom range, computed:       {computed:7.1f} requests/s, {computed / bare:.3f} of bare")
    clv_fit(shop, now)


def clv_fit(shop, now):
    from datetime import timedelta

    from analytics.clv import BACKTEST_DAYS, customer_summaries, predicted_clv_fit
    from core.scoping import merchant_scope

    with merchant_scope(shop):
        sql_seconds, _ = timed(
            lambda: (
                customer_summaries(shop, now, now),
                customer_summaries(shop, now - timedelta(days=BACKTEST_DAYS), now),
            )
        )
        fit_seconds, stored = timed(lambda: predicted_clv_fit(merchant=shop, as_of=now))
    print(f"predicted CLV, whole fit:       {fit_seconds:.2f} s (of which the two summary queries {sql_seconds:.2f} s)")
    for currency, figure in stored.figures.items():
        test = figure.get("backtest", {})
        print(
            f"  {currency}: {figure['customers']} customers, 12-month CLV {figure['value']} {figure['reason']}"
            f" back-test error {test.get('error')} mae {test.get('mae')} {test.get('reason', '')}"
        )


def _generate(connection, shop, orders: int, customers: int, **shape) -> None:
    """The shop's customers and orders (and refunds), shaped by SHAPE, with `shape`'s changes."""
    params = {"shop": shop.pk, "orders": orders, "customers": customers, **SHAPE, **shape}
    with connection.cursor() as cursor:
        for statement in GENERATE.split(";\n"):
            if statement.strip():
                cursor.execute(statement, params)


if __name__ == "__main__":
    main()
