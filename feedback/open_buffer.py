"""Survey link opens waiting to be counted, in the Redis behind the default cache.

Scanners open every link of an email, often many times at once: counting each open with an UPDATE of
the invitation's row would queue those requests on its lock. The page adds the open here (one hash of
counts and one of first-open times per site); a periodic task takes them atomically and writes them
in bulk (services.invitation_opens_flush). Without Redis (a file cache, `bin/demo`) `push` answers
False and the page counts the open itself.
"""

import logging
from datetime import UTC, datetime

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

COUNTS_KEY, FIRST_KEY = "feedback:opens", "feedback:first-opens"
KEEP_SECONDS = 24 * 3600  # no flush for a day (no worker): dropped rather than growing without bound


def _client_and_keys():
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None, None, None
    counts, first = backend.make_and_validate_key(COUNTS_KEY), backend.make_and_validate_key(FIRST_KEY)
    return backend._cache.get_client(counts, write=True), counts, first


def push(invitation_id: int, at: datetime) -> bool:
    client, counts, first = _client_and_keys()
    if client is None:
        return False
    try:
        pipe = client.pipeline(transaction=False)
        pipe.hincrby(counts, invitation_id, 1)
        pipe.hsetnx(first, invitation_id, at.timestamp())
        pipe.expire(counts, KEEP_SECONDS)
        pipe.expire(first, KEEP_SECONDS)
        pipe.execute()
    except Exception:
        logger.warning("survey open buffer unavailable; counting the open directly", exc_info=True)
        return False
    return True


def pop() -> dict[int, tuple[int, datetime]]:
    """Every buffered open, taken off atomically (MULTI/EXEC): {invitation id: (opens, first open)}."""
    client, counts, first = _client_and_keys()
    if client is None:
        return {}
    pipe = client.pipeline(transaction=True)
    pipe.hgetall(counts)
    pipe.hgetall(first)
    pipe.delete(counts, first)
    found, firsts, _deleted = pipe.execute()
    return {
        int(key): (int(count), datetime.fromtimestamp(float(firsts.get(key, 0)), UTC)) for key, count in found.items()
    }
