"""Operator command: award points for a shop's past orders, as the settings page's action does.

    python manage.py loyalty_backfill --merchant my-shop [--since 2026-01-01]

`--since` is a date (midnight in the shop's time zone) or a datetime with its offset. Running it
again adds nothing; orders already earned (live or by an earlier run) are skipped.
"""

from django.core.management.base import BaseCommand, CommandError

from core.ranges import moment_parse
from merchants.models import Merchant

from ...backfill import points_backfill
from ...errors import LoyaltyValidationError


class Command(BaseCommand):
    help = "Award loyalty points for a shop's past orders (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--merchant", required=True, help="The shop's slug.")
        parser.add_argument("--since", help="Only orders placed from this date (YYYY-MM-DD) or datetime on.")

    def handle(self, *args, merchant, since, **options):
        shop = Merchant.objects.filter(slug=merchant).first()
        if shop is None:
            raise CommandError(f"No shop has the slug “{merchant}”.")
        since_at = moment_parse(since.strip(), shop) if since else None
        if since and since_at is None:
            raise CommandError("--since: give a date (2026-01-01) or a datetime with its offset.")
        try:
            made = points_backfill(merchant=shop, since=since_at)
        except LoyaltyValidationError as refusal:
            raise CommandError(" ".join(str(message) for message in refusal.errors.values())) from refusal
        self.stdout.write(f"{made} entries made.")
