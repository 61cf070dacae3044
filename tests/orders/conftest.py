import pytest

from orders.webhooks import door_cache_clear


@pytest.fixture(autouse=True)
def empty_door_cache():
    """Each test starts with an empty per-process merchant/secret cache (rows roll back between tests)."""
    door_cache_clear()
    yield
    door_cache_clear()
