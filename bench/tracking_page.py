"""Benchmark: the branded tracking page against a bare template page, on the same server.

Starts gunicorn on 127.0.0.1 against a PostgreSQL database of its own and Redis as the cache (as in
production: the page's cache and its page view buffer need a cache shared by all processes), creates a
merchant and an order with 2 shipments and 30 tracking events, then measures in the same run:

1. the reference: a bare template page (the tracking 404 page: base layout, i18n, no query);
2. the order's tracking page (token check, no query once its cache entry is built: the order and the
   rendered page come from Redis, the page view is appended to a Redis list).

    python bench/tracking_page.py --requests 2000 --concurrency 8

Prints both request rates and the page/reference ratio, then writes the buffered page views (as the
periodic task does) and checks that every request was counted once. Needs PostgreSQL and Redis running;
the Redis database given by --cache-url is the bench's own.
"""

import argparse
import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench-tracking"
REFERENCE_PATH = "/track/not-a-valid-token/"

MAKE_DATA = """
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from merchants.models import Merchant
from core.scoping import merchant_scope
from orders.models import Customer, LineItem, Order
from tracking.services import shipment_upsert, tracking_event_add
from tracking.tokens import tracking_page_path

shop = Merchant.objects.create(name="Bench shop", slug="%(slug)s", default_language="fr")
placed = timezone.now() - timedelta(days=6)
with merchant_scope(shop):
    customer = Customer.objects.create(merchant=shop, email="bench@example.org", language="fr")
    order = Order.objects.create(
        merchant=shop, external_id="bench-1", number="#B1", customer=customer, email=customer.email,
        placed_at=placed, currency="EUR", total=Decimal("80.00"), shipping_country="FR",
    )
    for n in range(3):
        LineItem.objects.create(merchant=shop, order=order, title=f"Item {n}", quantity=1, unit_price=Decimal("20.00"))
for index, number in enumerate(("8D00432154798", "LA123456785FR")):
    shipment = shipment_upsert(merchant=shop, order=order, external_id=f"f{index}", tracking_number=number,
                               shipped_at=placed + timedelta(hours=3))
    for n in range(15):
        tracking_event_add(merchant=shop, shipment=shipment, status="in_transit",
                           occurred_at=placed + timedelta(hours=4 + n * 6), description=f"Scan {n}",
                           city="Lyon", country="FR", source="api")
print(tracking_page_path(order))
"""


def parse_args(*, rounds: bool = False):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    if rounds:
        parser.add_argument("--rounds", type=int, default=5, help="rounds of both measurements (default 5)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per measurement (default 2000)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent HTTP clients (default 8)")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn worker processes (default 3)")
    parser.add_argument("--web-threads", type=int, default=2, help="threads per gunicorn worker (default 2)")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pp_bench_tracking"),
    )
    parser.add_argument(
        "--cache-url",
        default=os.environ.get("BENCH_CACHE_URL", "rediscache://127.0.0.1:6379/12"),
        help="the cache: Redis buffers the page views; any other cache inserts one per view (default %(default)s)",
    )
    return parser.parse_args()


def environment(args) -> dict:
    env = dict(os.environ)
    env.update(
        APP_ENV="development",
        DEBUG="false",
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=args.database_url,
        CACHE_URL=args.cache_url,
        CELERY_BROKER_URL="memory://",
        LOG_LEVEL="WARNING",
        DB_POOL_MAX="10",
        PYTHONPATH=str(ROOT),
    )
    return env


def run(cmd, env):
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, text=True)


def prepare(args, env) -> str:
    """A fresh, migrated database with the bench order; returns the order's tracking page path."""
    create_database(args)
    run([sys.executable, "manage.py", "migrate", "--noinput"], env)
    # Views an interrupted run left in the buffer would be counted against this run's order (same ids).
    forget = "from django.core.cache import cache; from tracking import view_buffer; cache.delete(view_buffer.LIST_KEY)"
    run([sys.executable, "manage.py", "shell", "-c", forget], env)
    output = run([sys.executable, "manage.py", "shell", "-c", MAKE_DATA % {"slug": SLUG}], env).stdout
    return output.strip().splitlines()[-1]


def create_database(args) -> None:
    """The bench's database, empty (dropped first if a run left it)."""
    import psycopg

    dsn, _, name = args.database_url.rpartition("/")
    with psycopg.connect(f"{dsn}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


_local = threading.local()


def request(port, path):
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    except (http.client.HTTPException, OSError):
        conn.close()
        _local.conn = None
        raise


def start_web(args, env) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{args.port}"]
    command += ["-w", str(args.web_workers), "--threads", str(args.web_threads), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if request(args.port, "/healthz") == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def rate(port, path, count, concurrency, expected) -> float:
    statuses = []
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        statuses = list(pool.map(lambda _n: request(port, path), range(count)))
    elapsed = time.perf_counter() - started
    wrong = [s for s in statuses if s != expected]
    if wrong:
        raise SystemExit(f"{len(wrong)} requests to {path} answered {wrong[0]}, not {expected}")
    return count / elapsed


def paired_rates(port, reference: tuple, page: tuple, count, concurrency, rounds) -> list[tuple[float, float]]:
    """(reference rate, page rate) of `rounds` rounds, the two measured back to back in each: on a
    shared machine the load changes within seconds, so a ratio is only fair between neighbours.
    `reference` and `page` are (path, expected status)."""
    return [
        (rate(port, reference[0], count, concurrency, reference[1]), rate(port, page[0], count, concurrency, page[1]))
        for _round in range(rounds)
    ]


COUNT_VIEWS = """
from core.scoping import unscoped
from tracking.models import TrackingPageView
from tracking.services import tracking_page_views_flush
tracking_page_views_flush()
with unscoped():
    print(TrackingPageView.objects.count())
"""


def check_views_counted(env, expected: int) -> None:
    counted = int(run([sys.executable, "manage.py", "shell", "-c", COUNT_VIEWS], env).stdout.strip().splitlines()[-1])
    if counted != expected:
        raise SystemExit(f"{counted} page views recorded for {expected} requests")


def main():
    args = parse_args()
    env = environment(args)
    page_path = prepare(args, env)
    web = start_web(args, env)
    try:
        warm = max(50, args.requests // 10)
        rate(args.port, REFERENCE_PATH, warm, args.concurrency, 404)
        rate(args.port, page_path, warm, args.concurrency, 200)
        reference = rate(args.port, REFERENCE_PATH, args.requests, args.concurrency, 404)
        page = rate(args.port, page_path, args.requests, args.concurrency, 200)
    finally:
        web.send_signal(signal.SIGTERM)
        try:
            web.wait(timeout=20)
        except subprocess.TimeoutExpired:
            web.kill()
    print(f"bare template page ({REFERENCE_PATH}): {reference:8.1f} requests/s")
    print(f"tracking page (2 shipments, 30 events): {page:8.1f} requests/s")
    print(f"ratio tracking page / bare page: {page / reference:.2f}")
    check_views_counted(env, warm + args.requests)
    print(f"page views: {warm + args.requests} requests, each counted once")


if __name__ == "__main__":
    main()
