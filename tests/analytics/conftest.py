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
    """The figures of the Python engine (analytics/small_shop.py, SQLite's) on this PostgreSQL database."""
    monkeypatch.setattr("analytics.engine.sql_engine", lambda: False)
    monkeypatch.setattr("flows.email_figures.on_postgresql", lambda: False)  # the steps' email figures
    monkeypatch.setattr("flows.holdouts.on_postgresql", lambda: False)  # the holdout results
    monkeypatch.setattr("analytics.wismo_holdouts.on_postgresql", lambda: False)  # and their WISMO comparison


@pytest.fixture(params=["sql engine", "python engine"])
def engine(request):
    """Each test twice: both engines must give the same hand-worked figures on the same data."""
    if request.param == "python engine":
        request.getfixturevalue("python_engine")
    return request.param
