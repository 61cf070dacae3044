"""Test settings: the real PostgreSQL and Redis, fast hashers, in-memory email."""

import os
import uuid

os.environ.setdefault("APP_ENV", "test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postpurchase")
os.environ.setdefault("CACHE_URL", "rediscache://127.0.0.1:6379/15")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
# Test runs on one machine share those Redis databases: every key this run writes carries a prefix of
# its own, one per pytest-xdist worker too, so no run or worker reads or deletes another's keys.
# Set in the environment, so the processes a test starts use the same keys.
os.environ.setdefault("TEST_RUN_ID", uuid.uuid4().hex[:12])
TEST_KEY_PREFIX = f"test-{os.environ['TEST_RUN_ID']}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"

from .settings import *  # noqa: E402,F403

CACHES["default"]["KEY_PREFIX"] = TEST_KEY_PREFIX  # noqa: F405
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):  # noqa: F405 - queues and bindings included
    CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"{TEST_KEY_PREFIX}:"}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
WEBHOOK_DRAIN_WINDOW_SECONDS = 0.0  # no lingering drain after each test's webhook; its own tests set it
WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns on every request otherwise
# New marketing flows hold out no one in tests: a test that sends a journey email to one customer
# would otherwise miss it for one customer in ten. The holdout tests set their percentage.
FLOWS_MARKETING_HOLDOUT_PERCENT = 0
