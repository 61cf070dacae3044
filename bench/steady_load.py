"""Benchmark: a steady stream of signed Shopify orders/create webhooks, through to the confirmation email.

Starts gunicorn, the `worker` and `messages` Celery workers as the Procfile runs them (Redis broker,
PostgreSQL) on 127.0.0.1 against a database of its own, creates a merchant, then posts orders at
steady rates (phases of RATExSECONDS), restarting both workers in the middle (SIGTERM, then
SIGKILL if they have not stopped after --stop-grace seconds). Emails go to a backend that records
the time each was handed to it (bench/email_recorder.py). Prints, per phase:

- the time from each webhook's sending to its confirmation email being handed to the backend (p50/p95/p99);
- lost and duplicate orders and confirmation emails (both must be 0);
- the most drain tasks queued on `ingest` at once (at most WEBHOOK_DRAIN_TASKS + EVENT_DRAIN_TASKS);
- how long after the stream's end the ingest work was done and the last confirmation sent.

    python bench/steady_load.py                          # 50/s for 5 minutes, then 150/s for a minute
    python bench/steady_load.py --phases 50x60,150x20    # a short run

Every Redis key of the run (broker, cache, recorded emails) is under --key-prefix in the Redis
database of --redis-url; only those keys are deleted, before and after. Needs PostgreSQL and Redis.
"""

import argparse
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import ingest  # bench/ingest.py: its server, request and signed-delivery helpers

ROOT = ingest.ROOT
SLUG = ingest.SLUG
WORKER_QUEUES = "ingest,webhooks,analytics,default"  # as the Procfile's worker
CONFIRMATION = re.compile(r"#B(\d+) (?:is confirmed|est confirmée)")  # flows/defaults.py, en and fr
DRAIN_TASKS = ("integrations.tasks.drain_webhook_deliveries", "orders.tasks.publish_events")


@dataclass
class Phase:
    rate: float
    seconds: float
    first: int = 0  # number of its first order
    sent_at: dict[int, float] = field(default_factory=dict)  # order number -> time.time() at its sending
    accepted: set[int] = field(default_factory=set)
    refused: int = 0
    started: float = 0.0
    ended: float = 0.0

    @property
    def count(self) -> int:
        return int(self.rate * self.seconds)


def parse_phases(text: str) -> list[Phase]:
    phases = []
    for part in text.split(","):
        rate, _, seconds = part.partition("x")
        phases.append(Phase(rate=float(rate), seconds=float(seconds)))
    return phases


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phases", default="50x300,150x60", help="RATExSECONDS,... (default 50x300,150x60)")
    parser.add_argument("--restart-at", type=float, default=None, help="seconds into the stream (default: the middle)")
    parser.add_argument("--stop-grace", type=float, default=10, help="SIGTERM, then SIGKILL after this (s)")
    parser.add_argument("--clients", type=int, default=64, help="HTTP client threads (default 64)")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn worker processes (default 3)")
    parser.add_argument("--web-threads", type=int, default=8, help="threads per gunicorn worker (default 8)")
    parser.add_argument(
        "--celery-concurrency", type=int, default=os.cpu_count(), help="`worker` processes (default: CPUs)"
    )
    parser.add_argument("--messages-concurrency", type=int, default=2, help="`messages` processes (default 2)")
    parser.add_argument("--settle-timeout", type=float, default=600, help="wait this long after the stream")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pp_steady_bench"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"))
    parser.add_argument("--key-prefix", default="steady-bench")
    return parser.parse_args()


def environment(args) -> dict:
    args.broker_url = args.redis_url  # what ingest.environment reads
    env = ingest.environment(args)
    env.update(DJANGO_SETTINGS_MODULE="bench.settings_steady", BENCH_KEY_PREFIX=args.key_prefix)
    return env


def redis_client(args):
    import redis

    return redis.Redis.from_url(args.redis_url)


