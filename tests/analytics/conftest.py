import pytest

from analytics.aggregates import aggregates_rebuild

from .history import seed_history


@pytest.fixture
def built_shop(merchant):
    """The shop of history.py, its daily aggregates built."""
    seed_history(merchant)
    aggregates_rebuild(merchant=merchant)
    return merchant
