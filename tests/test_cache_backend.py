"""config.cache.RedisCache: Django's Redis cache, one client per connection pool."""

from django.conf import settings
from django.core.cache import cache


def test_the_redis_cache_is_ours_and_reuses_its_client():
    assert settings.CACHES["default"]["BACKEND"] == "config.cache.RedisCache"
    client = cache._cache.get_client(write=True)

    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client() is client  # one server: reads and writes share the pool


def test_values_round_trip_through_it():
    cache.set("cache-backend-test", {"a": [1, 2]}, 5)
    assert cache.get("cache-backend-test") == {"a": [1, 2]}
    assert cache.add("cache-backend-test", "other", 5) is False
    cache.delete("cache-backend-test")
    assert cache.add("cache-backend-test", "other", 5) is True
    cache.delete("cache-backend-test")
