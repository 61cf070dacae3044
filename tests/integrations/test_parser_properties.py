"""What every inbound door and parser promises, over documents Hypothesis builds.

- What a door can see is refused there with a 4xx: a body that is not UTF-8 JSON text (UTF-16,
  a lone surrogate escape, bad syntax), a wrong signature.
- Any JSON document, whatever its shape and values, is accepted with a 2xx, then processed or
  stored as failed with its reason shown to staff: never an unforeseen exception, never a 500,
  never a 4xx for content the sender cannot fix by resending (Shopify deletes a subscription that
  keeps failing, WooCommerce disables it).

Documents are our fixtures with random values put at random places, or with their dates, links
and tracking numbers swapped for tricky ones, or any JSON at all. Each
example runs in a savepoint rolled back afterwards, so every one starts from the same shop: one
order (from orders_create.json) with one shipment. The examples are the same on every run and
take seconds; after changing a parser, run more of them: PARSER_EXAMPLES=300 pytest this_file.
"""

import base64
import copy
import json
import logging
import os
import re
from contextlib import contextmanager

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.inputs import is_web_url
from core.scoping import merchant_scope
from integrations.inbound import delivery_process
from integrations.models import WebhookDelivery
from merchants.services import integration_secret_set
from orders.models import LineItem, Order
from tests.conftest import login_as
from tests.factories import MembershipFactory, UserFactory
from tests.integrations.fixtures import (
    INTEGRATIONS,
    SHOPIFY_SECRET,
    WOOCOMMERCE_SECRET,
    as_body,
    payload,
    post_shopify,
    post_woocommerce,
    sign,
)
from tests.integrations.test_esp import SECRET as ESP_SECRET
from tests.integrations.test_esp import postmark_bounce
from tests.tracking.test_provider_webhooks import NUMBER, aftership_body, easypost_body, easypost_signature
from tracking.models import Shipment
from tracking.services import shipment_upsert

pytestmark = pytest.mark.django_db
PROVIDER_SECRET = "test-secret"
Status = WebhookDelivery.Status
UNFORESEEN_ERROR = re.compile(r"[A-Z]\w*(Error|Exception|Warning): ")

