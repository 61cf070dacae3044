import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def own_cache(settings):
    """A cache of this test's own: the tracking page is cached per order id, and ids repeat across runs."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
    cache.clear()
