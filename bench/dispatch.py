"""Benchmark: the flows dispatcher against django-post-office, same emails, same backend.

    pip install -r requirements-bench.in -c constraints.txt   # django-post-office, bench only
    python bench/dispatch.py --n 20000   # BENCH_DATABASE_URL, default …/pp_bench_dispatch

Creates a throw-away database (test_pp_bench_dispatch: its own, never the test suite's), then N orders from N customers whose J+2
welcome email (a marketing step: consent, suppressions, daily cap, stop rules, rendering of the
merchant's template in the sandbox, CSS inlining, click tracking, one-click unsubscribe
headers) is due, and the same N emails queued in django-post-office with the same template
rendered on delivery (its EmailTemplate, stored context). Both send to Django's locmem backend:
the dispatcher (`dispatch_due`) and post-office's send_queued() loop take turns, 2,000 messages
each per round, until both have sent all N; each side's time is the sum of its turns. The outbox
is emptied before each turn, as a real backend keeps nothing. Prints messages per second for each
and the ratio.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_postoffice")


def create_orders(merchant, n: int, now):
    """N customers, N orders, N line items and the N due welcome messages, in bulk."""
    from core.scoping import merchant_scope
    from flows.models import FlowStep, ScheduledMessage
    from orders.models import Customer, LineItem, Order

    chunk = 5000
    with merchant_scope(merchant):
        step = FlowStep.objects.select_related("flow").get(key="welcome")
        for start in range(0, n, chunk):
            size = min(chunk, n - start)
            customers = Customer.objects.bulk_create(
                Customer(
                    merchant=merchant,
                    external_id=f"c{start + i}",
                    email=f"customer{start + i}@example.org",
                    first_name="Camille",
                    language="fr",
                    time_zone="Europe/Paris",
                    accepts_marketing=True,
                )
                for i in range(size)
            )
            orders = Order.objects.bulk_create(
                Order(
                    merchant=merchant,
                    external_id=f"o{start + i}",
                    number=f"#{10000 + start + i}",
                    customer=customer,
                    email=customer.email,
                    language="fr",
                    placed_at=now - timedelta(days=2),
                    currency="EUR",
                    subtotal=Decimal("49.90"),
                    total=Decimal("54.80"),
                    financial_status="paid",
                    shipping_country="FR",
                )
                for i, customer in enumerate(customers)
            )
            LineItem.objects.bulk_create(
                LineItem(
                    merchant=merchant,
                    order=order,
                    title="Bougie Figuier",
                    quantity=1,
                    unit_price=Decimal("49.90"),
                    product_id="p-candle",
                    product_type="candle",
                )
                for order in orders
            )
            ScheduledMessage.objects.bulk_create(
                ScheduledMessage(
                    merchant=merchant,
                    step=step,
                    order=order,
                    customer=order.customer,
                    anchor_at=order.placed_at,
                    first_due_at=now - timedelta(minutes=5),
                    due_at=now - timedelta(minutes=5),
                )
                for order in orders
            )
    return step


def post_office_template(merchant, step):
    """The welcome step's French template inside our layout, as one post-office EmailTemplate."""
    import css_inline
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe
    from post_office.models import EmailTemplate

    from flows.content import shop_context
    from flows.rendering import html_to_text

    source = step.templates.get(language="fr")
    links = {"preferences": mark_safe("{{ links.preferences }}"), "unsubscribe": mark_safe("{{ links.unsubscribe }}")}  # noqa: S308
    page = render_to_string(
        "flows/email/layout.html",
        {
            "body": mark_safe(source.html_body),  # noqa: S308 - template source, rendered by post-office later
            "preheader": mark_safe(source.preheader),  # noqa: S308
            "subject": mark_safe(source.subject),  # noqa: S308
            "shop": shop_context(merchant),
            "links": links,
            "marketing": True,
            "language": "fr",
        },
    )
    html = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False).inline(page)
    return EmailTemplate.objects.create(
        name="welcome-fr", subject=source.subject, html_content=html, content=html_to_text(html)
    )


