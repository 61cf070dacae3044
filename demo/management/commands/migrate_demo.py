"""Bring the demo's database up to date, fast on a new SQLite file.

    python manage.py migrate_demo

Replaying every migration re-renders the project's models after each operation: about 20 s of CPU
for a database with no row in it. A new (empty) SQLite file instead gets its tables straight from
the models, as `migrate --run-syncdb` makes them, and every migration is recorded as applied: the
same schema (the migrations match the models, `makemigrations --check` makes sure), and their data
steps have no row to change in an empty database. Any other database, an existing demo file
included, goes through `migrate`.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import override_settings


class Command(BaseCommand):
    help = "Create or update the demo database: a new SQLite file from the models, any other through migrate."

    def handle(self, *args, **options):
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.vendor == "sqlite" and not connection.introspection.table_names():
            tables_from_models(connection)
            self.stdout.write("Created the demo database's tables from the models.")
        else:
            call_command("migrate", interactive=False, verbosity=options["verbosity"])


def tables_from_models(connection) -> None:
    migrations = MigrationLoader(connection, ignore_no_migrations=True).disk_migrations
    without_migrations = {label: None for label, _name in migrations}
    with override_settings(MIGRATION_MODULES=without_migrations):
        call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
    recorder = MigrationRecorder(connection)
    recorder.ensure_schema()
    recorder.migration_qs.bulk_create([recorder.Migration(app=app, name=name) for app, name in sorted(migrations)])
