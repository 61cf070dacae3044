import pytest

from integrations.inbound import DELIVERIES, door_cache_clear
from orders.events import EVENTS


@pytest.fixture(autouse=True)
def empty_door_cache():
    """Each test starts with an empty per-process merchant/secret cache (rows roll back between tests)."""
    door_cache_clear()
    yield
    door_cache_clear()


@pytest.fixture(autouse=True)
def no_drain_queued():
    """The drains' "a task is queued" flags live in the shared cache: each test starts without them."""
    for drain in (DELIVERIES, EVENTS):
        drain.flag_clear()
    yield
    for drain in (DELIVERIES, EVENTS):
        drain.flag_clear()


def record_task_calls(monkeypatch, task_path: str, label: str) -> list[str]:
    """Replace a task's .delay() by a recorder; returns the list of calls."""
    calls = []
    monkeypatch.setattr(f"{task_path}.delay", lambda: calls.append(label))
    return calls
