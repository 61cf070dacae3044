import pytest

from analytics.aggregates import aggregates_rebuild

from .history import seed_history


@pytest.fixture
def built_shop(merchant):
    """The shop of history.py, its daily aggregates built."""
    seed_history(merchant)
    aggregates_rebuild(merchant=merchant)
    return merchant


@pytest.fixture
def python_engine(monkeypatch):
    """The figures of every app's Python engine (SQLite's: analytics/small_shop.py and the others) on this
    PostgreSQL database."""
    monkeypatch.setattr("core.engines.on_postgresql", lambda: False)


@pytest.fixture(params=["sql engine", "python engine"])
def engine(request):
    """Each test twice: both engines must give the same hand-worked figures on the same data."""
    if request.param == "python engine":
        request.getfixturevalue("python_engine")
    return request.param
