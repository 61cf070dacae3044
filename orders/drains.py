"""Drains: Celery tasks that work through a backlog kept in the database, queued once per burst.

Publishing a Celery message for every stored webhook delivery or order event cost more than
storing it. Writers ask for a drain instead, after their commit: a flag in the shared cache says
one is queued, so a burst of rows queues one task. A drain takes rows a batch at a time (each claim
skips rows another drain holds), clears the flag just before its last, empty claim, and the writer
sets the flag only after its row committed: either that last claim sees the row, or the writer
finds the flag cleared and queues a new drain. A row waits for its sweep only if a task is lost.
"""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

FLAG_SECONDS = 30  # how long a lost drain task can hold new ones back (the sweeps cover the rest)
BUDGET_SECONDS = 10  # then a fresh task takes over, so other tasks on the queue get a turn
_PROCESS_LOCAL_CACHES = ("LocMemCache", "DummyCache")


class Drain:
    def __init__(self, name: str, task: str, *, copies: Callable[[], int] = lambda: 1):
        self.name = name
        self.task = task  # dotted path of a Celery task that calls run()
        self.copies = copies  # how many tasks a request queues (they share the work)

    def flag(self) -> str:
        # Per database: test runs and deployments sharing one Redis must not hold each other back.
        return f"drains:{self.name}:queued:{connection.settings_dict['NAME']}"

    def request(self) -> None:
        """Make sure a drain runs after this point; queues a task unless one is queued already."""
        if _cache_is_shared():
            try:
                if not cache.add(self.flag(), 1, FLAG_SECONDS):
                    return
            except Exception:  # the cache is down: queue one more drain rather than none
                logger.warning("%s drain flag unavailable; queueing a drain anyway", self.name, exc_info=True)
        try:
            for _ in range(self.copies()):
                import_string(self.task).delay()
        except Exception:  # broker down: the rows wait for their sweep
            self.flag_clear()
            logger.warning("could not queue a %s drain; the sweep will retry", self.name, exc_info=True)

    def flag_clear(self) -> None:
        try:
            cache.delete(self.flag())
        except Exception:
            logger.warning("%s drain flag unavailable", self.name, exc_info=True)

    def run(self, take: Callable[[], int], *, budget_seconds: float = BUDGET_SECONDS) -> int:
        """Call `take` (how many rows it took, 0 when none was left) until the backlog is empty; returns the sum."""
        deadline = time.monotonic() + budget_seconds
        done = 0
        try:
            while True:
                taken = take()
                if not taken:
                    self.flag_clear()
                    taken = take()  # a row committed before the clear is seen here
                    if not taken:
                        return done
                done += taken
                if time.monotonic() > deadline:
                    import_string(self.task).delay()  # the flag stays set: it now stands for that task
                    return done
        except BaseException:
            self.flag_clear()  # this drain is gone: let the next row queue another
            raise


def _cache_is_shared() -> bool:
    # A per-process cache would never see another process clear the flag.
    return not settings.CACHES["default"]["BACKEND"].endswith(_PROCESS_LOCAL_CACHES)


def commit_without_waiting_for_disk() -> None:
    """Let this transaction commit without waiting for the WAL flush (PostgreSQL only).

    For drains whose input row was committed durably before: if a crash loses this commit, the
    row is back to waiting and a drain or sweep takes it again. Saves one disk flush per row.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
