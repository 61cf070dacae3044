"""Benchmark: the returns portal's item-selection page against a bare template page, on the same server.

Starts gunicorn on 127.0.0.1 against a PostgreSQL database of its own (bench/tracking_page.py's server
and client), creates a shop offering returns and a delivered order of 10 items, then measures in the
same run:

1. the reference: a bare template page (the tracking 404 page: base layout, i18n, no query);
2. the order's returns page, `/returns/<order token>/`: what may still be returned, for how much and
   why not, the reasons and methods, the form (not cached: it must show returns made a second ago).

    python bench/returns_portal.py --requests 1000

Prints both request rates and the page/reference ratio. Needs PostgreSQL and Redis running.
"""

import signal
import subprocess
import sys

import tracking_page as server  # bench/tracking_page.py: database, gunicorn, HTTP client, rate

SLUG = "bench-returns"

MAKE_DATA = """
from datetime import timedelta
from decimal import Decimal
from django.urls import reverse
from django.utils import timezone
from core.scoping import merchant_scope
from merchants.models import Merchant
from orders.services import CustomerInput, LineItemInput, OrderInput, order_upsert
from portal.links import order_token
from returns.models import ReturnPolicy
from tracking.services import shipment_upsert, tracking_event_add

shop = Merchant.objects.create(name="Bench shop", slug="%(slug)s", default_language="fr")
placed = timezone.now() - timedelta(days=6)
with merchant_scope(shop):
    ReturnPolicy.objects.create(merchant=shop, methods=["ship_yourself", "label"], fee=Decimal("4.90"))
items = [
    LineItemInput(external_id=f"li-{n}", title=f"Item {n}", sku=f"SKU-{n}", quantity=1 + n %% 3, unit_price="20.00",
                  product_type="Vase" if n %% 2 else "Candle")
    for n in range(10)
]
order, _ = order_upsert(merchant=shop, data=OrderInput(
    external_id="bench-1", number="#B1", placed_at=placed, currency="EUR", email="bench@example.org",
    financial_status="paid", discount="20.00", total="360.00", line_items=items,
    customer=CustomerInput(external_id="c-1", email="bench@example.org", language="fr"),
))
shipment = shipment_upsert(merchant=shop, order=order, external_id="f1", tracking_number="8D00432154798",
                           shipped_at=placed + timedelta(hours=3))
tracking_event_add(merchant=shop, shipment=shipment, status="delivered", occurred_at=placed + timedelta(days=2),
                   description="Delivered", city="Lyon", country="FR", source="api")
print(reverse("portal-returns:index", kwargs={"token": order_token(order)}))
"""


def main():
    args = server.parse_args()
    args.port = args.port + 10 if args.port == 8766 else args.port
    if args.database_url.endswith("/pp_bench_tracking"):
        args.database_url = args.database_url.replace("pp_bench_tracking", "pp_bench_returns")
    env = server.environment(args)
    page_path = prepare(args, env)
    web = server.start_web(args, env)
    try:
        warm = max(50, args.requests // 10)
        server.rate(args.port, server.REFERENCE_PATH, warm, args.concurrency, 404)
        server.rate(args.port, page_path, warm, args.concurrency, 200)
        reference = server.rate(args.port, server.REFERENCE_PATH, args.requests, args.concurrency, 404)
        page = server.rate(args.port, page_path, args.requests, args.concurrency, 200)
    finally:
        web.send_signal(signal.SIGTERM)
        try:
            web.wait(timeout=20)
        except subprocess.TimeoutExpired:
            web.kill()
    print(f"bare template page ({server.REFERENCE_PATH}): {reference:8.1f} requests/s")
    print(f"returns page (10 items): {page:8.1f} requests/s")
    print(f"ratio returns page / bare page: {page / reference:.2f}")


def prepare(args, env) -> str:
    """A fresh, migrated database with the bench order; returns the order's returns page path."""
    server.create_database(args)
    server.run([sys.executable, "manage.py", "migrate", "--noinput"], env)
    output = server.run([sys.executable, "manage.py", "shell", "-c", MAKE_DATA % {"slug": SLUG}], env).stdout
    return output.strip().splitlines()[-1]


if __name__ == "__main__":
    main()