def delete_run_keys(args) -> None:
    """The run's keys only: the Redis database may be shared."""
    client = redis_client(args)
    keys = list(client.scan_iter(match=f"{args.key_prefix}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.unlink(*keys[start : start + 500])


# --- Workers -------------------------------------------------------------------------------------
def start_workers(args, env) -> list[subprocess.Popen]:
    common = [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "warning", "--without-gossip"]
    common += ["--without-mingle"]
    worker = [*common, "-n", "worker@%h", "-Q", WORKER_QUEUES, "-c", str(args.celery_concurrency)]
    messages = [*common, "-n", "messages@%h", "-Q", "messages", "-c", str(args.messages_concurrency)]
    # Run as root, Celery warns on every start; the banner goes to stdout. A session each: a
    # SIGKILL reaches the pool's processes too.
    env = {**env, "PYTHONWARNINGS": "ignore:You're running the worker with superuser privileges"}
    return [
        subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL)
        for command in (worker, messages)
    ]


def wait_ready(timeout: float = 180) -> None:
    """Until both workers answer a ping (a loaded machine takes seconds to start one)."""
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        names = {name.partition("@")[0] for reply in app.control.ping(timeout=1) for name in reply}
        if {"worker", "messages"} <= names:
            return
    raise SystemExit("the workers did not start")


def stop_workers(workers: list[subprocess.Popen], grace: float) -> str:
    """SIGTERM (a warm shutdown: running tasks finish), then SIGKILL the lot after `grace` seconds."""
    for process in workers:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    how = "SIGTERM"
    for process in workers:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            how = "SIGTERM, then SIGKILL"
    return how


# --- The stream ----------------------------------------------------------------------------------
def post_one(args, path, number, body, headers, phase: Phase) -> None:
    """Post as Shopify does: retried (here after 1 s, up to 5 times) until a 200."""
    phase.sent_at[number] = time.time()
    for _attempt in range(5):
        try:
            status, _ = ingest.request(args.port, "POST", path, body, headers)
        except OSError:
            status = None
        if status == 200:
            phase.accepted.add(number)
            return
        time.sleep(1)
    phase.refused += 1


def stream(args, phase: Phase, deliveries, pool: ThreadPoolExecutor) -> None:
    """Submit one post every 1/rate seconds, on schedule whatever the server's answer time."""
    path = f"/webhooks/shopify/{SLUG}/"
    phase.started = time.monotonic()
    for index, (body, headers) in enumerate(deliveries):
        delay = phase.started + index / phase.rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        pool.submit(post_one, args, path, phase.first + index, body, headers, phase)
    phase.ended = time.monotonic()


class QueueWatch(threading.Thread):
    """Samples the broker's ingest queue every half second: the most drain tasks waiting at once."""

    def __init__(self, args):
        super().__init__(daemon=True)
        self.client = redis_client(args)
        self.queue = f"{args.key_prefix}:ingest"
        self.most_drains = 0
        self.most_ingest = 0
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(0.5):
            messages = self.client.lrange(self.queue, 0, -1)
            drains = sum(1 for m in messages if json.loads(m).get("headers", {}).get("task") in DRAIN_TASKS)
            self.most_drains = max(self.most_drains, drains)
            self.most_ingest = max(self.most_ingest, len(messages))


# --- Results -------------------------------------------------------------------------------------
def emails_by_order(args) -> dict[int, list[float]]:
    """Order number -> times its confirmation email was handed to the backend."""
    found: dict[int, list[float]] = {}
    for raw in redis_client(args).lrange(f"{args.key_prefix}:emails", 0, -1):
        email = json.loads(raw)
        confirmation = CONFIRMATION.search(email["subject"])  # in the customer's language
        if confirmation:
            found.setdefault(int(confirmation.group(1)), []).append(email["at"])
    return found


def ingest_work_left() -> tuple[int, int]:
    """(deliveries waiting, order events unpublished) of the bench merchant."""
    from core.scoping import unscoped
    from integrations.models import WebhookDelivery
    from orders.models import OrderEvent

    with unscoped():
        waiting = WebhookDelivery.objects.filter(merchant__slug=SLUG, status="received").count()
        unpublished = OrderEvent.objects.filter(merchant__slug=SLUG, published_at__isnull=True).count()
    return waiting, unpublished


def order_counts() -> tuple[dict[str, int], int]:
    """(rows per order number, failed deliveries) of the bench merchant."""
    from django.db.models import Count

    from core.scoping import unscoped
    from integrations.models import WebhookDelivery
    from orders.models import Order

    with unscoped():
        rows = Order.objects.filter(merchant__slug=SLUG).values("number").annotate(n=Count("id"))
        failed = WebhookDelivery.objects.filter(merchant__slug=SLUG, status="failed").count()
    return {row["number"]: row["n"] for row in rows}, failed


def settle(args, phases: list[Phase], stream_end: float) -> dict[str, float | None]:
    """Seconds after the stream's end until the ingest work was done, the ingest queue was empty,
    and every accepted order had its confirmation (None: not within --settle-timeout)."""
    expected = set().union(*(phase.accepted for phase in phases))
    client = redis_client(args)
    done: dict[str, float | None] = {"ingest work": None, "ingest queue": None, "confirmations": None}
    checks = {
        "ingest work": lambda: ingest_work_left() == (0, 0),
        "ingest queue": lambda: client.llen(f"{args.key_prefix}:ingest") == 0,
        "confirmations": lambda: expected <= emails_by_order(args).keys(),
    }
    while time.monotonic() - stream_end < args.settle_timeout and None in done.values():
        waited = time.monotonic() - stream_end
        for name, check in checks.items():
            if done[name] is None and check():
                done[name] = waited
        time.sleep(0.5)
    return done


def percentile(values: list[float], share: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1] if len(values) > 1 else values[0]
    )


