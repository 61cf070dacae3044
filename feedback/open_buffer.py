"""Survey link opens waiting to be counted, in the Redis behind the default cache.

Scanners open every link of an email, often many times at once: counting each open with an UPDATE of
the invitation's row would queue those requests on its lock. The page adds the open here (one hash of
counts and one of first-open times per site, each field `<shop id>:<invitation id>` as the signed link
gives them); a periodic task takes them atomically and writes them in bulk
(services.invitation_opens_flush), only to invitations of that shop that are not erased. The page
can therefore add the open before it has read anything, in the same round trip as its cached entry
(`read_and_push`). Without Redis (a file cache, `bin/demo`) nothing is buffered and the page counts
the open itself.
"""

from datetime import UTC, datetime

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

COUNTS_KEY, FIRST_KEY = "feedback:opens:2", "feedback:first-opens:2"  # fields: "<shop id>:<invitation id>"
KEEP_SECONDS = 24 * 3600  # no flush for a day (no worker): dropped rather than growing without bound


def _client_and_keys():
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None, None, None
    counts, first = backend.make_and_validate_key(COUNTS_KEY), backend.make_and_validate_key(FIRST_KEY)
    return backend._cache.get_client(counts, write=True), counts, first


def read_and_push(keys: list[str], *, merchant_id: int, invitation_id: int, at: datetime) -> dict | None:
    """The cache's values at `keys` (as `cache.get_many` answers), read in the round trip that adds the
    open. None without Redis: nothing was read or added. Raises if Redis fails."""
    client, counts, first = _client_and_keys()
    if client is None:
        return None
    backend = caches["default"]
    pipe = client.pipeline(transaction=False)
    pipe.mget([backend.make_and_validate_key(key) for key in keys])
    field = f"{merchant_id}:{invitation_id}"
    pipe.hincrby(counts, field, 1)
    pipe.hsetnx(first, field, at.timestamp())
    pipe.expire(counts, KEEP_SECONDS)
    pipe.expire(first, KEEP_SECONDS)
    values = pipe.execute()[0]
    loads = backend._cache._serializer.loads
    return {key: loads(value) for key, value in zip(keys, values, strict=True) if value is not None}


def pop() -> dict[tuple[int, int], tuple[int, datetime]]:
    """Every buffered open, taken off atomically (MULTI/EXEC): {(shop id, invitation id): (opens, first open)}."""
    client, counts, first = _client_and_keys()
    if client is None:
        return {}
    pipe = client.pipeline(transaction=True)
    pipe.hgetall(counts)
    pipe.hgetall(first)
    pipe.delete(counts, first)
    found, firsts, _deleted = pipe.execute()
    return {
        _ids(key): (int(count), datetime.fromtimestamp(float(firsts.get(key, 0)), UTC)) for key, count in found.items()
    }


def _ids(field: bytes) -> tuple[int, int]:
    merchant_id, invitation_id = field.split(b":")
    return int(merchant_id), int(invitation_id)
