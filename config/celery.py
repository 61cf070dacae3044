"""Celery app. Queues keep slow work (KPIs) from delaying urgent work (notifications)."""

import gc
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("postpurchase")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_process_init.connect  # each prefork child, once set up
@signals.worker_ready.connect  # the solo and threads pools run tasks in the main process
def start_up_heap_freeze(**_signal):
    """Leave what start-up loaded (Django, the apps, templates) out of garbage collection.

    A worker holds ~110,000 long-lived objects after start-up, and every full collection walked
    them all, several times per batch of emails (docs/performance.md, dispatch). Frozen, they are
    never scanned again; objects made afterwards are collected as before.
    """
    gc.collect()
    gc.freeze()
