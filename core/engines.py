"""Which engine computes the figures: the one place that asks which database this is.

On PostgreSQL each app's SQL (time zones, FILTER, window functions, LATERAL, GROUPING SETS) is the fast
path for real shops. On any other database (the SQLite demo) each app computes the same definitions in
Python from rows read with the ORM (its `small_shop` module). Apps call `engines.on_postgresql()` at the
moment they choose, so the tests flip every engine with one switch.
"""

from django.db import connection


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"
