"""Test runs sharing a Redis database keep to their own keys (config/test_settings.py, tests/conftest.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from kombu import Connection

from tests.conftest import run_keys_delete

BASE_DIR = Path(__file__).resolve().parent.parent
PRINT_KEYS = (
    "import json, config.test_settings as s; print(json.dumps({'prefix': s.TEST_KEY_PREFIX,"
    " 'cache': s.CACHES['default'], 'broker': s.CELERY_BROKER_URL,"
    " 'broker_options': getattr(s, 'CELERY_BROKER_TRANSPORT_OPTIONS', {})}))"
)


def settings_in_a_fresh_process(**env) -> dict:
    environment = {key: value for key, value in os.environ.items() if key not in {"TEST_RUN_ID", "PYTEST_XDIST_WORKER"}}
    environment.update(env)
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", PRINT_KEYS], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def cache_redis():
    if settings.CACHES["default"]["BACKEND"] != "config.cache.RedisCache":
        pytest.skip("CACHE_URL is not Redis")
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    yield client
    client.close()


def test_cache_keys_carry_this_runs_prefix(cache_redis):
    cache.set("isolation-probe", 1, 30)
    assert cache_redis.exists(f"{settings.TEST_KEY_PREFIX}:1:isolation-probe")


def test_deleting_this_runs_keys_leaves_another_runs_alone(cache_redis):
    another_run = "test-0123456789ab-gw0:1:rate-limit"
    cache_redis.set(another_run, "theirs", ex=60)
    try:
        cache.set_many({"first": 1, "second": 2}, 30)
        assert run_keys_delete(cache_redis) == 2
        assert cache.get("first") is None
        assert cache_redis.get(another_run) == b"theirs"
    finally:
        cache_redis.delete(another_run)


def test_broker_queues_carry_this_runs_prefix():
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("CELERY_BROKER_URL is not Redis")
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    with Connection(settings.CELERY_BROKER_URL, transport_options=options) as connection:
        queue = connection.SimpleQueue("isolation-probe")
        queue.put({"probe": True})
        queue.close()
    try:
        assert client.llen(f"{settings.TEST_KEY_PREFIX}:isolation-probe") == 1
    finally:
        run_keys_delete(client)
        client.close()
    assert not list(client.scan_iter(match=f"{settings.TEST_KEY_PREFIX}:*"))


def test_each_run_and_each_worker_has_its_own_prefix():
    runs = {settings_in_a_fresh_process()["prefix"] for _ in range(2)}
    workers = {settings_in_a_fresh_process(TEST_RUN_ID="run1", PYTEST_XDIST_WORKER=w)["prefix"] for w in ("gw0", "gw1")}
    assert len(runs) == 2
    assert workers == {"test-run1-gw0", "test-run1-gw1"}


def test_cache_and_broker_urls_from_the_environment_are_kept():
    values = settings_in_a_fresh_process(
        TEST_RUN_ID="run2", CACHE_URL="rediscache://127.0.0.1:6379/3", CELERY_BROKER_URL="redis://127.0.0.1:6379/5"
    )
    assert values["cache"]["LOCATION"] == "redis://127.0.0.1:6379/3"
    assert values["cache"]["KEY_PREFIX"] == "test-run2-main"
    assert values["broker"] == "redis://127.0.0.1:6379/5"
    assert values["broker_options"] == {"global_keyprefix": "test-run2-main:"}
