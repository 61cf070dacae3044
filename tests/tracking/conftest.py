import os
from datetime import UTC, datetime

import environ
import pytest
from django.core.cache import cache, caches

from core.scoping import merchant_scope
from tests.factories import LineItemFactory, OrderFactory

PLACED = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def own_cache(settings):
    """A cache of this test's own: the configured one may be a file cache shared with other test runs,
    whose orders have the same ids (the tracking page is cached per order)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    cache.clear()


@pytest.fixture
def redis_cache(settings):
    """The configured Redis (CACHE_URL) as the cache, under this run's key prefix (emptied after each test,
    tests/conftest.py). Where the page view buffer and the shared page cache are used."""
    config = environ.Env.cache_url_config(os.environ["CACHE_URL"])
    if config["BACKEND"] != "django.core.cache.backends.redis.RedisCache":
        pytest.skip(f"CACHE_URL is not Redis: {os.environ['CACHE_URL']}")
    settings.CACHES = {
        "default": {
            "BACKEND": config["BACKEND"],
            "LOCATION": config["LOCATION"],
            "KEY_PREFIX": settings.TEST_KEY_PREFIX,
        }
    }
    return caches["default"]


@pytest.fixture
def order(merchant):
    with merchant_scope(merchant):
        order = OrderFactory(merchant=merchant, placed_at=PLACED, number="#1001", email="camille@example.org")
        LineItemFactory(order=order, title="Linen shirt", product_id="p-1", product_type="shirt", tags=["linen"])
    return order


@pytest.fixture
def other_order(other_merchant):
    with merchant_scope(other_merchant):
        return OrderFactory(merchant=other_merchant, placed_at=PLACED, number="#1001", email="camille@example.org")
