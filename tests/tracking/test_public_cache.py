"""The tracking page's cache entry (tracking/page_cache.py): what changes it, and what erasure leaves."""

import pickle
import re
from datetime import timedelta

import pytest
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.services import recommendation_rule_save
from core.scoping import merchant_scope
from merchants.services import merchant_branding_update
from orders import privacy
from orders.cache_version import order_cache_version_key
from orders.models import Customer, Order
from orders.services import CustomerInput, customer_upsert
from tests.factories import OrderFactory
from tracking import page_cache
from tracking.services import shipment_upsert, tracking_event_add
from tracking.tokens import tracking_page_path

from .conftest import PLACED

NEW_YORK = "America/New_York"


@pytest.fixture
def shipment(merchant, order):
    shipment = shipment_upsert(
        merchant=merchant, order=order, tracking_number="8D00432154798", shipped_at=PLACED + timedelta(hours=6)
    )
    # 17:00 UTC on 3 March: 12:00 in New York.
    tracking_event_add(
        merchant=merchant, shipment=shipment, status="in_transit", occurred_at=PLACED + timedelta(hours=8), source="api"
    )
    return shipment


def without_csrf_token(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def queries_of(client, path) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_second_view_reads_nothing_but_the_page_view(client, order, shipment):
    path = tracking_page_path(order) + "?lang=en"
    built, first = queries_of(client, path)
    cached, second = queries_of(client, path)
    assert (built, cached) == (6, 1)  # the one left is the page view INSERT (no Redis buffer here)
    assert without_csrf_token(first) == without_csrf_token(second)  # a fresh CSRF token on each view


def test_customer_language_and_time_zone_changes_show_on_the_next_view(
    client, merchant, order, shipment, django_capture_on_commit_callbacks
):
    path = tracking_page_path(order)
    assert "Livraison prévue" in client.get(path).content.decode()  # the customer's language: fr
    with django_capture_on_commit_callbacks(execute=True):
        customer_upsert(merchant=merchant, data=CustomerInput(email=order.customer.email, language="en"))
    html = client.get(path).content.decode()
    assert 'lang="en"' in html and "18:00" in html  # the shop's time zone, Paris
    with django_capture_on_commit_callbacks(execute=True), merchant_scope(merchant):
        customer = Customer.objects.get(pk=order.customer_id)
        customer.time_zone = NEW_YORK
        customer.save()
    assert "12:00" in client.get(path).content.decode()


def test_order_number_change_shows_on_the_next_view(client, merchant, order, django_capture_on_commit_callbacks):
    path = tracking_page_path(order) + "?lang=en"
    assert "Order #1001" in client.get(path).content.decode()
    with django_capture_on_commit_callbacks(execute=True), merchant_scope(merchant):
        order.number = "#2002"
        order.save(update_fields=["number"])  # no order event: the save itself drops the cached page
    assert "Order #2002" in client.get(path).content.decode()


def test_branding_and_suggestion_mode_changes_show_on_the_next_view(
    client, merchant, order, shipment, django_capture_on_commit_callbacks
):
    path = tracking_page_path(order) + "?lang=en"
    assert "Maison Lumière" in client.get(path).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        merchant_branding_update(merchant=merchant, changes={"name": "Maison Soleil"})
    html = client.get(path).content.decode()
    assert "Maison Soleil" in html and "Maison Lumière" not in html
    with django_capture_on_commit_callbacks(execute=True):
        recommendation_rule_save(merchant=merchant, mode="product_type")
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    assert any("catalogue_recommendationrule" in q["sql"] for q in queries)  # suggestions are chosen again


def test_deleted_order_answers_404_even_after_it_was_cached(
    client, merchant, order, shipment, django_capture_on_commit_callbacks
):
    path = tracking_page_path(order)
    assert client.get(path).status_code == 200
    with django_capture_on_commit_callbacks(execute=True), merchant_scope(merchant):
        Order.objects.filter(pk=order.pk).delete()
    assert client.get(path).status_code == 404


def test_a_cached_order_does_not_cross_merchants(client, merchant, other_merchant, order, other_order):
    assert client.get(tracking_page_path(other_order)).status_code == 200  # the other shop's order is cached
    forged = signing.dumps({"m": merchant.pk, "o": other_order.pk}, salt="tracking.page", compress=True)
    assert client.get(f"/track/{forged}/").status_code == 404


def test_an_entry_stored_under_a_stale_version_is_never_served(
    client, merchant, order, shipment, django_capture_on_commit_callbacks
):
    """A view that read the order just before a change committed stores what it read after the change."""
    entry = page_cache.order_entry(merchant_id=merchant.pk, order_id=order.pk)  # versions read, then the order
    with django_capture_on_commit_callbacks(execute=True), merchant_scope(merchant):
        order.number = "#2002"
        order.save(update_fields=["number"])
    page_cache.order_entry_save(entry)  # the old number, stored after the change committed
    assert "Order #2002" in client.get(tracking_page_path(order) + "?lang=en").content.decode()


def test_orders_of_a_new_merchant_never_meet_entries_left_by_an_earlier_database(client, merchant, order):
    """After a database reset ids start again while the cache keeps its entries and versions."""
    from tests.factories import MerchantFactory

    merchant_id, order_id = merchant.pk + 1000, order.pk + 1000
    left_over = page_cache.order_entry(merchant_id=merchant.pk, order_id=order.pk)  # "#1001", Maison Lumière
    cache.set(page_cache.entry_key(merchant_id, order_id), ("old", "old", left_over.order, {}))
    cache.set_many({order_cache_version_key(order_id): "old", page_cache.merchant_version_key(merchant_id): "old"})

    new_merchant = MerchantFactory(pk=merchant_id, name="Nouvelle Boutique")
    with merchant_scope(new_merchant):
        new_order = OrderFactory(pk=order_id, merchant=new_merchant, number="#7", placed_at=PLACED)
    html = client.get(tracking_page_path(new_order) + "?lang=en").content.decode()
    assert "Order #7" in html and "Nouvelle Boutique" in html


def cached_values(redis_cache) -> list[bytes]:
    """Every value this test stored in Redis, as stored."""
    client = redis_cache._cache.get_client(write=True)
    values = []
    for key in client.scan_iter(f"{redis_cache.key_prefix}:*"):
        kind = client.type(key)
        values.append(client.get(key) if kind == b"string" else b"".join(client.lrange(key, 0, -1)))
    return values


@pytest.mark.parametrize("whole_shop", [False, True], ids=["customer", "whole-shop"])
def test_erasure_leaves_no_personal_data_in_the_cache(
    redis_cache, client, merchant, order, shipment, django_capture_on_commit_callbacks, whole_shop
):
    with django_capture_on_commit_callbacks(execute=True), merchant_scope(merchant):
        Customer.objects.filter(pk=order.customer_id).update(time_zone=NEW_YORK)
        order.save()  # the customer's time zone changed in bulk: drop the page as its next change would
    path = tracking_page_path(order) + "?lang=en"
    assert "12:00" in client.get(path).content.decode()  # New York time
    assert any(NEW_YORK.encode() in value for value in cached_values(redis_cache))

    subject = (
        privacy.subject_whole_shop(merchant=merchant)
        if whole_shop
        else privacy.subject_for(merchant=merchant, emails=[order.customer.email])
    )
    with django_capture_on_commit_callbacks(execute=True):
        counts = privacy.personal_data_erase(subject=subject)
    assert counts["tracking.page_cache"] == 1
    assert cache.get(page_cache.entry_key(merchant.pk, order.pk)) is None
    assert not any(NEW_YORK.encode() in value for value in cached_values(redis_cache))
    html = client.get(path).content.decode()
    assert "12:00" not in html and "18:00" in html  # the shop's time zone, Paris, now


def test_entry_holds_model_instances_that_survive_pickling(merchant, order):
    entry = page_cache.order_entry(merchant_id=merchant.pk, order_id=order.pk)
    copy = pickle.loads(pickle.dumps(entry.order))  # noqa: S301 - our own data, as the cache stores it
    with CaptureQueriesContext(connection) as queries:
        assert (copy.number, copy.merchant.name, copy.customer.language) == ("#1001", "Maison Lumière", "fr")
    assert len(queries) == 0
