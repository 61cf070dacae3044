"""docker-compose.yml: migrations run once, and nothing that reads the database starts before them."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "messages", "beat")


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


def queues_by_worker(commands: list[str]) -> list[set[str]]:
    workers = [command for command in commands if "celery" in command and " worker " in command]
    return [set(re.search(r"-Q (\S+)", command).group(1).split(",")) for command in workers]


def procfile_commands() -> list[str]:
    return [line.partition(":")[2] for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("source", ["docker-compose.yml", "Procfile"])
def test_every_queue_is_consumed_and_emails_never_wait_behind_ingest(services, source):
    commands = [command_of(s) for s in services.values()] if source == "docker-compose.yml" else procfile_commands()
    workers = queues_by_worker(commands)
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} | {settings.CELERY_TASK_DEFAULT_QUEUE}

    assert routed <= set().union(*workers)
    assert [queues for queues in workers if "messages" in queues] == [{"messages"}]
