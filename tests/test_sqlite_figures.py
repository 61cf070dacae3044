"""The returns figures, the CSAT breakdowns, the WISMO rate and the holdout results on a real SQLite
database (the demo's), in a subprocess.

Their hand-worked tests run with the suite on PostgreSQL against both engines; here their small-shop
runs go once more on SQLite, where only that engine can run.
"""

import pytest
from django.db import connection

from tests.sqlite_run import pytest_on_sqlite

MODULES = (
    "tests/analytics/test_digest.py",
    "tests/returns/test_figures.py",
    "tests/returns/test_overview.py",
    "tests/returns/test_figures_api.py",
    "tests/feedback/test_dashboard.py",
    "tests/support/test_wismo_rate.py",
    "tests/flows/test_holdouts.py",
    "tests/analytics/test_wismo_holdouts.py",
)


@pytest.mark.skipif(connection.vendor == "sqlite", reason="this is the run on SQLite")
def test_the_small_shop_engines_on_sqlite(tmp_path):
    result = pytest_on_sqlite(tmp_path / "figures.sqlite3", "-k", "small_shop", *MODULES)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout, result.stdout[-2000:]
