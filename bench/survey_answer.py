"""Benchmark: the survey answer page (what a score link opens) against a bare template page, same server.

Starts gunicorn on 127.0.0.1 against a PostgreSQL database of its own (bench/tracking_page.py's server
and client), creates a shop, a delivered order and its CSAT invitation, then measures in the same run:

1. the reference: a bare template page (the tracking 404 page: base layout, i18n, no query);
2. the answer page, `/survey/<token>/?score=4&lang=fr`: the signed link read, the invitation, the
   shop's settings and any earlier answer loaded, the open counted, the form with its CSRF token.

    python bench/survey_answer.py --requests 1000 --rounds 5

Measured in rounds (`--rounds`, default 5), the two back to back in each round; prints each round and
the median of the rounds' page/reference ratios. Needs PostgreSQL and Redis running.
"""

import signal
import statistics
import subprocess
import sys

import tracking_page as server  # bench/tracking_page.py: database, gunicorn, HTTP client, rate

SLUG = "bench-survey"

MAKE_DATA = """
from datetime import timedelta
from django.utils import timezone
from feedback.links import answer_url
from feedback.services import invitation_for_order
from merchants.models import Merchant
from orders.services import CustomerInput, LineItemInput, OrderInput, order_upsert

shop = Merchant.objects.create(name="Bench shop", slug="%(slug)s", default_language="fr")
order, _ = order_upsert(merchant=shop, data=OrderInput(
    external_id="bench-1", number="#B1", placed_at=timezone.now() - timedelta(days=6), currency="EUR",
    email="bench@example.org", financial_status="paid", total="40.00",
    line_items=[LineItemInput(external_id="li-1", title="Vase", quantity=1, unit_price="40.00")],
    customer=CustomerInput(external_id="c-1", email="bench@example.org", language="fr"),
))
invitation = invitation_for_order(order=order, language="fr")
print(answer_url(invitation, language="fr", score=4).split("/", 3)[-1])
"""


def main():
    args = server.parse_args(rounds=True)
    args.port = args.port + 20 if args.port == 8766 else args.port
    if args.database_url.endswith("/pp_bench_tracking"):
        args.database_url = args.database_url.replace("pp_bench_tracking", "pp_bench_survey")
    env = server.environment(args)
    page_path = prepare(args, env)
    web = server.start_web(args, env)
    try:
        warm = max(50, args.requests // 10)
        server.rate(args.port, server.REFERENCE_PATH, warm, args.concurrency, 404)
        server.rate(args.port, page_path, warm, args.concurrency, 200)
        rounds = server.paired_rates(
            args.port, (server.REFERENCE_PATH, 404), (page_path, 200), args.requests, args.concurrency, args.rounds
        )
    finally:
        web.send_signal(signal.SIGTERM)
        try:
            web.wait(timeout=20)
        except subprocess.TimeoutExpired:
            web.kill()
    for number, (reference, page) in enumerate(rounds, 1):
        print(
            f"round {number}: bare page {reference:8.1f} requests/s, answer page {page:8.1f}, ratio {page / reference:.2f}"
        )
    ratios = [page / reference for reference, page in rounds]
    print(
        f"bare template page ({server.REFERENCE_PATH}): median {statistics.median(r for r, _p in rounds):8.1f} requests/s"
    )
    print(f"survey answer page: median {statistics.median(p for _r, p in rounds):8.1f} requests/s")
    print(f"ratio answer page / bare page: median of {len(rounds)} rounds {statistics.median(ratios):.2f}")


def prepare(args, env) -> str:
    """A fresh, migrated database with the bench invitation; returns its answer page's path."""
    server.create_database(args)
    server.run([sys.executable, "manage.py", "migrate", "--noinput"], env)
    output = server.run([sys.executable, "manage.py", "shell", "-c", MAKE_DATA % {"slug": SLUG}], env).stdout
    return "/" + output.strip().splitlines()[-1]


if __name__ == "__main__":
    main()