def report(args, phases, watch, restart, settled, last_email_after_end) -> None:
    emails = emails_by_order(args)
    rows, failed = order_counts()
    print(
        f"machine: {os.cpu_count()} CPUs, load average before the run {restart['load_before']}, after {os.getloadavg()}"
    )
    print(
        f"settings: WEBHOOK_DRAIN_TASKS {restart['drain_tasks']}, EVENT_DRAIN_TASKS {restart['event_tasks']}; "
        f"worker -c {args.celery_concurrency}, messages -c {args.messages_concurrency}; "
        f"gunicorn {args.web_workers}x{args.web_threads}"
    )
    print(
        f"workers restarted at {restart['at']:.0f} s into the stream ({restart['how']}), "
        f"down {restart['down']:.1f} s (until both answered a ping)"
    )
    for phase in phases:
        numbers = range(phase.first, phase.first + phase.count)
        achieved = phase.count / (phase.ended - phase.started) if phase.ended > phase.started else 0
        lost_orders = sum(1 for n in phase.accepted if rows.get(f"#B{n}", 0) == 0)
        duplicate_orders = sum(1 for n in numbers if rows.get(f"#B{n}", 0) > 1)
        lost_emails = sum(1 for n in phase.accepted if n not in emails)
        duplicate_emails = sum(1 for n in numbers if len(emails.get(n, [])) > 1)
        delays = sorted(emails[n][0] - phase.sent_at[n] for n in phase.accepted if n in emails)
        # Orders sent while no worker ran wait for the restart whatever the code does: shown apart too.
        steady = sorted(
            emails[n][0] - phase.sent_at[n]
            for n in phase.accepted
            if n in emails and not restart["stopped"] <= phase.sent_at[n] <= restart["ready"]
        )
        print(f"phase {phase.rate:g}/s for {phase.seconds:g} s: {phase.count} orders, posted at {achieved:.1f}/s")
        print(f"  accepted {len(phase.accepted)}, refused after 5 tries {phase.refused}")
        print(f"  lost orders {lost_orders}, duplicate orders {duplicate_orders}")
        print(f"  lost confirmations {lost_emails}, duplicate confirmations {duplicate_emails}")
        if delays:
            print(f"  webhook sent -> confirmation handed to the backend: {_spread(delays)}")
        if steady and len(steady) < len(delays):
            print(f"    the {len(steady)} sent outside the restart window: {_spread(steady)}")
    print(f"failed deliveries: {failed}")
    print(
        f"most drain tasks waiting in the ingest queue at once: {watch.most_drains} (ingest queue at most {watch.most_ingest})"
    )
    print(
        f"after the stream: ingest work done in {_seconds(settled['ingest work'])}, the ingest queue empty "
        f"in {_seconds(settled['ingest queue'])}, every confirmation sent in {_seconds(settled['confirmations'])}"
    )
    if last_email_after_end is not None:
        print(f"last confirmation handed over {last_email_after_end:.1f} s after the stream's end")


