"""A per-order cache version: pages built from an order's data are cached under it.

Every write that changes what such a page shows bumps the version once its transaction commits
(`event_record` does it for every order event; services that change an order's data without an
event call `order_cache_version_bump` themselves), so the next request rebuilds the page.

The version is a random string, not a counter: a version lost with the cache, or an order id
reused after the database was reset, can never match an entry cached before.
"""

import uuid

from django.core.cache import cache
from django.db import transaction

VERSION_SECONDS = 7 * 24 * 3600  # longer than any entry cached under it


def order_cache_version_key(order_id: int) -> str:
    """Where the version lives: for a reader that fetches it together with its entry (cache.get_many)."""
    return f"order:{order_id}:cache-version"


def order_cache_version(order_id: int) -> str:
    """The order's current version. Read it BEFORE reading the data to cache under it: a write that
    commits in between then bumps it, and the entry built from the older data is never read."""
    return cache_version(order_cache_version_key(order_id))


def cache_version(key: str) -> str:
    """The version stored at `key`, created if missing (the same rules for any other kind of version)."""
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, VERSION_SECONDS)
        # The value of whichever request added it first; a fresh one (nothing shared) if the cache keeps nothing.
        version = cache.get(key) or uuid.uuid4().hex
    return version


def order_cache_version_bump(order_id: int) -> None:
    """Make every entry cached for the order stale once the current transaction commits (now outside one)."""
    order_cache_versions_bump([order_id])


def order_cache_versions_bump(order_ids) -> None:
    """The same for many orders, with one round trip to the cache."""
    keys = [order_cache_version_key(order_id) for order_id in order_ids]
    if keys:
        # robust: the data is committed whatever the cache says; a failure is logged by Django.
        transaction.on_commit(lambda: cache.delete_many(keys), robust=True)
