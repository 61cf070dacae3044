"""The per-order cache version: bumped once the writing transaction commits, never before."""

from dataclasses import replace

import pytest
from django.core.cache import cache

from orders.cache_version import order_cache_version
from orders.events import event_record
from orders.services import LineItemInput, order_upsert

from .test_services import make_input


@pytest.fixture(autouse=True)
def own_cache(settings):
    """Not the configured cache: it may be a file cache shared with other test runs using the same order ids."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "versions"}}
    cache.clear()


def test_version_is_stable_until_a_write_commits(merchant, django_capture_on_commit_callbacks):
    order, _created = order_upsert(merchant=merchant, data=make_input())
    before = order_cache_version(order.pk)
    assert order_cache_version(order.pk) == before
    with django_capture_on_commit_callbacks(execute=True):
        event_record(merchant=merchant, kind="order.updated", order=order, payload={"order_id": order.pk})
        assert order_cache_version(order.pk) == before  # not committed yet: readers keep the old entry
    assert order_cache_version(order.pk) != before


def test_order_update_bumps_the_version(merchant, django_capture_on_commit_callbacks):
    data = make_input()
    order, _created = order_upsert(merchant=merchant, data=data)
    before = order_cache_version(order.pk)
    with django_capture_on_commit_callbacks(execute=True):
        order_upsert(merchant=merchant, data=data)  # same version of the order: nothing changes
    assert order_cache_version(order.pk) == before
    renamed = [
        LineItemInput(external_id="li-1", sku="SHIRT-M", title="Linen shirt, blue", quantity=1, unit_price="49.90")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        order_upsert(merchant=merchant, data=replace(data, line_items=renamed, total="49.90", shipping="0"))
    assert order_cache_version(order.pk) != before


def test_other_orders_keep_their_version(merchant, django_capture_on_commit_callbacks):
    first, _ = order_upsert(merchant=merchant, data=make_input())
    second, _ = order_upsert(merchant=merchant, data=make_input(external_id="2", number="#1002"))
    kept = order_cache_version(second.pk)
    with django_capture_on_commit_callbacks(execute=True):
        event_record(merchant=merchant, kind="order.updated", order=first, payload={"order_id": first.pk})
    assert order_cache_version(second.pk) == kept
