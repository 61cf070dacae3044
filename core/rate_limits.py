"""Counting what one subject (an email, a client, an order, a shop) does, in the shared cache.

A `RateLimit` allows `limit` hits per `window` seconds. The hit that reaches the limit blocks the
subject for a whole window from then on; while blocked, nothing is counted. Every web process must
share the cache (Redis in production) or each counts on its own.
"""

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import ngettext

security_log = logging.getLogger("security")


@dataclass(frozen=True)
class RateLimit:
    name: str  # what is counted, e.g. "login:email"; part of the cache keys
    limit: int
    window: int  # seconds

    def seconds_blocked(self, subject: str) -> int:
        """Seconds until `subject` may go on; 0 when it may now."""
        until = cache.get(self._key("blocked-until", subject))
        remaining = (until - time.time()) if until is not None else 0
        return math.ceil(remaining) if remaining > 0 else 0

    def hit(self, subject: str) -> int:
        """Count one hit of `subject`; returns the hits in the current window."""
        key = self._key("hits", subject)
        cache.add(key, 0, timeout=self.window)
        try:
            hits = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=self.window)
            hits = 1
        # The count expires before the block it causes, so the next window starts from zero.
        if hits >= self.limit and cache.add(
            self._key("blocked-until", subject), time.time() + self.window, self.window
        ):
            security_log.warning("Rate limit %s reached (%s hits in %s s)", self.name, hits, self.window)
        return hits

    def take(self, subject: str) -> int:
        """For something allowed `limit` times per window: 0 when this one may go ahead (and it is counted),
        else the seconds to wait. Concurrent requests never get more than `limit` through."""
        blocked = self.seconds_blocked(subject)
        if blocked:
            return blocked
        if self.hit(subject) <= self.limit:
            return 0
        return self.seconds_blocked(subject) or self.window

    def forget(self, subject: str) -> None:
        """Drop the hits counted so far (not a block already in force)."""
        cache.delete(self._key("hits", subject))

    def _key(self, part: str, subject: str) -> str:
        # Hashed so keys never carry an email or address and stay within key-length limits.
        digest = hashlib.sha256(f"{self.name}:{subject}".encode()).hexdigest()[:32]
        return f"ratelimit:{self.name}:{part}:{digest}"


def seconds_blocked(checks: list[tuple[RateLimit, str]]) -> int:
    """The longest wait among several (limit, subject) pairs; 0 when none is blocked."""
    return max((limit.seconds_blocked(subject) for limit, subject in checks), default=0)


def wait_minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def too_many_attempts_message(seconds: int) -> str:
    minutes = wait_minutes(seconds)
    return ngettext(
        "Too many attempts, try again in %(minutes)s minute.",
        "Too many attempts, try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}


def too_many_requests(response, seconds: int):
    """Turn a page that explains the wait into a 429 that tells clients when to come back."""
    response.status_code = 429
    response["Retry-After"] = str(max(1, seconds))
    return response
