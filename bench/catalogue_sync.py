"""Benchmark: signed Shopify products/create webhooks (5 variants each) -> product and variant rows,
end to end, against the order ingest of bench/ingest.py on the same server in the same run.

Uses bench/ingest.py's machinery: a database of its own, gunicorn and a Celery worker started as
there, the same signed posting and clients. Both streams are posted while the worker runs and timed
until every delivery is processed and its rows exist (orders: until every order is a row, as
ingest.py's "end to end"; its events are then published before the products' turn starts, so they
do not weigh on it). The two are measured in alternating turns, so a change of load on a shared
machine hits both. Prints orders/s, products/s, variants/s and the ratio variants/s over orders/s.

    python bench/catalogue_sync.py --products 10000 --orders 2000

Needs PostgreSQL and Redis running.
"""

import argparse
import copy
import json
import os
import sys
import time
from pathlib import Path

import ingest  # bench/ingest.py: database, servers, signed posting, clients

ROOT = Path(__file__).resolve().parent.parent
PRODUCT_FIXTURE = ROOT / "tests" / "integrations" / "shopify" / "fixtures" / "products_create.json"
WARM_UP = 100


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10000, help="product webhooks in all (default 10000)")
    parser.add_argument("--variants", type=int, default=5, help="variants per product (default 5)")
    parser.add_argument("--orders", type=int, default=2000, help="orders in all, for the reference (default 2000)")
    parser.add_argument("--turns", type=int, default=2, help="alternating turns of orders and products (default 2)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent HTTP clients (default 16)")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--web-threads", type=int, default=8)
    parser.add_argument("--celery-concurrency", type=int, default=4)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pp_bench_catalogue"),
    )
    parser.add_argument("--broker-url", default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/13"))
    return parser.parse_args()


def signed_products(count: int, start: int, variants: int) -> list[tuple[bytes, dict]]:
    """`count` distinct products/create deliveries of `variants` variants each (sizes x colours)."""
    template = json.loads(PRODUCT_FIXTURE.read_bytes())
    sizes = ("XS", "S", "M", "L", "XL", "XXL")
    deliveries = []
    for n in range(start, start + count):
        product = copy.deepcopy(template)
        product["id"] = 6_000_000_000_000 + n
        product["handle"] = f"bench-product-{n}"
        product["title"] = f"Bench product {n}"
        base = product["variants"][0]
        product["variants"] = []
        for index in range(variants):
            variant = copy.deepcopy(base)
            variant["id"] = 5_000_000_000_000 + n * 100 + index
            variant["product_id"] = product["id"]
            variant["inventory_item_id"] = 4_000_000_000_000 + n * 100 + index
            variant["option1"] = sizes[index % len(sizes)]
            variant["option2"] = ("Navy", "Sand", "Moss")[index // len(sizes) % 3]
            variant["title"] = f"{variant['option1']} / {variant['option2']}"
            variant["sku"] = f"B{n}-{index}"
            variant["position"] = index + 1
            product["variants"].append(variant)
        deliveries.append(ingest.signed_delivery(product, "products/create", api_version="2026-07"))
    return deliveries


def variant_count() -> int:
    from catalogue.models import Variant
    from core.scoping import unscoped

    with unscoped():
        return Variant.objects.filter(merchant__slug=ingest.SLUG).count()


def wait_for_variants(expected: int, timeout: float = 1200) -> None:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        waiting, _orders = ingest.counts()
        if waiting == 0 and variant_count() >= expected:
            return
        time.sleep(0.05)
    raise SystemExit(f"timed out: {ingest.counts()} (waiting, orders), {variant_count()} variants")


def timed(post, wait) -> float:
    """Seconds from the first post until `wait` returns."""
    started = time.perf_counter()
    post()
    wait()
    return time.perf_counter() - started


def main():
    args = parse_args()
    env = ingest.environment(args)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    ingest.prepare_database(args, env)
    ingest.purge_broker(args)
    import django

    django.setup()

    turns, per_turn_orders, per_turn_products = args.turns, args.orders // args.turns, args.products // args.turns
    path = f"/webhooks/shopify/{ingest.SLUG}/"
    web = ingest.start_web(args, env)
    worker = ingest.start_worker(args, env)
    seconds = {"orders": 0.0, "products": 0.0}
    try:
        # Every web worker, thread and Celery process imports its code on first use: warm both up.
        warm_orders, warm_products = ingest.signed_orders(WARM_UP, 0), signed_products(WARM_UP, 0, args.variants)
        ingest.hammer(args.port, args.concurrency, [("POST", path, b, h) for b, h in warm_orders + warm_products])
        ingest.wait_until_processed(WARM_UP)
        ingest.wait_until_published()
        wait_for_variants(WARM_UP * args.variants)
        orders_done, products_done = WARM_UP, WARM_UP
        for _turn in range(turns):
            orders = ingest.signed_orders(per_turn_orders, orders_done)
            orders_done += per_turn_orders
            seconds["orders"] += timed(
                lambda o=orders: ingest.hammer(args.port, args.concurrency, [("POST", path, b, h) for b, h in o]),
                lambda n=orders_done: ingest.wait_until_processed(n),
            )
            ingest.wait_until_published()  # its emails scheduled: none of the orders' work is left
            products = signed_products(per_turn_products, products_done, args.variants)
            products_done += per_turn_products
            seconds["products"] += timed(
                lambda p=products: ingest.hammer(args.port, args.concurrency, [("POST", path, b, h) for b, h in p]),
                lambda n=products_done: wait_for_variants(n * args.variants),
            )
    finally:
        ingest.stop(worker)
        ingest.stop(web)

    orders_rate = turns * per_turn_orders / seconds["orders"]
    products_rate = turns * per_turn_products / seconds["products"]
    variants_rate = products_rate * args.variants
    failures = ingest.failed_deliveries()
    print(
        f"orders (reference):               {turns * per_turn_orders} in {turns} turns (concurrency {args.concurrency})"
    )
    print(f"products:                         {turns * per_turn_products} x {args.variants} variants")
    print(f"order ingest end to end:          {orders_rate:8.0f} orders/s (post -> order rows)")
    print(f"catalogue sync end to end:        {products_rate:8.0f} products/s (post -> product and variant rows)")
    print(f"                                  {variants_rate:8.0f} variants/s")
    print(f"variants/s over orders/s:         {variants_rate / orders_rate:8.2f}")
    print(f"failed deliveries:                {len(failures)}{' e.g. ' + failures[0][:300] if failures else ''}")


if __name__ == "__main__":
    main()
