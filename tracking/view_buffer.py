"""A list of tracking page views waiting to be written, in the Redis behind the default cache.

The page appends a view here instead of inserting a row on every request; a periodic task pops them in
batches and inserts them in bulk (services.tracking_page_views_flush). Only where the default cache is
Redis: a file or per-process cache cannot be appended to by many processes at once, so with those
(`bin/demo`) `push` answers False and the view is inserted at once.

A pop takes its items off the list atomically, so two flushes running at once never get the same view.
"""

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

LIST_KEY = "tracking:page-views"
# A list that no flush has touched for a day (no worker consumes the analytics queue) is dropped rather
# than growing Redis without bound.
LIST_SECONDS = 24 * 3600


@dataclass(frozen=True)
class View:
    merchant_id: int
    order_id: int
    language: str
    viewed_at: datetime

    def dumps(self) -> str:
        return json.dumps([self.merchant_id, self.order_id, self.language, self.viewed_at.timestamp()])

    @classmethod
    def loads(cls, raw: bytes | str) -> "View":
        merchant_id, order_id, language, timestamp = json.loads(raw)
        return cls(int(merchant_id), int(order_id), str(language)[:8], datetime.fromtimestamp(timestamp, UTC))


def _client_and_key():
    """The Redis client and list key behind the default cache; (None, None) when it is not Redis."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None, None
    key = backend.make_and_validate_key(LIST_KEY)  # with the cache's prefix: sites and test runs stay apart
    return backend._cache.get_client(key, write=True), key


def push(view: View) -> bool:
    """Appends the view; False when there is no shared buffer or Redis is unreachable (insert it yourself)."""
    client, key = _client_and_key()
    if client is None:
        return False
    try:
        if client.rpush(key, view.dumps()) == 1:  # a new list; each flush renews the expiry after that
            client.expire(key, LIST_SECONDS)
    except Exception:
        logger.warning("page view buffer unavailable; inserting the view directly", exc_info=True)
        return False
    return True


def pop(count: int) -> list[bytes]:
    """Takes up to `count` views off the list, atomically (MULTI/EXEC): what one caller gets, no other does."""
    client, key = _client_and_key()
    if client is None:
        return []
    pipe = client.pipeline(transaction=True)
    pipe.lrange(key, 0, count - 1)
    pipe.ltrim(key, count, -1)
    pipe.expire(key, LIST_SECONDS)  # no-op on an emptied list, which Redis has deleted
    items, _trimmed, _renewed = pipe.execute()
    return items


def push_back(items: list[bytes]) -> None:
    """Returns popped views that were not written (their insert failed before it committed)."""
    client, key = _client_and_key()
    if client is not None and items:
        client.rpush(key, *items)


def pending() -> int:
    client, key = _client_and_key()
    return client.llen(key) if client is not None else 0
