from django.core.management.base import BaseCommand

from flows.dispatcher import dispatch_due


class Command(BaseCommand):
    help = "Send every flow message that is due now (one dispatcher pass)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args, batch_size, **options):
        stats = dispatch_due(batch_size=batch_size)
        skipped = ", ".join(f"{reason}: {n}" for reason, n in sorted(stats.skipped.items())) or "none"
        self.stdout.write(
            f"claimed {stats.claimed}, sent {stats.sent}, skipped {sum(stats.skipped.values())} ({skipped}), "
            f"deferred {stats.deferred}, retrying {stats.retried}, failed {stats.failed}, "
            f"interrupted {stats.interrupted}"
        )
