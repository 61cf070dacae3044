"""Drains: Celery tasks that work through a backlog kept in the database, queued once per burst.

Publishing a Celery message for every stored webhook delivery or order event cost more than
storing it. Writers ask for a drain instead, after their commit: a flag in the shared cache says
one is queued, so a burst of rows queues one task. A drain takes rows a batch at a time (each claim
skips rows another drain holds), clears the flag just before its last, empty claim, and the writer
sets the flag only after its row committed: either that last claim sees the row, or the writer
finds the flag cleared and queues a new drain. A row waits for its sweep only if a task is lost.
"""

import logging
import math
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# Errors a retry can outlive: the database was briefly unreachable or dropped the connection.
DATABASE_HICCUPS = (OperationalError, InterfaceError)

FLAG_SECONDS = 30  # how long a lost drain task can hold new ones back (the sweeps cover the rest)
BUDGET_SECONDS = 10  # then a fresh task takes over, so other tasks on the queue get a turn
LINGER_POLL_SECONDS = 0.05
_PROCESS_LOCAL_CACHES = ("LocMemCache", "DummyCache")


class Drain:
    """A backlog's drain. With `window_seconds`, a process that saw the flag set (a drain queued or
    running) does not look at it again for that long, and a drain that clears the flag keeps
    claiming for twice that long: whichever drain clears the flag a writer saw, it claims once
    more after the writer's commit. For the busiest writers (a webhook per request): the flag
    costs a cache round trip per process and window instead of one per row.
    """

    def __init__(
        self,
        name: str,
        task: str,
        *,
        copies: Callable[[], int] = lambda: 1,
        window_seconds: Callable[[], float] = lambda: 0.0,
    ):
        self.name = name
        self.task = task  # dotted path of a Celery task that calls run()
        self.copies = copies  # how many tasks a request queues (they share the work)
        self.window_seconds = window_seconds
        self._flag_seen_at = -math.inf  # in this process, by time.monotonic(); any thread may set it

    def flag(self) -> str:
        # Per database: test runs and deployments sharing one Redis must not hold each other back.
        return f"drains:{self.name}:queued:{connection.settings_dict['NAME']}"

    def request(self) -> None:
        """Make sure a drain runs after this point; queues a task unless one is queued already."""
        if _cache_is_shared():
            asked_at = time.monotonic()
            if asked_at - self._flag_seen_at < self.window_seconds():
                return  # the drain that clears the flag seen then claims again after this commit
            try:
                added = cache.add(self.flag(), 1, FLAG_SECONDS)
            except Exception:  # the cache is down: queue one more drain rather than none
                logger.warning("%s drain flag unavailable; queueing a drain anyway", self.name, exc_info=True)
            else:
                self._flag_seen_at = asked_at  # set by us or another: a drain was queued or running then
                if not added:
                    return
        try:
            for _ in range(self.copies()):
                import_string(self.task).delay()
        except Exception:  # broker down: the rows wait for their sweep
            self.flag_clear()
            logger.warning("could not queue a %s drain; the sweep will retry", self.name, exc_info=True)

    def flag_clear(self) -> None:
        self._flag_seen_at = -math.inf  # what this process saw no longer holds
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
                    taken = self._take_after_clear(take)  # a row committed before the clear is seen here
                    if not taken:
                        return done
                done += taken
                if time.monotonic() > deadline:
                    import_string(self.task).delay()  # the flag stays set: it now stands for that task
                    return done
        except BaseException:
            self.flag_clear()  # this drain is gone: let the next row queue another
            raise

    def _take_after_clear(self, take: Callable[[], int]) -> int:
        """One more claim after clearing the flag; with a window, claims until twice the window passed."""
        linger_until = time.monotonic() + 2 * self.window_seconds()
        while True:
            taken = take()
            if taken or time.monotonic() >= linger_until:
                return taken
            time.sleep(min(LINGER_POLL_SECONDS, max(0.0, linger_until - time.monotonic())))


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
