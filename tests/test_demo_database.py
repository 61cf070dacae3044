"""`migrate_demo`: a new SQLite file gets the migrated schema without replaying the migrations."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CHECK = """
import django; django.setup()
from django.apps import apps; from django.db import connection
tables = set(connection.introspection.table_names())
missing = [m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.db_table not in tables]
print("missing:", missing)
"""


def manage(database: Path, *args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, *args], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=240
    )


def test_a_new_sqlite_file_gets_every_table_with_every_migration_recorded(tmp_path):
    database = tmp_path / "demo.sqlite3"
    created = manage(database, "manage.py", "migrate_demo")
    assert created.returncode == 0, created.stderr
    assert "tables from the models" in created.stdout
    assert manage(database, "-c", CHECK).stdout.strip() == "missing: []"
    check = manage(database, "manage.py", "migrate", "--check")  # exits 1 if a migration is left to apply
    assert check.returncode == 0, check.stdout + check.stderr
    again = manage(database, "manage.py", "migrate_demo")  # an existing file goes through migrate
    assert again.returncode == 0, again.stderr
    assert "No migrations to apply" in again.stdout
