"""Drains: Celery tasks that work through a backlog kept in the database, never more than a few at once.

Publishing a Celery message for every stored webhook delivery or order event cost more than
storing it. Writers ask for a drain instead, after their commit. A drain holds one of the backlog's
`slots` (keys in the shared cache, one per task allowed): a task is queued only by whoever takes a
free slot, so however fast rows arrive, no more drain tasks are queued or running than slots.

No row is left behind: a writer marks the backlog "pending" and then tries to take the first slot.
A drain that finds nothing left releases its slot and then reads the mark: if it is set, it takes
its slot back, clears the mark and claims again. Either the drain read the mark after the writer
set it, or it released its slot before the writer tried to take it, and the writer queues a drain.
A drain that takes a full batch takes the next slot for a helper, so a burst is shared by several.
Slots expire (LEASE_SECONDS) if their task is lost; the beat sweeps cover the rows meanwhile.
"""

import logging
import math
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# Errors a retry can outlive: the database was briefly unreachable or dropped the connection.
DATABASE_HICCUPS = (OperationalError, InterfaceError)

LEASE_SECONDS = 30  # a slot whose task was lost (worker killed) frees itself after this long; renewed while it runs
BUDGET_SECONDS = 10  # then a fresh task takes over, so other tasks on the queue get a turn
LINGER_POLL_SECONDS = 0.05
FLAG_SECONDS = 30  # how long a lost wake-up task holds the next one back
_PROCESS_LOCAL_CACHES = ("LocMemCache", "DummyCache")


class Drain:
    """A backlog's drain tasks: at most `slots()` queued or running at once.

    With `window_seconds`, a process that found the first slot held does not ask again for that long,
    and a drain that clears the pending mark claims for twice that long before it stops: whichever
    drain clears the mark a writer set, it claims again after that writer's later commits. For the
    busiest writers (a webhook per request): two cache round trips per process and window instead of
    two per row.
    """

    def __init__(
        self,
        name: str,
        task: str,
        *,
        slots: Callable[[], int] = lambda: 1,
        batch_size: Callable[[], int] = lambda: 0,
        window_seconds: Callable[[], float] = lambda: 0.0,
    ):
        self.name = name
        self.task = task  # dotted path of a Celery task taking (slot, token) that calls run()
        self.slots = slots
        self.batch_size = batch_size  # a take of this many rows means a backlog: a helper is asked for
        self.window_seconds = window_seconds
        self._slot_seen_at = -math.inf  # in this process, by time.monotonic(); any thread may set it

    # --- Keys, per database: test runs and deployments sharing one Redis must not hold each other back
    def _key(self, what: str) -> str:
        return f"drains:{self.name}:{connection.settings_dict['NAME']}:{what}"

    def pending_key(self) -> str:
        return self._key("pending")

    def slot_key(self, slot: int) -> str:
        return self._key(f"slot:{slot}")

    # --- Writers --------------------------------------------------------------------------------
    def request(self) -> None:
        """Make sure a drain claims after this point (call it after the row's commit)."""
        if not _cache_is_shared():  # another process could never free a slot kept in this one
            self._queue(None, None)
            return
        asked_at = time.monotonic()
        if asked_at - self._slot_seen_at < self.window_seconds():
            return  # the drain holding the slot then clears the mark set then, and lingers past this commit
        try:
            cache.set(self.pending_key(), 1, None)  # before the slot: see the module docstring
            token = self._slot_take(0)
        except Exception:  # the cache is down: queue one more drain rather than none
            logger.warning("%s drain slots unavailable; queueing a drain anyway", self.name, exc_info=True)
            self._queue(None, None)
            return
        self._slot_seen_at = asked_at  # the first slot is held (by us or another) since then
        if token is not None:
            self._queue(0, token)

    def _queue(self, slot: int | None, token: str | None) -> bool:
        try:
            import_string(self.task).delay(slot, token)
        except Exception:  # broker down: the rows wait for the next writer or their sweep
            logger.warning("could not queue a %s drain; the sweep will retry", self.name, exc_info=True)
            if slot is not None:
                self.slot_release(slot, token)
            return False
        return True

    # --- Slots ----------------------------------------------------------------------------------
    def _slot_take(self, slot: int) -> str | None:
        token = uuid.uuid4().hex
        return token if cache.add(self.slot_key(slot), token, LEASE_SECONDS) else None

    def _slot_keep(self, slot: int, token: str) -> bool:
        """Renew the slot's lease if it is still ours (it expired if this task waited too long)."""
        if cache.get(self.slot_key(slot)) != token:
            return False
        cache.set(self.slot_key(slot), token, LEASE_SECONDS)
        return True

    def slot_release(self, slot: int, token: str | None) -> None:
        try:
            if token is None or cache.get(self.slot_key(slot)) == token:
                cache.delete(self.slot_key(slot))
        except Exception:
            logger.warning("%s drain slots unavailable", self.name, exc_info=True)

    def reset(self) -> None:
        """Forget every slot and the pending mark (tests; an operator after flushing the broker)."""
        self._slot_seen_at = -math.inf
        cache.delete_many([self.pending_key(), *(self.slot_key(slot) for slot in range(self.slots()))])

    # --- Drains ---------------------------------------------------------------------------------
    def run(
        self,
        take: Callable[[], int],
        *,
        slot: int | None = None,
        token: str | None = None,
        budget_seconds: float = BUDGET_SECONDS,
    ) -> int:
        """Call `take` (how many rows it took, 0 when none was left) until the backlog is empty; returns the sum.

        A task queued for a slot runs only if it still holds it (or takes it back free); without a
        slot (a sweep, a process-local cache) it drains until empty, outside the slots.
        """
        if slot is None or not _cache_is_shared():
            return _take_all(take)
        try:
            if not self._slot_keep(slot, token):
                token = self._slot_take(slot)  # its lease ran out while it waited in the queue
                if token is None:
                    return 0  # another task holds the slot now and will do the work
        except Exception:
            logger.warning("%s drain slots unavailable; draining anyway", self.name, exc_info=True)
            return _take_all(take)
        try:
            return self._drain(take, slot, token, budget_seconds)
        except BaseException:
            self.slot_release(slot, token)  # this drain is gone: let the next row queue another
            raise

    def _drain(self, take: Callable[[], int], slot: int, token: str, budget_seconds: float) -> int:
        started = time.monotonic()
        deadline, renew_at = started + budget_seconds, started + LEASE_SECONDS / 4
        linger_until = -math.inf
        helper_asked = False
        done = 0
        while True:
            taken = take()
            done += taken
            now = time.monotonic()
            if taken:
                if not helper_asked and taken >= self.batch_size() > 0:
                    helper_asked = self._helper_ask(slot + 1)
                if now > deadline:
                    self._hand_over(slot, token)
                    return done
                if now > renew_at:
                    if not self._slot_keep(slot, token):
                        return done  # another task holds the slot now: it goes on
                    renew_at = now + LEASE_SECONDS / 4
                continue
            if now < linger_until:
                time.sleep(min(LINGER_POLL_SECONDS, linger_until - now))
                continue
            if not self._pending_taken_over(slot, token):
                return done
            linger_until = time.monotonic() + 2 * self.window_seconds()

    def _pending_taken_over(self, slot: int, token: str) -> bool:
        """The backlog looked empty: release the slot, unless rows were marked pending meanwhile."""
        self.slot_release(slot, token)
        if not cache.get(self.pending_key()):
            return False
        if not cache.add(self.slot_key(slot), token, LEASE_SECONDS):
            return False  # a writer took it for a new drain, which will claim
        cache.delete(self.pending_key())  # rows committed before this are seen by the next claim
        return True

    def _helper_ask(self, slot: int) -> bool:
        """Queue a drain for `slot` if it is free (the backlog is bigger than one batch)."""
        if slot >= self.slots():
            return True
        token = self._slot_take(slot)
        return token is None or self._queue(slot, token)

    def _hand_over(self, slot: int, token: str) -> None:
        """Over budget: a fresh task inherits the slot (with a full lease for its wait in the queue)."""
        if self._slot_keep(slot, token):
            self._queue(slot, token)


