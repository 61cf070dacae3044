"""The WSGI application: inbound webhooks go through a short middleware chain, pages through all of it."""

import io
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from config.wsgi import application
from core.scoping import merchant_scope
from integrations.models import WebhookDelivery
from merchants.services import integration_secret_set
from tests.integrations.fixtures import SHOPIFY_SECRET, raw, sign

pytestmark = pytest.mark.django_db


@contextmanager
def kept_connection():
    """As Django's test client does: the test's transaction must outlive the request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def call(method: str, path: str, body: bytes = b"", headers: dict | None = None) -> tuple[str, dict, bytes]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(response_headers)

    with kept_connection():
        result = application(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            result.close()
    return answer["status"], answer["headers"], content


def test_a_shopify_webhook_is_stored_through_the_machine_door(merchant):
    integration_secret_set(merchant=merchant, provider="shopify", secret=SHOPIFY_SECRET)
    body = raw("shopify", "orders_create.json")
    status, headers, content = call(
        "POST",
        f"/webhooks/shopify/{merchant.slug}/",
        body,
        {
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": sign(body, SHOPIFY_SECRET),
            "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
        },
    )

    assert status.startswith("200"), content
    assert "Content-Security-Policy" not in headers and "Set-Cookie" not in headers  # no page middleware ran
    assert "X-Content-Type-Options" in headers  # the security middleware did
    with merchant_scope(merchant):
        assert WebhookDelivery.objects.filter(delivery_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043").exists()


def test_a_bad_signature_is_still_refused_at_the_machine_door(merchant):
    integration_secret_set(merchant=merchant, provider="shopify", secret=SHOPIFY_SECRET)
    body = raw("shopify", "orders_create.json")
    status, _headers, _content = call(
        "POST",
        f"/webhooks/shopify/{merchant.slug}/",
        body,
        {"X-Shopify-Topic": "orders/create", "X-Shopify-Hmac-Sha256": sign(body, "another secret")},
    )

    assert status.startswith("401")
    with merchant_scope(merchant):
        assert not WebhookDelivery.objects.exists()


def test_pages_go_through_every_middleware():
    status, headers, _content = call("GET", "/accounts/login/")

    assert status.startswith("200")
    assert "Content-Security-Policy" in headers and "X-Frame-Options" in headers
    assert "csrftoken" in headers.get("Set-Cookie", "")
    assert settings.MIDDLEWARE[-1] == "merchants.middleware.CurrentMerchantMiddleware"  # restored after the build


def test_the_machine_chain_is_a_part_of_the_site_chain_in_the_same_order():
    positions = [settings.MIDDLEWARE.index(path) for path in settings.MACHINE_MIDDLEWARE]
    assert positions == sorted(positions)


def test_every_view_behind_a_machine_door_is_one_machines_call():
    """A page mounted under a machine prefix would lose its sessions, users and CSRF checks."""
    from tests.test_isolation import url_patterns

    behind = [
        (route, pattern.callback)
        for route, pattern in url_patterns()
        if ("/" + route.lstrip("^")).startswith(tuple(settings.MACHINE_PATH_PREFIXES))
    ]
    assert len(behind) >= 4  # Shopify, WooCommerce, the carriers, the email providers
    assert [route for route, view in behind if not getattr(view, "csrf_exempt", False)] == []
