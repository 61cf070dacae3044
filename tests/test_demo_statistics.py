"""The demo on PostgreSQL: its tables are analysed once seeded, so the first pages get plans made for them."""

import io

import pytest
from django.core.management import call_command
from django.db import connection


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="ANALYZE is PostgreSQL's")
def test_the_seeded_tables_have_statistics():
    call_command("seed_demo", "--orders", "60", "--no-progress", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'orders_order'")
        (rows,) = cursor.fetchone()
    assert rows > 0  # -1 until the table is analysed
