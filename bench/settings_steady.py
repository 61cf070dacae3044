"""Settings for bench/steady_load.py: the production settings, with every Redis key of the run under
one prefix (broker and cache) so the run never touches another's keys, and an email backend that
records when each email was handed to it."""

import os

from config.settings import *  # noqa: F403

BENCH_KEY_PREFIX = os.environ.get("BENCH_KEY_PREFIX", "steady-bench")
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": f"{BENCH_KEY_PREFIX}:"}
CACHES["default"]["KEY_PREFIX"] = BENCH_KEY_PREFIX  # noqa: F405
EMAIL_BACKEND = "bench.email_recorder.EmailBackend"
BENCH_EMAIL_LIST = f"{BENCH_KEY_PREFIX}:emails"
