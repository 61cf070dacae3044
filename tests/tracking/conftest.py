from datetime import UTC, datetime

import pytest
from django.core.cache import cache

from merchants.scoping import merchant_scope
from tests.factories import LineItemFactory, OrderFactory

PLACED = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def own_cache(settings):
    """A cache of this test's own: the configured one may be a file cache shared with other test runs,
    whose orders have the same ids (the tracking page is cached per order)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    cache.clear()


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
