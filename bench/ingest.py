"""Benchmark: signed Shopify orders/create webhooks -> order rows, through the real stack.

Starts gunicorn and a Celery worker (Redis broker, PostgreSQL) on 127.0.0.1 against a
database of its own, creates a merchant, then measures in the same run:

1. the bare view (/healthz) request rate: the reference;
2. the webhook endpoint's request rate with the worker stopped (store + enqueue only), measured
   in turns alternating with the bare view's, so that a change of load hits both;
3. the worker draining that backlog (processing alone);
4. end to end: fresh orders posted while the worker runs, until every one is a row, and until
   every order.created event is published too (confirmation and follow-up emails scheduled).

    python bench/ingest.py --orders 2000 --concurrency 16

Prints the figures and the endpoint/bare ratio. Needs PostgreSQL and Redis running.
"""

import argparse
import base64
import copy
import hashlib
import hmac
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "integrations" / "shopify" / "fixtures" / "orders_create.json"
SECRET = "bench-shopify-secret"
SLUG = "bench-ingest"
WARM_UP_ORDERS = 100


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=2000, help="orders per phase (default 2000)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent HTTP clients (default 16)")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn worker processes (default 3)")
    parser.add_argument(
        "--web-threads", type=int, default=8, help="threads per gunicorn worker (default 8, as the Procfile)"
    )
    parser.add_argument("--celery-concurrency", type=int, default=4, help="Celery worker processes (default 4)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pp_bench_ingest"),
    )
    parser.add_argument("--broker-url", default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/12"))
    return parser.parse_args()


def environment(args) -> dict:
    env = dict(os.environ)
    env.update(
        APP_ENV="development",
        DEBUG="false",
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=args.database_url,
        CELERY_BROKER_URL=args.broker_url,
        CACHE_URL=args.broker_url.replace("redis://", "rediscache://"),  # shared, as in production: the drain flag
        LOG_LEVEL="WARNING",
        DB_POOL_MAX="20",
        PYTHONPATH=str(ROOT),
    )
    return env


def run(cmd, env, **kwargs):
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, text=True, **kwargs)