def _spread(delays: list[float]) -> str:
    p50, p95, p99 = (percentile(delays, share) for share in (0.50, 0.95, 0.99))
    return f"p50 {p50:.2f} s, p95 {p95:.2f} s, p99 {p99:.2f} s, max {delays[-1]:.2f} s"


def _seconds(value: float | None) -> str:
    return f"{value:.1f} s" if value is not None else "more than --settle-timeout"


def main():
    args = parse_args()
    phases = parse_phases(args.phases)
    env = environment(args)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    load_before = os.getloadavg()
    ingest.prepare_database(args, env)
    delete_run_keys(args)
    import django

    django.setup()
    from django.conf import settings

    first = 0
    payloads = []
    placed_at = datetime.now(UTC).isoformat()  # confirmations are sent only for recent orders
    for phase in phases:
        phase.first = first
        payloads.append(ingest.signed_orders(phase.count, first, placed_at=placed_at))
        first += phase.count
    total_seconds = sum(phase.seconds for phase in phases)
    restart_at = args.restart_at if args.restart_at is not None else total_seconds / 2
    restart = {
        "load_before": tuple(round(x, 2) for x in load_before),
        "drain_tasks": settings.WEBHOOK_DRAIN_TASKS,
        "event_tasks": settings.EVENT_DRAIN_TASKS,
        "at": restart_at,
        "how": "",
        "down": 0.0,
        "stopped": math.inf,
        "ready": math.inf,
    }

    web = ingest.start_web(args, env)
    workers = start_workers(args, env)
    watch = QueueWatch(args)
    pool = ThreadPoolExecutor(max_workers=args.clients)
    stream_started = time.monotonic()

    def restart_workers():
        nonlocal workers
        delay = stream_started + restart_at - time.monotonic()
        time.sleep(max(0.0, delay))
        stopped_at, restart["stopped"] = time.monotonic(), time.time()
        restart["how"] = stop_workers(workers, args.stop_grace)
        workers = start_workers(args, env)
        wait_ready()
        restart["down"] = time.monotonic() - stopped_at
        restart["ready"] = time.time()

    try:
        wait_ready()
        watch.start()
        stream_started = time.monotonic()
        restarter = threading.Thread(target=restart_workers, daemon=True)
        restarter.start()
        for phase, deliveries in zip(phases, payloads, strict=True):
            stream(args, phase, deliveries, pool)
        pool.shutdown(wait=True)  # every post answered (or refused)
        stream_end = time.monotonic()
        stream_end_wall = time.time()
        restarter.join()
        settled = settle(args, phases, stream_end)
        emails = emails_by_order(args)
        last = max((times[0] for times in emails.values()), default=None)
        last_email_after_end = last - stream_end_wall if last is not None else None
        watch.stopped.set()
        report(args, phases, watch, restart, settled, last_email_after_end)
    finally:
        watch.stopped.set()
        stop_workers(workers, args.stop_grace)
        ingest.stop(web)
        delete_run_keys(args)


if __name__ == "__main__":
    main()
