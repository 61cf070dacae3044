"""The scripted shop and a merchant that gave us access to Shopify or WooCommerce, for the shop-action adapters."""

import pytest

from integrations import shop_calls
from integrations.woocommerce import actions as woo
from merchants.credentials import credential_set

from .shop_http import ScriptedShop


@pytest.fixture
def http(monkeypatch):
    shop = ScriptedShop()
    monkeypatch.setattr(shop_calls.requests, "request", shop)
    return shop


@pytest.fixture
def on_shopify(merchant):
    merchant.shopify_domain = "maison-lumiere.myshopify.com"
    merchant.save()
    credential_set(merchant, "shopify_admin_token", "shpat_0123456789abcdef")
    return merchant


@pytest.fixture
def on_woo(merchant, monkeypatch):
    merchant.woocommerce_url = "https://shop.maison-lumiere.example"
    merchant.save()
    credential_set(merchant, "woocommerce_consumer_key", "ck_live_key")
    credential_set(merchant, "woocommerce_consumer_secret", "cs_live_secret")
    monkeypatch.setattr(woo, "vet_url", lambda url: None)  # no DNS in tests; the SSRF vetting has its own tests
    return merchant