def queue_post_office(merchant, template, n: int):
    from post_office import mail as post_office_mail

    from flows.content import shop_context

    shop = shop_context(merchant)
    chunk = 5000
    for start in range(0, n, chunk):
        kwargs = []
        for i in range(start, min(start + chunk, n)):
            address = f"customer{i}@example.org"
            links = {"preferences": f"http://localhost:8000/e/p/{i}/", "unsubscribe": f"http://localhost:8000/e/u/{i}/"}
            kwargs.append(
                {
                    "sender": f"{merchant.name} <{merchant.sender_email}>",
                    "recipients": [address],
                    "template": template,
                    "render_on_delivery": True,
                    "context": {
                        "customer": {"first_name": "Camille", "email": address},
                        "order": {"number": f"#{10000 + i}", "items": [{"title": "Bougie Figuier"}]},
                        "shop": shop,
                        "links": links,
                    },
                    "headers": {
                        "List-Unsubscribe": f"<{links['unsubscribe']}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                    },
                }
            )
        post_office_mail.send_many(kwargs)


def analyze(connection) -> None:
    """Statistics for the rows just bulk-loaded, as autovacuum would gather within a minute.

    Without them the planner believes the queue tables are nearly empty and, on both sides, reads
    and sorts every due row for each batch instead of walking the index (docs/performance.md).
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# The two sides take turns, ROUND_BATCHES batches of 200 each (2,000 messages), so that a change
# in the load other processes put on the machine falls on both rather than on one half of the run.
ROUND_BATCHES = 10


def time_ours(mail, dispatch_due) -> tuple[float, int]:
    mail.outbox = []
    started = time.perf_counter()
    stats = dispatch_due(max_batches=ROUND_BATCHES)
    seconds = time.perf_counter() - started
    assert stats.sent == len(mail.outbox), (stats, len(mail.outbox))
    return seconds, stats.sent


def time_theirs(mail) -> tuple[float, int]:
    from post_office.mail import get_queued, send_queued

    mail.outbox = []
    started = time.perf_counter()
    for _ in range(ROUND_BATCHES):
        if not get_queued().exists():
            break
        send_queued(processes=1, log_level=1)
    return time.perf_counter() - started, len(mail.outbox)


def run(n: int, *, freeze: bool) -> None:
    import django

    django.setup()
    from django.core import mail
    from django.db import connection
    from django.utils import timezone

    from config.celery import start_up_heap_freeze
    from core.scoping import merchant_scope
    from flows.dispatcher import dispatch_due
    from merchants.services import merchant_create

    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        merchant, _owner = merchant_create(
            name="Maison Lumière",
            slug="maison-lumiere",
            owner_email="owner@maison-lumiere.example.com",
            sender_email="hello@maison-lumiere.example.com",
            sender_name="Maison Lumière",
            support_email="support@maison-lumiere.example.com",
            website_url="https://maison-lumiere.example.com",
        )
        now = timezone.now()
        print(f"database {test_db}: creating {n} due messages, and as many queued post-office emails...", flush=True)
        step = create_orders(merchant, n, now)
        with merchant_scope(merchant):
            template = post_office_template(merchant, step)
        queue_post_office(merchant, template, n)
        analyze(connection)
        if freeze:  # as a worker does once started (config/celery.py); both sides share this process
            start_up_heap_freeze()

        ours = theirs = 0.0
        ours_sent = theirs_sent = 0
        while ours_sent < n or theirs_sent < n:
            if ours_sent < n:
                seconds, sent = time_ours(mail, dispatch_due)
                ours, ours_sent = ours + seconds, ours_sent + sent
            if theirs_sent < n:
                seconds, sent = time_theirs(mail)
                theirs, theirs_sent = theirs + seconds, theirs_sent + sent
        assert ours_sent == theirs_sent == n, (ours_sent, theirs_sent)
        ours_rate, theirs_rate = n / ours, n / theirs
        print(f"flows dispatcher:   {n} sent in {ours:.1f} s = {ours_rate:,.0f} messages/s", flush=True)
        print(f"django-post-office: {n} sent in {theirs:.1f} s = {theirs_rate:,.0f} messages/s", flush=True)
        print(f"ratio (flows / post-office): {ours_rate / theirs_rate:.2f}x")
    finally:
        mail.outbox = []
        connection.creation.destroy_test_db(test_db, verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="due messages to send (default 200000)")
    parser.add_argument("--no-freeze", action="store_true", help="leave the start-up heap in garbage collection")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pp_bench_dispatch"),
    )
    args = parser.parse_args()
    if args.n < 1:
        parser.error("--n must be at least 1")
    os.environ["DATABASE_URL"] = args.database_url  # read by the settings at django.setup()
    run(args.n, freeze=not args.no_freeze)


if __name__ == "__main__":
    main()
