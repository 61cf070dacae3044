"""Load the demo shops: a year of customers, orders and shipments, and a staff login.

    python manage.py seed_demo [--orders 1500] [--reset] [--password …]

Deterministic and idempotent: a second run finds the same orders and writes nothing new.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Q
from django.urls import reverse
from tqdm import tqdm

from core.scoping import merchant_scope
from demo.seed import MAISON_LUMIERE, OWNER_EMAIL, SHOPS, demo_reset, now_for_demo, shop_seed, staff_ensure
from orders.models import Order

DEFAULT_PASSWORD = "lumiere-demo"  # noqa: S105 - a published demo login, for local use


def _statistics_refresh() -> None:
    """On PostgreSQL, ANALYZE the tables just filled: until autovacuum gets to them the planner believes
    they are empty, and the first pages of the demo would pick plans made for empty tables."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class Command(BaseCommand):
    help = "Create the demo merchants with twelve months of realistic history (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--orders",
            type=int,
            default=MAISON_LUMIERE.default_orders,
            help=f"Orders of the main demo shop (default {MAISON_LUMIERE.default_orders}).",
        )
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="Password of the demo staff login.")
        parser.add_argument("--reset", action="store_true", help="Delete the demo merchants first, then reload.")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bars.")

    def handle(self, *args, **options):
        if options["orders"] < 1:
            raise CommandError("--orders must be at least 1.")
        started = time.monotonic()
        if options["reset"]:
            self.stdout.write(f"Deleted {demo_reset()} demo rows.")
        owner = staff_ensure(password=options["password"])
        now = now_for_demo()
        results = []
        for shop in SHOPS:
            orders = options["orders"] if shop is MAISON_LUMIERE else _second_shop_orders(options["orders"], shop)
            results.append(
                shop_seed(shop, owner=owner, orders=orders, now=now, progress_factory=self._progress(options))
            )
        _statistics_refresh()
        self._report(results, options["password"], time.monotonic() - started)

    def _progress(self, options):
        disabled = options["no_progress"] or options["verbosity"] == 0

        def factory(**kwargs):
            return tqdm(disable=disabled, leave=True, **kwargs)

        return factory

    def _report(self, results, password, seconds):
        for result in results:
            with merchant_scope(result.merchant):
                counts = Order.objects.aggregate(
                    orders=Count("pk"),
                    customers=Count("customer", distinct=True),
                    shipped=Count("pk", filter=Q(shipments__isnull=False), distinct=True),
                )
            self.stdout.write(
                f"{result.merchant.name} ({result.merchant.slug}): {result.orders_created} orders added, "
                f"{counts['orders']} orders, {counts['customers']} customers, {counts['shipped']} shipped."
            )
        login_url = f"{settings.SITE_URL}{reverse('login')}"
        self.stdout.write(self.style.SUCCESS(f"Demo ready in {seconds:.1f} s."))
        self.stdout.write(f"  Sign in at {login_url}")
        self.stdout.write(f"  Email:    {OWNER_EMAIL}")
        self.stdout.write(f"  Password: {password}")
        self.stdout.write("  This login owns both demo shops; switch between them from the dashboard.")


def _second_shop_orders(main_orders: int, shop) -> int:
    """The second shop stays small, and shrinks with --orders for quick runs."""
    return max(5, min(shop.default_orders, main_orders // 10))