def _take_all(take: Callable[[], int]) -> int:
    done = 0
    while taken := take():
        done += taken
    return done


class WakeUp:
    """One queued task for many requests: a flag in the cache says one is queued; the task clears
    it before it starts its work, so a request made after that queues the next one."""

    def __init__(self, name: str, task: str):
        self.name = name
        self.task = task

    def flag(self) -> str:
        return f"drains:{self.name}:queued:{connection.settings_dict['NAME']}"

    def request(self) -> None:
        if _cache_is_shared():
            try:
                if not cache.add(self.flag(), 1, FLAG_SECONDS):
                    return
            except Exception:  # the cache is down: queue one more task rather than none
                logger.warning("%s flag unavailable; queueing anyway", self.name, exc_info=True)
        try:
            import_string(self.task).delay()
        except Exception:  # broker down: the beat runs the task within a minute
            self.flag_clear()
            logger.warning("could not queue %s; the beat will run it", self.name, exc_info=True)

    def flag_clear(self) -> None:
        try:
            cache.delete(self.flag())
        except Exception:
            logger.warning("%s flag unavailable", self.name, exc_info=True)


def _cache_is_shared() -> bool:
    # A per-process cache would never see another process free a slot.
    return not settings.CACHES["default"]["BACKEND"].endswith(_PROCESS_LOCAL_CACHES)


def commit_without_waiting_for_disk() -> None:
    """Let this transaction commit without waiting for the WAL flush (PostgreSQL only).

    For drains whose input row was committed durably before: if a crash loses this commit, the
    row is back to waiting and a drain or sweep takes it again. Saves one disk flush per row.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
