import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from core.scoping import merchant_scope
from integrations.inbound import DELIVERIES, door_cache_clear
from merchants.middleware import SESSION_KEY
from merchants.models import Role
from merchants.services import api_key_issue
from orders.events import EVENTS

from .factories import MembershipFactory, MerchantFactory, UserFactory


def run_keys_delete(client: redis.Redis) -> int:
    """Delete this run's keys (this worker's, config/test_settings.py) and only those: other test runs
    and workers share the database. Returns how many were deleted."""
    deleted = 0
    batch = []
    for key in client.scan_iter(match=f"{settings.TEST_KEY_PREFIX}:*", count=1000):
        batch.append(key)
        if len(batch) == 500:
            deleted += client.unlink(*batch)
            batch.clear()
    if batch:
        deleted += client.unlink(*batch)
    return deleted


def redis_clients() -> list[redis.Redis]:
    """Clients of the Redis databases the configured cache and broker use, if they are Redis."""
    urls = []
    cache = settings.CACHES["default"]
    if cache["BACKEND"] == "config.cache.RedisCache":
        urls.append(cache["LOCATION"])
    if "global_keyprefix" in getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}):
        urls.append(settings.CELERY_BROKER_URL)
    return [redis.Redis.from_url(url) for url in urls]


@pytest.fixture(scope="session")
def run_redis():
    """Redis as configured for the run (tests may point settings elsewhere); emptied of this run's keys
    at the end."""
    clients = redis_clients()
    yield clients
    for client in clients:
        run_keys_delete(client)
        client.close()


@pytest.fixture(autouse=True)
def run_keys_cleared(run_redis):
    """Each test starts with none of this run's keys in Redis (instead of flushing a shared database)."""
    yield
    for client in run_redis:
        run_keys_delete(client)


@pytest.fixture
def merchant(db):
    return MerchantFactory(name="Maison Lumière", slug="maison-lumiere")


@pytest.fixture
def other_merchant(db):
    return MerchantFactory(name="Other Shop", slug="other-shop")


@pytest.fixture
def owner(merchant):
    user = UserFactory(email="owner@maison-lumiere.example.com")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=Role.OWNER)
    return user


@pytest.fixture
def scoped(merchant):
    """Run the test body inside the first merchant's scope."""
    with merchant_scope(merchant):
        yield merchant


def login_as(client, user, merchant=None):
    client.force_login(user)
    if merchant is not None:
        session = client.session
        session[SESSION_KEY] = merchant.pk
        session.save()
    return client


@pytest.fixture
def staff_client(client, owner, merchant):
    return login_as(client, owner, merchant)


def api_client_for(merchant, role=Role.ADMIN):
    issued = api_key_issue(merchant=merchant, name=f"test {role}", role=role)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")
    api.api_key = issued
    return api


@pytest.fixture
def api(merchant):
    return api_client_for(merchant)


@pytest.fixture
def other_api(other_merchant):
    return api_client_for(other_merchant)


# --- The inbound machinery's per-process caches and the drains' flags ---------------------------


@pytest.fixture(autouse=True)
def empty_door_cache():
    """Each test starts with an empty per-process merchant/secret cache (rows roll back between tests)."""
    door_cache_clear()
    yield
    door_cache_clear()


@pytest.fixture(autouse=True)
def no_drain_queued():
    """The drains' slots and pending marks live in the shared cache: each test starts without them."""
    for drain in (DELIVERIES, EVENTS):
        drain.reset()
    yield
    for drain in (DELIVERIES, EVENTS):
        drain.reset()


@pytest.fixture(params=["postgresql", "small_shop"])
def figure_engine(request, monkeypatch):
    """The test once per figure engine (core.engines): PostgreSQL's SQL, and the small-shop one SQLite (the demo)
    runs. On SQLite only the second can run: tests/test_sqlite_figures.py runs those (`-k small_shop`)."""
    if request.param == "postgresql" and connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's SQL, on SQLite (tests/test_sqlite_figures.py)")
    monkeypatch.setattr("core.engines.on_postgresql", lambda: request.param == "postgresql")
    return request.param


@pytest.fixture(autouse=True)
def english_after_each_test():
    """LocaleMiddleware leaves a request's language active in the thread (a server's next request sets its
    own): each test starts in the default language, whatever the test client asked before."""
    yield
    translation.deactivate()


def record_task_calls(monkeypatch, task_path: str, label: str) -> list[str]:
    """Replace a task's .delay() by a recorder; returns the list of calls."""
    calls = []
    monkeypatch.setattr(f"{task_path}.delay", lambda *args: calls.append(label))
    return calls
