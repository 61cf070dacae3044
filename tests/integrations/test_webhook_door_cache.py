"""The per-process cache of a merchant and its webhook secrets (integrations.inbound.merchant_and_secrets)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.scoping import merchant_scope
from integrations import inbound as webhooks
from merchants.models import IntegrationSecret
from merchants.services import integration_secret_set
from tests.integrations.fixtures import SHOPIFY_SECRET, post_shopify, raw

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_processing(monkeypatch):
    monkeypatch.setattr("integrations.inbound.drain_request", lambda: None)


@pytest.fixture
def shop(merchant):
    integration_secret_set(merchant=merchant, provider="shopify", secret=SHOPIFY_SECRET)
    return merchant


@pytest.fixture
def clock(monkeypatch):
    """The cache's clock, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(webhooks.time, "monotonic", lambda: now[0])
    return now


def post(client, shop, secret=SHOPIFY_SECRET):
    return post_shopify(client, shop.slug, "orders/create", raw("shopify", "orders_create.json"), secret=secret)


def test_a_warm_cache_saves_the_merchant_and_secret_queries(client, shop):
    assert post(client, shop).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert post(client, shop).status_code == 200
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "merchants_merchant" not in sql
    assert "merchants_integrationsecret" not in sql


def test_a_newly_added_secret_verifies_at_once_with_a_warm_cache(client, shop, clock):
    assert post(client, shop).status_code == 200
    integration_secret_set(merchant=shop, provider="shopify", secret="shpss_rotated")

    assert post(client, shop, secret="shpss_rotated").status_code == 200
    assert post(client, shop, secret=SHOPIFY_SECRET).status_code == 200  # the old one still works too


def test_a_retired_secret_stops_verifying_once_the_entry_expires(client, shop, clock):
    assert post(client, shop).status_code == 200
    with merchant_scope(shop):
        IntegrationSecret.objects.update(retired_at=timezone.now())

    clock[0] += webhooks.SECRETS_CACHE_SECONDS + 0.1
    assert post(client, shop).status_code == 401


def test_a_bad_signature_is_refused_with_a_warm_cache(client, shop):
    assert post(client, shop).status_code == 200
    assert post(client, shop, secret="not-the-secret").status_code == 401


def test_an_unknown_slug_is_not_remembered(client, shop):
    assert post_shopify(client, "not-yet", "orders/create", b"{}").status_code == 404
    shop.slug = "not-yet"
    shop.save(update_fields=["slug"])
    assert post(client, shop).status_code == 200


def test_entries_are_per_merchant(client, shop, other_merchant):
    integration_secret_set(merchant=other_merchant, provider="shopify", secret="other-secret")
    assert post(client, shop).status_code == 200
    assert post(client, other_merchant, secret="other-secret").status_code == 200
    assert post(client, shop, secret="other-secret").status_code == 401
    assert post(client, other_merchant, secret=SHOPIFY_SECRET).status_code == 401
