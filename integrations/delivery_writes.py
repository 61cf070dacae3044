"""Writing received webhook deliveries: the receiving views' one query, shared between requests.

A delivery must be stored durably before the shop gets its 200, and the commit that waits for
the disk is the largest cost of a webhook request. So the request threads of one process that
store deliveries at the same moment share one multi-row INSERT and one commit: the first thread
writes everything queued when it starts (during a burst, after waiting up to 2 ms for more), on
its own connection, and the others wait for its answer. If that shared write fails, each thread writes its own row again, alone, so one bad
row never costs another its delivery.

Inside a transaction (or on another database than PostgreSQL) a delivery is written alone, in
that transaction.
"""

import functools
import math
import threading
import time

from django.db import connection, models

from .models import WebhookDelivery

FIELDS = [field for field in WebhookDelivery._meta.concrete_fields if not field.primary_key]
UNIQUE = ("merchant", "source", "delivery_id")  # the webhookdelivery_unique constraint


def insert_unless_known(delivery: WebhookDelivery) -> int | None:
    """INSERT ... ON CONFLICT DO NOTHING: the new row's id, or None for a known delivery id."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return insert_many([delivery])[0]
    return _shared_writes.insert(delivery)


def insert_many(deliveries: list[WebhookDelivery]) -> list[int | None]:
    """One statement for all: each delivery's new id, or None if its key was known (or repeated)."""
    rows = [_row(delivery) for delivery in deliveries]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(len(rows)), [value for row in rows for value in row])
        returned = {tuple(key): pk for pk, *key in cursor.fetchall()}
    # A key given twice is inserted once, for the first: the second is a redelivery.
    return [
        returned.pop((delivery.merchant_id, delivery.source, delivery.delivery_id), None) for delivery in deliveries
    ]


def _row(delivery: WebhookDelivery) -> list:
    if connection.vendor != "postgresql":
        return [field.get_db_prep_save(field.pre_save(delivery, True), connection) for field in FIELDS]
    # psycopg binds text, integers and aware datetimes as they are: only JSON needs Django's adapter
    # (get_db_prep_save on every field cost more than the rest of building the statement).
    values = [getattr(delivery, field.attname) for field in FIELDS]
    return [adapt(value, connection) if adapt else value for value, adapt in zip(values, _ADAPTERS, strict=True)]


_ADAPTERS = [field.get_db_prep_save if isinstance(field, models.JSONField) else None for field in FIELDS]


@functools.cache
def _insert_sql(count: int) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in FIELDS)
    unique = ", ".join(quote(WebhookDelivery._meta.get_field(name).column) for name in UNIQUE)
    row = f"({', '.join(['%s'] * len(FIELDS))})"
    # Names come from the model; values are bound parameters.
    return (
        f"INSERT INTO {quote(WebhookDelivery._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES {', '.join([row] * count)} "
        f"ON CONFLICT ({unique}) DO NOTHING RETURNING {quote(WebhookDelivery._meta.pk.column)}, {unique}"
    )


class _Waiting:
    def __init__(self, delivery: WebhookDelivery):
        self.delivery = delivery
        self.pk: int | None = None
        self.error: BaseException | None = None
        self.shared = False  # written in one statement with other threads' deliveries
        self.done = False


class SharedWrites:
    """Deliveries queued by concurrent threads, written together by whichever thread comes first."""

    def __init__(self):
        self._changed = threading.Condition()
        self._queue: list[_Waiting] = []
        self._writing = False
        self._last_write = -math.inf

    def insert(self, delivery: WebhookDelivery) -> int | None:
        waiting = _Waiting(delivery)
        batch = None
        with self._changed:
            self._queue.append(waiting)
            self._changed.notify_all()  # a writer gathering rows may be waiting for this one
            while self._writing and not waiting.done:
                self._changed.wait()
            if not waiting.done:  # nobody is writing: this thread writes the queue
                self._writing = True
                if time.monotonic() - self._last_write < BUSY_SECONDS:  # a burst: let more rows join
                    self._changed.wait_for(lambda: len(self._queue) >= GATHER_ROWS, timeout=GATHER_SECONDS)
                batch, self._queue = self._queue, []
        if batch is not None:
            self._write(batch)
        if waiting.error is None:
            return waiting.pk
        if not waiting.shared:
            raise waiting.error
        return insert_many([delivery])[0]  # on this thread's connection, alone

    def _write(self, batch: list[_Waiting]) -> None:
        pks: list[int | None] = [None] * len(batch)
        error: BaseException | None = RuntimeError("The thread writing this delivery stopped.")
        try:
            pks, error = insert_many([waiting.delivery for waiting in batch]), None
        except Exception as exc:  # each thread retries alone: the bad row fails only its own request
            error = exc
        finally:  # whatever happens, the waiting threads are released
            with self._changed:
                for waiting, pk in zip(batch, pks, strict=True):
                    waiting.pk, waiting.error, waiting.shared, waiting.done = pk, error, len(batch) > 1, True
                self._writing = False
                self._last_write = time.monotonic()
                self._changed.notify_all()


# In a burst (this process wrote less than BUSY_SECONDS ago), the writing thread waits up to
# GATHER_SECONDS for GATHER_ROWS rows, so more webhooks share a statement and its commit
# (docs/performance.md, ingest). A webhook after a quiet spell is written at once.
BUSY_SECONDS = 0.01
GATHER_ROWS = 4
GATHER_SECONDS = 0.002
_shared_writes = SharedWrites()
