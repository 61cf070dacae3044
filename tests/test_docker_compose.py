"""docker-compose.yml: migrations run once, and nothing that reads the database starts before them."""

from pathlib import Path

import pytest
import yaml

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_one_one_shot_service_runs_the_migrations(services):
    migrating = [name for name, service in services.items() if "manage.py migrate" in command_of(service)]
    assert migrating == ["migrate"]
    assert services["migrate"]["restart"] == "no"  # restarted after exiting 0, it would never be "completed"
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_the_migrations_to_succeed(services, name):
    assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_the_start_order_has_no_cycle_and_names_only_real_services(services):
    def dependencies(name):
        return set(services[name].get("depends_on") or {})

    started: list[str] = []
    waiting = set(services)
    while waiting:
        ready = {name for name in waiting if dependencies(name) <= set(started)}
        assert ready, f"cycle or unknown service among {sorted(waiting)}"
        started += sorted(ready)
        waiting -= ready
    assert started.index("migrate") < min(started.index(name) for name in APP_SERVICES)
