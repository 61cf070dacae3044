"""On SQLite (the demo's default database) analytics says it needs PostgreSQL instead of failing."""

import pytest

from analytics.tasks import refresh_daily_aggregates

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_sqlite(monkeypatch):
    monkeypatch.setattr("analytics.aggregates.analytics_available", lambda: False)
    for module in ("analytics.views", "analytics.api", "analytics.home", "analytics.tasks"):
        monkeypatch.setattr(f"{module}.analytics_available", lambda: False)


def test_the_page_and_the_api_say_why(on_sqlite, staff_client, api):
    page = staff_client.get("/app/analytics/")
    assert page.status_code == 503 and "PostgreSQL" in page.content.decode()
    assert staff_client.get("/app/analytics/kpis.csv").status_code == 503
    answer = api.get("/api/v1/analytics/kpis")
    assert answer.status_code == 503 and "PostgreSQL" in answer.json()["detail"]


def test_home_page_and_task_go_without(on_sqlite, staff_client):
    page = staff_client.get("/")
    assert page.status_code == 200 and "Repeat rate" not in page.content.decode()
    assert refresh_daily_aggregates() == 0