def prepare_database(args, env) -> None:
    """A fresh database for the run, migrated, with the bench merchant."""
    import psycopg

    dsn, _, name = args.database_url.rpartition("/")
    with psycopg.connect(f"{dsn}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    run([sys.executable, "manage.py", "migrate", "--noinput"], env)
    command = [sys.executable, "manage.py", "create_merchant", "--name", "Bench shop", "--slug", SLUG]
    command += ["--owner-email", "bench@example.com", "--owner-password", "bench-Passw0rd-long", "--json"]
    command += ["--shopify-secret", SECRET]
    json.loads(run(command, env).stdout)


def purge_broker(args) -> None:
    import redis

    redis.Redis.from_url(args.broker_url).flushdb()  # the bench's own Redis database


def start_web(args, env) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{args.port}"]
    command += ["-w", str(args.web_workers), "--threads", str(args.web_threads), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _ = request(args.port, "GET", "/healthz")
            if status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def start_worker(args, env) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "ingest,default"]
    command += ["-c", str(args.celery_concurrency), "--prefetch-multiplier", "4", "-l", "warning", "--without-gossip"]
    command += ["--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(command, env=env, cwd=ROOT)


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


_local = threading.local()


def request(port, method, path, body=None, headers=None):
    """One request on this thread's keep-alive connection (a new one if the server closed it)."""
    for attempt in range(2):
        conn = getattr(_local, "conn", None)
        if conn is None:
            conn = _local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                _local.conn = None
            return response.status, data
        except (http.client.HTTPException, OSError):
            conn.close()
            _local.conn = None
            if attempt:
                raise
    raise RuntimeError("unreachable")


def signed_orders(count: int, start: int, *, placed_at: str | None = None) -> list[tuple[bytes, dict]]:
    """`count` distinct orders/create deliveries; one customer in four orders again.

    `placed_at` (ISO 8601) replaces the fixture's date: a confirmation is not sent for an order placed long ago.
    """
    template = json.loads(FIXTURE.read_bytes())
    if placed_at is not None:
        template["created_at"] = template["processed_at"] = placed_at
    deliveries = []
    for n in range(start, start + count):
        order = copy.deepcopy(template)
        order["id"] = 7_000_000_000_000_000_000 + n
        order["name"] = f"#B{n}"
        order["order_number"] = 100000 + n
        customer_n = n // 4 if n % 4 == 0 else n
        order["customer"]["id"] = 8_000_000_000_000_000_000 + customer_n
        order["customer"]["email"] = order["email"] = order["contact_email"] = f"buyer{customer_n}@example.org"
        for index, item in enumerate(order["line_items"]):
            item["id"] = 9_000_000_000_000_000_000 + n * 10 + index
        deliveries.append(signed_delivery(order, "orders/create"))
    return deliveries


def signed_delivery(payload: dict, topic: str, api_version: str = "2026-01") -> tuple[bytes, dict]:
    """The body and headers of one signed Shopify delivery of `payload`."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": signature,
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Shop-Domain": "bench.myshopify.com",
        "X-Shopify-Triggered-At": "2025-03-01T09:15:02.877041743Z",
        "X-Shopify-API-Version": api_version,
    }
    return body, headers


# The client threads live for the whole run, and with them their keep-alive connections: a turn
# pays no thread start or TCP connection, which would weigh more on the cheaper bare view.
_clients: dict[int, ThreadPoolExecutor] = {}


def hammer(port, concurrency, calls) -> float:
    """Run `calls` (method, path, body, headers) with `concurrency` clients; returns requests/s."""
    failures = []

    def one(call):
        status, data = request(port, *call)
        if status != 200:
            failures.append((status, data[:200]))

    pool = _clients.setdefault(concurrency, ThreadPoolExecutor(max_workers=concurrency))
    started = time.perf_counter()
    list(pool.map(one, calls))
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return len(calls) / elapsed


def alternating_rates(args, bare_calls, endpoint_calls, turns: int = 5) -> tuple[float, float]:
    """Both sides' request rates, measured in alternating turns so that load changes hit both."""
    seconds = {"bare": 0.0, "endpoint": 0.0}
    for turn in range(turns):
        for side, calls in (("bare", bare_calls), ("endpoint", endpoint_calls)):
            chunk = calls[turn::turns]
            seconds[side] += len(chunk) / hammer(args.port, args.concurrency, chunk)
    return len(bare_calls) / seconds["bare"], len(endpoint_calls) / seconds["endpoint"]


def counts() -> tuple[int, int]:
    """(deliveries still waiting, orders stored) for the bench merchant."""
    from core.scoping import unscoped
    from integrations.models import WebhookDelivery
    from orders.models import Order

    with unscoped():
        waiting = WebhookDelivery.objects.filter(merchant__slug=SLUG, status="received").count()
        orders = Order.objects.filter(merchant__slug=SLUG).count()
    return waiting, orders


def wait_until_processed(expected_orders: int, timeout: float = 600) -> float:
    """Seconds until no delivery waits and `expected_orders` rows exist."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        waiting, orders = counts()
        if waiting == 0 and orders >= expected_orders:
            return time.perf_counter() - started
        time.sleep(0.05)
    raise SystemExit(f"timed out: {counts()} (waiting, orders) after {timeout}s")


def wait_until_published(timeout: float = 600) -> None:
    """Until every order event of the bench merchant is published (its emails are scheduled)."""
    from core.scoping import unscoped
    from orders.models import OrderEvent

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        with unscoped():
            if not OrderEvent.objects.filter(merchant__slug=SLUG, published_at__isnull=True).exists():
                return
        time.sleep(0.05)
    raise SystemExit(f"timed out: events still unpublished after {timeout}s")


def failed_deliveries() -> list[str]:
    from core.scoping import unscoped
    from integrations.models import WebhookDelivery

    with unscoped():
        return list(
            WebhookDelivery.objects.filter(merchant__slug=SLUG, status="failed").values_list("last_error", flat=True)[
                :3
            ]
        )


def main():
    args = parse_args()
    env = environment(args)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    prepare_database(args, env)
    purge_broker(args)
    import django

    django.setup()

    n = args.orders
    warm_up = WARM_UP_ORDERS
    warm_batch = signed_orders(warm_up, 0)
    first_batch, second_batch = signed_orders(n, warm_up), signed_orders(n, warm_up + n)
    path = f"/webhooks/shopify/{SLUG}/"
    web = start_web(args, env)
    worker = None
    try:
        # Every web worker and thread imports its code on first use: warm both views up first.
        hammer(args.port, args.concurrency, [("GET", "/healthz", None, None)] * 500)
        hammer(args.port, args.concurrency, [("POST", path, b, h) for b, h in warm_batch])
        bare_rate, endpoint_rate = alternating_rates(
            args, [("GET", "/healthz", None, None)] * n, [("POST", path, b, h) for b, h in first_batch]
        )

        worker = start_worker(args, env)
        drain_seconds = wait_until_processed(warm_up + n)
        drain_rate = (warm_up + n) / drain_seconds

        started = time.perf_counter()
        posting_rate = hammer(args.port, args.concurrency, [("POST", path, b, h) for b, h in second_batch])
        wait_until_processed(warm_up + 2 * n)
        end_to_end = n / (time.perf_counter() - started)
        wait_until_published()
        published = n / (time.perf_counter() - started)
    finally:
        if worker is not None:
            stop(worker)
        stop(web)

    failures = failed_deliveries()
    print(f"orders per phase:                 {n} (concurrency {args.concurrency})")
    print(f"bare view /healthz:               {bare_rate:8.0f} req/s")
    print(f"webhook endpoint (worker idle):   {endpoint_rate:8.0f} req/s")
    print(f"endpoint / bare view:             {endpoint_rate / bare_rate:8.2f}")
    print(f"worker draining the backlog:      {drain_rate:8.0f} orders/s")
    print(f"end to end (post -> order rows):  {end_to_end:8.0f} orders/s (posting at {posting_rate:.0f} req/s)")
    print(f"end to end (post -> emails due):  {published:8.0f} orders/s (every order.created event published)")
    print(f"failed deliveries:                {len(failures)}{' e.g. ' + failures[0][:300] if failures else ''}")


if __name__ == "__main__":
    main()