bounded = settings(
    max_examples=int(os.environ.get("PARSER_EXAMPLES", "25")),
    deadline=None,
    derandomize=True,  # the same examples on every run: CI fails for a reason, not by luck
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- Documents ---------------------------------------------------------------------------------

# Values that broke parsers or would: impossible offsets and dates, links that run code, numbers a
# library raises on, ids beyond 64 bits, text PostgreSQL cannot hold.
TRICKY_TEXT = [
    "",
    " ",
    "0",
    "-1",
    "2025-03-01T10:00:00+16:00",
    "2025-03-01T10:00:00-13:00",
    "2025-02-30T10:00:00Z",
    "2025-02-30",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
    "2025-03-01T10:00:00",
    "javascript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "https://example.com/" + "x" * 600,
    "1Z999AA1012345678X",
    "LA123456785FR",
    "18446744073709551616",
    "\x00",
    "x" * 5000,
    "EUR",
    "XYZ",
    "paid",
    "cancelled",
    "completed",
    "Delivered",
    "InTransit",
    "Exception_010",
    "in_transit",
    "delivered",
    "tracker.updated",
    "tracking_update",
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(TRICKY_TEXT)
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


def _with_lone_surrogate(document) -> bytes:
    return json.dumps({"note": "HALF", "rest": document}).replace("HALF", "\\ud800").encode()


not_utf8_json = st.one_of(
    st.builds(
        lambda doc, encoding: json.dumps(doc).encode(encoding), json_values, st.sampled_from(["utf-16", "utf-32"])
    ),
    json_values.map(_with_lone_surrogate),
    st.builds(lambda doc, junk: json.dumps(doc).encode() + junk, json_values, st.sampled_from([b"}", b",", b"\xff"])),
)


def _places(document, here=()):
    """Every path into the document: its keys and list indexes, nested."""
    if isinstance(document, dict):
        items = document.items()
    elif isinstance(document, list):
        items = enumerate(document)
    else:
        return
    for key, value in items:
        yield (*here, key)
        yield from _places(value, (*here, key))


def _put(document, path, value) -> None:
    try:
        for key in path[:-1]:
            document = document[key]
        document[path[-1]] = value
    except (KeyError, IndexError, TypeError):  # an earlier change replaced what led there
        pass


@st.composite
def mutated(draw, fixture):
    """The fixture with up to four of its values, anywhere in it, replaced by any JSON."""
    document = copy.deepcopy(fixture)
    places = list(_places(document))
    for path in draw(st.lists(st.sampled_from(places), max_size=4)):
        _put(document, path, draw(json_values))
    return document


# Tricky values for the fields whose name says what they hold, so that every date, link and tracking
# number of a fixture meets them within a few dozen examples.
TRICKY = {
    "date": [
        "2025-03-01T10:00:00+16:00",
        "2025-03-01T10:00:00-13:00",
        "2025-02-30T10:00:00Z",
        "2025-02-30",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+14:00",
        "2025-03-01T10:00:00",
        "yesterday",
        "",
    ],
    "url": [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "https://example.com/" + "x" * 600,
        "/relative",
    ],
    "number": ["1Z999AA1012345678X", "LA123456785FR", "x" * 65, " "],
}
KEEP = object()


def _kind(path) -> str | None:
    name = next((key for key in reversed(path) if isinstance(key, str)), "")
    if re.search(r"(_at|_gmt|date|time|datetime)$|^date", name):
        return "date"
    if re.search(r"url|src|link", name):
        return "url"
    if name in ("tracking_number", "tracking_numbers", "tracking_code"):
        return "number"
    return None


@st.composite
def retyped(draw, fixture):
    """The fixture with its dates, links and tracking numbers swapped for tricky ones, or kept."""
    document = copy.deepcopy(fixture)
    for path in list(_places(document)):
        kind = _kind(path)
        if kind is None or isinstance(_get(document, path), dict | list):
            continue
        value = draw(st.sampled_from([KEEP, KEEP, *TRICKY[kind]]))
        if value is not KEEP:
            _put(document, path, value)
    return document


def _get(document, path):
    for key in path:
        document = document[key]
    return document


def documents(fixture):
    return st.one_of(mutated(fixture), retyped(fixture), json_values)


SHOPIFY_TOPICS = {
    "customers_create.json": "customers/create",
    "customers_data_request.json": "customers/data_request",
    "customers_redact.json": "customers/redact",
    "customers_update.json": "customers/update",
    "fulfillments_create.json": "fulfillments/create",
    "fulfillments_create_two_parcels.json": "fulfillments/create",
    "fulfillments_update.json": "fulfillments/update",
    "fulfillments_update_delivered.json": "fulfillments/update",
    "inventory_levels_update.json": "inventory_levels/update",
    "orders_cancelled.json": "orders/cancelled",
    "orders_create.json": "orders/create",
    "orders_create_gift_card.json": "orders/create",
    "orders_create_guest.json": "orders/create",
    "orders_create_kwd.json": "orders/create",
    "orders_create_pending.json": "orders/create",
    "orders_paid.json": "orders/paid",
    "orders_updated.json": "orders/updated",
    "orders_updated_fulfilled.json": "orders/updated",
    "products_create.json": "products/create",
    "products_delete.json": "products/delete",
    "products_update.json": "products/update",
    "refunds_create.json": "refunds/create",
    "refunds_create_gift_card.json": "refunds/create",
    "returns_approve.json": "returns/approve",
    "returns_cancel.json": "returns/cancel",
    "returns_close.json": "returns/close",
    "returns_decline.json": "returns/decline",
    "returns_reopen.json": "returns/reopen",
    "returns_request.json": "returns/request",
    "shop_redact.json": "shop/redact",
}
WOOCOMMERCE_TOPICS = {
    "order_created.json": "order.created",
    "order_created_guest.json": "order.created",
    "order_created_store_credit.json": "order.created",
    "order_deleted.json": "order.deleted",
    "order_restored.json": "order.restored",
    "order_updated_cancelled.json": "order.updated",
    "order_updated_refunded.json": "order.updated",
    "product_deleted.json": "product.deleted",
    "product_simple.json": "product.created",
    "product_variable.json": "product.updated",
    "product_variation.json": "product.updated",
}


def _fixtures(source: str, topics: dict[str, str]) -> list[tuple[str, dict]]:
    on_disk = {path.name for path in (INTEGRATIONS / source / "fixtures").glob("*.json")}
    assert on_disk == set(topics), "every fixture is a starting point: name its topic here"
    return [(topic, payload(source, name)) for name, topic in sorted(topics.items())]


SHOPIFY_FIXTURES = _fixtures("shopify", SHOPIFY_TOPICS)
WOOCOMMERCE_FIXTURES = _fixtures("woocommerce", WOOCOMMERCE_TOPICS)


# --- The shop every example starts from ----------------------------------------------------------


@pytest.fixture
def shop(merchant, django_capture_on_commit_callbacks, client):
    for provider, secret in (
        ("shopify", SHOPIFY_SECRET),
        ("woocommerce", WOOCOMMERCE_SECRET),
        ("aftership", PROVIDER_SECRET),
        ("easypost", PROVIDER_SECRET),
    ):
        integration_secret_set(merchant=merchant, provider=provider, secret=secret)
    with django_capture_on_commit_callbacks(execute=True):
        post_shopify(client, merchant.slug, "orders/create", payload("shopify", "orders_create.json"))
    with merchant_scope(merchant):
        order = Order.objects.get()
    shipment_upsert(merchant=merchant, order=order, external_id="provider", tracking_number=NUMBER)
    return merchant


@pytest.fixture
def staff(shop):
    from django.test import Client

    user = UserFactory(email="viewer@maison-lumiere.example.com")
    with merchant_scope(shop):
        MembershipFactory(merchant=shop, user=user, role="viewer")
    return login_as(Client(), user, shop)


@pytest.fixture(autouse=True)
def no_event_fanout(monkeypatch):
    monkeypatch.setattr("orders.events.publish_request", lambda: None)


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- The promise, checked on each example ---------------------------------------------------------


def _latest_delivery(merchant) -> WebhookDelivery:
    with merchant_scope(merchant):
        return WebhookDelivery.objects.latest("id")


def processed_or_failed_with_its_reason(response, merchant, staff, caplog) -> None:
    """Accepted; then processed, ignored, or failed with a reason staff can read; never unforeseen."""
    assert response.status_code == 200, response.content
    delivery = _latest_delivery(merchant)
    caplog.clear()
    if delivery.status == Status.RECEIVED:
        delivery_process(delivery_pk=delivery.pk, on_transient=lambda pk: None)
        delivery = _latest_delivery(merchant)
    unforeseen = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert unforeseen == [], f"{unforeseen}: {delivery.last_error}"
    assert delivery.status in (Status.PROCESSED, Status.IGNORED, Status.FAILED)
    if delivery.status == Status.FAILED:
        assert delivery.last_error.strip()
        # A reason staff can act on, not an error the code did not foresee ("DataError: …").
        assert not UNFORESEEN_ERROR.match(delivery.last_error), delivery.last_error
    page = staff.get(f"/app/orders/webhooks/{delivery.pk}/")
    assert page.status_code == 200
    assert [url for url in _stored_links(merchant) if not is_web_url(url)] == []


def _stored_links(merchant) -> list[str]:
    """Every address a sender gave us that a page may link to."""
    with merchant_scope(merchant):
        tracking = Shipment.objects.exclude(tracking_url="").values_list("tracking_url", flat=True)
        images = LineItem.objects.exclude(image_url="").values_list("image_url", flat=True)
        return [*tracking, *images]


# --- Shops ---------------------------------------------------------------------------------------


@bounded
@given(data=st.data())
def test_shopify_accepts_any_json_document_and_processes_it_or_says_why(shop, staff, client, caplog, data):
    topic, fixture = data.draw(st.sampled_from(SHOPIFY_FIXTURES), label="topic")
    document = data.draw(documents(fixture), label="document")
    with rolled_back():
        response = post_shopify(client, shop.slug, topic, document)
        processed_or_failed_with_its_reason(response, shop, staff, caplog)


@bounded
@given(data=st.data())
def test_woocommerce_accepts_any_json_document_and_processes_it_or_says_why(shop, staff, client, caplog, data):
    topic, fixture = data.draw(st.sampled_from(WOOCOMMERCE_FIXTURES), label="topic")
    document = data.draw(documents(fixture), label="document")
    with rolled_back():
        response = post_woocommerce(client, shop.slug, topic, document)
        processed_or_failed_with_its_reason(response, shop, staff, caplog)


# --- Tracking providers ----------------------------------------------------------------------------


def post_provider(client, merchant, source: str, document) -> object:
    body = as_body(document)
    if source == "aftership":
        headers = {"HTTP_AFTERSHIP_HMAC_SHA256": sign(body, PROVIDER_SECRET)}
    else:
        headers = {"HTTP_X_HMAC_SIGNATURE": easypost_signature(body, PROVIDER_SECRET)}
    return client.post(f"/webhooks/{source}/{merchant.slug}/", data=body, content_type="application/json", **headers)


PROVIDER_FIXTURES = [("aftership", json.loads(aftership_body())), ("easypost", json.loads(easypost_body()))]


@bounded
@given(data=st.data())
def test_tracking_providers_accept_any_json_document_and_process_it_or_say_why(shop, staff, client, caplog, data):
    source, fixture = data.draw(st.sampled_from(PROVIDER_FIXTURES), label="source")
    document = data.draw(documents(fixture), label="document")
    with rolled_back():
        response = post_provider(client, shop, source, document)
        processed_or_failed_with_its_reason(response, shop, staff, caplog)


# --- The email provider's events (django-anymail) ----------------------------------------------------


@bounded
@given(document=documents(postmark_bounce("0a129aee-e1cd-480d-b08d-4f48548ff48d")))
def test_email_provider_events_of_any_shape_are_accepted_and_never_fail(shop, client, settings, caplog, document):
    settings.ANYMAIL = {"WEBHOOK_SECRET": [ESP_SECRET]}
    auth = "Basic " + base64.b64encode(ESP_SECRET.encode()).decode()
    caplog.clear()
    with rolled_back():
        response = client.post(
            "/anymail/postmark/tracking/", as_body(document), content_type="application/json", HTTP_AUTHORIZATION=auth
        )
    assert response.status_code == 200, response.content


@bounded
@given(body=not_utf8_json)
def test_an_email_provider_body_that_is_not_json_text_is_refused(shop, client, settings, body):
    settings.ANYMAIL = {"WEBHOOK_SECRET": [ESP_SECRET]}
    auth = "Basic " + base64.b64encode(ESP_SECRET.encode()).decode()
    with rolled_back():
        response = client.post(
            "/anymail/postmark/tracking/", body, content_type="application/json", HTTP_AUTHORIZATION=auth
        )
    assert response.status_code == 400, response.content


# --- What every door can see ----------------------------------------------------------------------

SOURCES = ["shopify", "woocommerce", "aftership", "easypost"]


def _post(client, merchant, source: str, body: bytes, *, secret_ok: bool = True):
    if source == "shopify":
        return post_shopify(client, merchant.slug, "orders/create", body, secret=SHOPIFY_SECRET if secret_ok else "x")
    if source == "woocommerce":
        return post_woocommerce(
            client, merchant.slug, "order.created", body, secret=WOOCOMMERCE_SECRET if secret_ok else "x"
        )
    if not secret_ok:
        return client.post(f"/webhooks/{source}/{merchant.slug}/", data=body, content_type="application/json")
    return post_provider(client, merchant, source, body)


@bounded
@given(source=st.sampled_from(SOURCES), body=not_utf8_json)
def test_a_body_that_is_not_utf8_json_text_is_refused_at_the_door(shop, client, source, body):
    with rolled_back():
        response = _post(client, shop, source, body)
    assert response.status_code == 400, response.content
    assert response.json()["error"]


@bounded
@given(source=st.sampled_from(SOURCES), document=json_values)
def test_a_body_not_signed_with_the_shops_secret_is_refused_and_not_stored(shop, client, source, document):
    with merchant_scope(shop):
        stored = WebhookDelivery.objects.count()
    with rolled_back():
        response = _post(client, shop, source, as_body(document), secret_ok=False)
        with merchant_scope(shop):
            assert WebhookDelivery.objects.count() == stored
    assert response.status_code == 401
