"""Subscriptions changed while a drain pass publishes: every event published after the change's
answer reaches the endpoint.

The race, made deterministic: a drain pass (its own thread and database connection) is held inside
its first batch, right after that batch's first event was fanned out (the shop's endpoints read).
Meanwhile the shop registers, subscribes or enables an endpoint through the API, and creates orders
once it has the answer. The pass then goes on, in the same pass, to the orders created meanwhile.
"""

import json
import threading

import pytest
from django.db import connection

from core.scoping import merchant_scope
from orders import events
from orders.models import OrderEvent
from outbound.models import OutboundMessage, WebhookEndpoint
from tests.conftest import api_client_for
from tests.orders.test_api import order_body

from .outbound_support import endpoint_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("allow_private")]

ENDPOINTS = "/api/v1/webhook-endpoints"
ORDERS_AFTER_THE_CHANGE = 6


class HeldPass:
    """events_publish_pending() in a thread, held once inside its first batch until released."""

    def __init__(self, monkeypatch):
        self.inside = threading.Event()
        self.release = threading.Event()
        self.published: list[int] = []
        self.errors: list[BaseException] = []
        # After every real subscriber (fan-out included) has handled the batch's first order event.
        monkeypatch.setattr(events, "_subscribers", [*events._subscribers, ("order.created", self._hold_once)])
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _hold_once(self, event):
        if not self.inside.is_set():
            self.inside.set()
            assert self.release.wait(30), "the test never released the pass"

    def _run(self):
        try:
            self.published.append(events.events_publish_pending())
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            self.errors.append(exc)
        finally:
            connection.close()

    def start(self):
        self.thread.start()
        assert self.inside.wait(30), "the pass never reached its first order event"

    def finish(self) -> int:
        self.release.set()
        self.thread.join(60)
        assert not self.thread.is_alive() and not self.errors, self.errors
        [published] = self.published
        return published


@pytest.fixture
def no_inline_publishing(monkeypatch):
    """Order events wait for the held pass instead of being published by the request that wrote them."""
    monkeypatch.setattr(events, "publish_request", lambda: None)


def create_order(api, n: int) -> None:
    body = order_body(
        external_id=f"race-{n}",
        number=f"#R{n}",
        customer={"external_id": f"buyer-{n}", "email": f"buyer{n}@example.org", "first_name": "Ana"},
    )
    response = api.post("/api/v1/orders", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content


def register(api, receiver):
    response = api.post(ENDPOINTS, {"url": receiver.url("/new"), "event_types": ["order.*"]}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def subscribe(api, receiver, endpoint_id):
    response = api.patch(f"{ENDPOINTS}/{endpoint_id}", {"event_types": ["order.*"]}, format="json")
    assert response.status_code == 200, response.content


def enable(api, receiver, endpoint_id):
    response = api.patch(f"{ENDPOINTS}/{endpoint_id}", {"is_active": True}, format="json")
    assert response.status_code == 200, response.content


def endpoint_before_the_pass(merchant, receiver, change) -> int | None:
    """The endpoint the change is about, as it is before the pass (none for a registration)."""
    if change is register:
        return None
    if change is subscribe:
        return endpoint_for(merchant, receiver.url("/new"), ["shipment.*"]).endpoint.pk
    endpoint = endpoint_for(merchant, receiver.url("/new"), ["order.*"]).endpoint
    with merchant_scope(merchant):
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False, disabled_reason="manual")
    return endpoint.pk


@pytest.mark.parametrize("change", [register, subscribe, enable], ids=["registered", "subscribed", "enabled"])
def test_every_event_published_after_the_answer_reaches_the_endpoint(
    merchant, receiver, monkeypatch, no_inline_publishing, change
):
    api = api_client_for(merchant)
    endpoint_for(merchant, receiver.url("/old"), ["*"])
    changed_id = endpoint_before_the_pass(merchant, receiver, change)
    create_order(api, 0)  # the pass's first event, fanned out before the change
    held = HeldPass(monkeypatch)
    held.start()

    if changed_id is None:
        changed_id = change(api, receiver)
    else:
        change(api, receiver, changed_id)
    with merchant_scope(merchant):
        acknowledged_after = OrderEvent.objects.latest("id").pk
    for n in range(1, ORDERS_AFTER_THE_CHANGE + 1):
        create_order(api, n)

    assert held.finish() == 1 + ORDERS_AFTER_THE_CHANGE  # one pass took them all
    with merchant_scope(merchant):
        later = set(OrderEvent.objects.filter(pk__gt=acknowledged_after).values_list("pk", flat=True))
        reached = set(OutboundMessage.objects.filter(endpoint_id=changed_id).values_list("event_id", flat=True))
        sent_ids = set(
            OutboundMessage.objects.filter(endpoint_id=changed_id, event_id__in=later).values_list(
                "message_id", flat=True
            )
        )
    assert len(later) == ORDERS_AFTER_THE_CHANGE
    assert later <= reached
    assert sent_ids == {r.headers["webhook-id"] for r in receiver.received if r.path == "/new"}
    assert len([r for r in receiver.received if r.path == "/old"]) == 1 + ORDERS_AFTER_THE_CHANGE
