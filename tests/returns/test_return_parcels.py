"""The parcel back (docs/returns.md): a return's tracking number becomes a return parcel, whose scans move
the return and which nothing meant for parcels sent to customers ever sees."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from core.scoping import merchant_scope
from flows.models import Anchor, Flow, FlowStep, ScheduledMessage, Trigger
from merchants.services import integration_secret_set
from orders.events import event_publish
from orders.models import FulfillmentStatus, OrderEvent
from outbound.models import OutboundMessage, WebhookEndpoint
from portal.links import order_token
from returns import parcels
from returns.eligibility import returnable_lines
from returns.lifecycle import ItemInput, ReturnValidationError, return_approve, return_request_create
from returns.models import ReturnPolicy, ReturnRequest, ReturnStatus
from returns.parcels import return_parcel_attach
from tests.factories import LineItemFactory, OrderFactory
from tracking.fulfillments import fulfillment_add
from tracking.home import shipments_home_figures
from tracking.models import Shipment, ShipmentDirection
from tracking.selectors import tracking_page_data
from tracking.services import ProviderEvent, provider_events_apply, shipment_delay_check, shipment_upsert

pytestmark = pytest.mark.django_db
NUMBER = "RB123456785GB"  # a Royal Mail number whose check digit is right
OUTGOING = "3318810025"  # DHL Express
SECRET = "test-secret"
NOW = timezone.now()
PLACED = NOW - timedelta(days=12)


@pytest.fixture
def policy(merchant):
    with merchant_scope(merchant):
        return ReturnPolicy.objects.create(
            merchant=merchant, methods=["ship_yourself", "label"], return_address="Maison Lumière\n12 rue X"
        )


@pytest.fixture
def order(merchant):
    order = OrderFactory(merchant=merchant, placed_at=PLACED, number="#1001", discount=Decimal(0))
    LineItemFactory(merchant=merchant, order=order, title="Candle", unit_price=Decimal("30"), quantity=1)
    LineItemFactory(merchant=merchant, order=order, title="Vase", unit_price=Decimal("40"), quantity=1)
    return order


@pytest.fixture
def the_return(order, policy):
    with merchant_scope(order.merchant):
        candle = order.line_items.get(title="Candle")
    created = return_request_create(order=order, items=[ItemInput(candle.pk, 1, "too_big")], method="ship_yourself")
    return return_approve(request=created)


def scan(merchant, status, hours_ago, number=NUMBER, description=""):
    """One carrier scan, as the AfterShip and EasyPost webhooks and polling hand them to tracking."""
    event = ProviderEvent(status=status, occurred_at=NOW - timedelta(hours=hours_ago), description=description)
    return provider_events_apply(merchant=merchant, source="aftership", tracking_number=number, events=[event])


def publish_all(merchant):
    """Publish what was recorded, and what the subscribers record in turn, as the outbox drain would."""
    for _round in range(5):
        with merchant_scope(merchant):
            waiting = list(
                OrderEvent.objects.filter(published_at__isnull=True).order_by("id").values_list("pk", flat=True)
            )
        if not waiting:
            return
        for event_id in waiting:
            event_publish(event_id=event_id)


def kinds(order, prefix=""):
    with merchant_scope(order.merchant):
        return list(
            OrderEvent.objects.filter(order=order, kind__startswith=prefix)
            .order_by("id")
            .values_list("kind", flat=True)
        )


def fresh(the_return):
    with merchant_scope(the_return.merchant):
        return ReturnRequest.objects.get(pk=the_return.pk)


def deliver_return_parcel(merchant, the_return):
    return_parcel_attach(the_return, NUMBER)
    for status, hours_ago in (("in_transit", 50), ("out_for_delivery", 30), ("delivered", 26)):
        scan(merchant, status, hours_ago)
    publish_all(merchant)


def receive_on_delivery(monkeypatch, merchant, value=True):
    """The policy's "received on delivery" setting."""
    with merchant_scope(merchant):
        ReturnPolicy.objects.filter(merchant=merchant).update(received_on_delivery=value)


# --- Attaching the parcel ------------------------------------------------------------------------


def test_attach_creates_a_return_parcel_linked_to_the_return(merchant, order, the_return):
    parcel = return_parcel_attach(the_return, " rb 1234 5678 5gb ", "")
    stored = fresh(the_return)
    assert stored.shipment_id == parcel.pk and stored.tracking_number == NUMBER
    assert (parcel.direction, parcel.carrier, parcel.tracking_number) == ("return", "royal_mail", NUMBER)
    assert parcel.tracking_url and parcel.status == "info_received" and parcel.shipped_at is None
    assert kinds(order, "return_parcel.") == ["return_parcel.created"]


def test_the_same_number_twice_makes_one_parcel_and_another_number_replaces_it(merchant, order, the_return):
    first = return_parcel_attach(the_return, NUMBER)
    assert return_parcel_attach(the_return, NUMBER.lower()).pk == first.pk
    second = return_parcel_attach(the_return, "3318810025", "DHL")
    with merchant_scope(merchant):
        assert Shipment.all_directions.filter(direction=ShipmentDirection.RETURN).count() == 2
        first.refresh_from_db()
    assert fresh(the_return).shipment_id == second.pk and second.carrier == "dhl"
    assert first.cancelled_at is not None  # no longer polled or checked for delays
    assert kinds(order, "return_parcel.") == [
        "return_parcel.created",
        "return_parcel.created",
        "return_parcel.cancelled",
    ]


@pytest.mark.parametrize(
    "number, message",
    [("", "Enter the tracking number"), ("RB-123/456", "Enter the tracking number"), (OUTGOING, "the shop sent you")],
)
def test_a_number_we_cannot_take_is_refused_and_nothing_is_stored(merchant, order, the_return, number, message):
    shipment_upsert(merchant=merchant, order=order, tracking_number=OUTGOING)
    with pytest.raises(ReturnValidationError) as refused:
        return_parcel_attach(the_return, number)
    assert message in refused.value.errors["tracking_number"]
    assert fresh(the_return).shipment_id is None
    with merchant_scope(merchant):
        assert not Shipment.all_directions.filter(direction=ShipmentDirection.RETURN).exists()


def test_a_return_not_waiting_for_its_parcel_takes_none(merchant, order, policy):
    with merchant_scope(order.merchant):
        candle = order.line_items.get(title="Candle")
    requested = return_request_create(order=order, items=[ItemInput(candle.pk, 1, "too_big")], method="ship_yourself")
    with pytest.raises(ReturnValidationError) as refused:
        return_parcel_attach(requested, NUMBER)
    assert "not waiting for a parcel" in refused.value.errors["tracking_number"]


# --- The moves -----------------------------------------------------------------------------------


def test_a_label_created_scan_moves_nothing_and_the_first_carrier_scan_sends_the_return_on_its_way(
    merchant, order, the_return
):
    return_parcel_attach(the_return, NUMBER)
    scan(merchant, "info_received", 60)
    publish_all(merchant)
    assert fresh(the_return).status == ReturnStatus.APPROVED
    scan(merchant, "in_transit", 50)
    publish_all(merchant)
    assert fresh(the_return).status == ReturnStatus.IN_TRANSIT
    assert kinds(order, "return.") == ["return.requested", "return.approved", "return.in_transit"]


def aftership_body(event_id, checkpoints):
    """An AfterShip tracking_update (wire_formats_2.md), as tests/tracking/test_provider_webhooks.py builds it."""
    payload = {
        "event": "tracking_update",
        "event_id": event_id,
        "ts": int(NOW.timestamp()),
        "is_tracking_first_tag": False,
        "msg": {"tracking_number": NUMBER, "slug": "royal-mail", "tag": "InTransit", "checkpoints": checkpoints},
    }
    return json.dumps(payload).encode()


def test_the_same_scan_delivered_twice_by_the_provider_moves_the_return_once(
    client, merchant, the_return, django_capture_on_commit_callbacks
):
    integration_secret_set(merchant=merchant, provider="aftership", secret=SECRET)
    return_parcel_attach(the_return, NUMBER)
    at = (NOW - timedelta(hours=5)).isoformat()
    checkpoints = [{"checkpoint_time": at, "tag": "InTransit", "message": "Departed facility", "city": "Leeds"}]
    for event_id in ("e-1", "e-2"):  # the provider sends the same scan again under a new event id
        body = aftership_body(event_id, checkpoints)
        signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/webhooks/aftership/maison-lumiere/",
                data=body,
                content_type="application/json",
                HTTP_AFTERSHIP_HMAC_SHA256=signature,
            )
        assert response.status_code == 200, response.content
        publish_all(merchant)
    assert fresh(the_return).status == ReturnStatus.IN_TRANSIT
    assert kinds(the_return.order, "return.in_transit") == ["return.in_transit"]
    assert kinds(the_return.order, "return_parcel.status_changed") == ["return_parcel.status_changed"]


def test_a_republished_event_moves_nothing_twice(merchant, the_return):
    return_parcel_attach(the_return, NUMBER)
    scan(merchant, "in_transit", 50)
    publish_all(merchant)
    with merchant_scope(merchant):
        changed = OrderEvent.objects.get(kind="return_parcel.status_changed")
        parcels.on_return_parcel_event(changed)  # the sweep republishes an event whose commit was lost
    assert kinds(the_return.order, "return.in_transit") == ["return.in_transit"]


def test_delivery_to_the_shop_receives_the_return_when_the_policy_says_so(monkeypatch, merchant, the_return):
    receive_on_delivery(monkeypatch, merchant)
    deliver_return_parcel(merchant, the_return)
    assert fresh(the_return).status == ReturnStatus.RECEIVED
    assert kinds(the_return.order, "return.")[-2:] == ["return.in_transit", "return.received"]


def test_otherwise_staff_receive_it(merchant, the_return):
    deliver_return_parcel(merchant, the_return)
    assert fresh(the_return).status == ReturnStatus.IN_TRANSIT


def test_a_cancelled_return_is_not_moved_by_its_parcel(merchant, the_return):
    from returns.lifecycle import return_cancel

    return_parcel_attach(the_return, NUMBER)
    return_cancel(request=the_return)
    scan(merchant, "in_transit", 50)
    publish_all(merchant)
    assert fresh(the_return).status == ReturnStatus.CANCELLED


# --- What a return parcel never triggers -----------------------------------------------------------


def test_a_return_parcel_records_no_shipment_event(monkeypatch, merchant, order, the_return):
    receive_on_delivery(monkeypatch, merchant)
    deliver_return_parcel(merchant, the_return)
    assert kinds(order, "shipment.") == []
    assert kinds(order, "return_parcel.") == [
        "return_parcel.created",
        "return_parcel.status_changed",
        "return_parcel.status_changed",
        "return_parcel.status_changed",
        "return_parcel.delivered",
    ]


def shipping_messages(order):
    with merchant_scope(order.merchant):
        return list(
            ScheduledMessage.objects.filter(order=order, step__flow__trigger__startswith="shipment.").values_list(
                "step__flow__trigger", flat=True
            )
        )


def test_an_outgoing_parcel_delivered_schedules_the_shipping_emails(merchant, order):
    """The control for the next test: the default flows do send shipped and delivered emails."""
    shipment_upsert(merchant=merchant, order=order, tracking_number=NUMBER, shipped_at=NOW - timedelta(hours=60))
    for status, hours_ago in (("in_transit", 50), ("out_for_delivery", 30), ("delivered", 26)):
        scan(merchant, status, hours_ago)
    publish_all(merchant)
    assert {"shipment.created", "shipment.delivered"} <= set(shipping_messages(order))


def test_a_return_parcel_delivered_schedules_no_shipping_email_or_survey(merchant, order, the_return):
    deliver_return_parcel(merchant, the_return)
    with merchant_scope(merchant):
        assert Flow.objects.filter(trigger=Trigger.DELIVERED, active=True).exists()
    assert shipping_messages(order) == []


def test_a_return_parcel_sends_no_shipment_webhook(monkeypatch, merchant, order, the_return):
    receive_on_delivery(monkeypatch, merchant)
    publish_all(merchant)  # the return's requested and approved events, before the endpoints exist
    with merchant_scope(merchant):
        for event_types in (["*"], ["shipment.*"]):
            WebhookEndpoint.objects.create(
                merchant=merchant, url="https://hooks.example.com/in", event_types=event_types, secret="whsec_test"
            )
    deliver_return_parcel(merchant, the_return)
    with merchant_scope(merchant):
        sent = sorted(set(OutboundMessage.objects.values_list("event_type", flat=True)))
    assert sent == ["return.in_transit", "return.received"]  # shops hear of the return, not of a shipment


def test_a_return_parcel_leaves_the_orders_fulfillment_status_alone(merchant, order, the_return):
    return_parcel_attach(the_return, NUMBER)
    with merchant_scope(merchant):
        vase = order.line_items.get(title="Vase")
    fulfillment_add(merchant=merchant, order=order, tracking_number=OUTGOING, line_item_ids=[vase.pk])
    order.refresh_from_db()
    # A parcel listing no items carries the whole order: counted, the return parcel would make it fulfilled.
    assert order.fulfillment_status == FulfillmentStatus.PARTIAL


def test_return_parcels_are_no_delivery_window_samples(merchant, order):
    shipped = NOW - timedelta(days=9)
    with merchant_scope(merchant):
        Shipment.all_directions.bulk_create(
            Shipment(
                merchant=merchant,
                order=order,
                direction=ShipmentDirection.RETURN,
                carrier="dhl",
                tracking_number=f"R{n}",
                status="delivered",
                shipped_at=shipped,
                delivered_at=shipped + timedelta(days=6),
            )
            for n in range(25)
        )
    outgoing = shipment_upsert(merchant=merchant, order=order, tracking_number=OUTGOING, shipped_at=NOW)
    assert outgoing.estimate_source == "default"  # 25 samples would have made it "history"


def test_a_delivered_return_parcel_is_no_delivery_anchor(monkeypatch, merchant, order, the_return):
    """A flow counting from "delivery when known" must not count from the day the parcel came back."""
    receive_on_delivery(monkeypatch, merchant)
    with merchant_scope(merchant):
        flow = Flow.objects.create(
            merchant=merchant,
            name="After the return",
            trigger=Trigger.EVENT,
            event_kind="return.received",
            anchor=Anchor.DELIVERY_OR_ORDER,
        )
        FlowStep.objects.create(merchant=merchant, flow=flow, name="How was it?", delay_days=3)
    deliver_return_parcel(merchant, the_return)
    with merchant_scope(merchant):
        received = OrderEvent.objects.get(kind="return.received")
        row = ScheduledMessage.objects.get(step__flow=flow)
    assert row.anchor_at == received.occurred_at  # not the parcel's delivery, 26 hours earlier


def test_the_return_window_still_counts_from_the_delivery_to_the_customer(merchant, order, the_return):
    delivered = NOW - timedelta(days=5)
    shipment_upsert(merchant=merchant, order=order, tracking_number=OUTGOING, shipped_at=delivered - timedelta(days=2))
    scan(merchant, "delivered", 24 * 5, number=OUTGOING)
    return_parcel_attach(the_return, NUMBER)  # on its way back, not delivered
    with merchant_scope(merchant):
        [vase] = [r for r in returnable_lines(order, now=NOW) if r.line_item.title == "Vase"]
    assert vase.window_ends == timezone.localtime(delivered, merchant.tzinfo).date() + timedelta(days=30)


def test_the_tracking_page_lists_the_parcels_sent_to_the_customer_only(merchant, order, the_return):
    shipment_upsert(merchant=merchant, order=order, tracking_number=OUTGOING)
    return_parcel_attach(the_return, NUMBER)
    with merchant_scope(merchant):
        shown = [view.tracking_number for view in tracking_page_data(merchant=merchant, order=order)["shipments"]]
    assert shown == [OUTGOING]
    page = Client().get(f"/track/{order_token(order)}/?lang=en")
    assert page.status_code == 200 and OUTGOING in page.content.decode() and NUMBER not in page.content.decode()


def test_a_late_return_parcel_is_flagged_without_a_shipment_delay(merchant, order, the_return):
    parcel = return_parcel_attach(the_return, NUMBER)
    scan(merchant, "in_transit", 24 * 6)
    shipment_delay_check(merchant=merchant, shipment_id=parcel.pk)
    with merchant_scope(merchant):
        parcel = Shipment.all_directions.get(pk=parcel.pk)
        figures = shipments_home_figures(merchant=merchant, since=NOW - timedelta(days=30))
    assert parcel.is_delayed and parcel.delay_reason == "no_news"
    assert kinds(order, "return_parcel.delayed") == ["return_parcel.delayed"] and kinds(order, "shipment.") == []
    assert figures["delayed"] == 0 and figures["total"] == 0  # the dashboard's on-time figures: outgoing parcels


# --- The customer's page ---------------------------------------------------------------------------


def detail_url(order, rma, suffix="", lang="en"):
    return f"/returns/{order_token(order)}/{rma}/{suffix}?lang={lang}"


def test_the_return_page_asks_a_ship_it_yourself_customer_for_the_tracking_number(
    order, the_return, django_assert_num_queries
):
    client = Client()
    # The items' photos are one prefetch more.
    with django_assert_num_queries(9):
        page = client.get(detail_url(order, the_return.rma))
    html = page.content.decode()
    assert page.status_code == 200 and "Tell us its tracking number" in html and 'name="tracking_number"' in html


def test_the_customer_saves_the_number_and_sees_the_parcel(merchant, order, the_return):
    client = Client()
    response = client.post(detail_url(order, the_return.rma, "parcel/"), {"tracking_number": NUMBER, "carrier": ""})
    assert response.status_code == 302
    assert fresh(the_return).shipment.tracking_number == NUMBER
    html = client.get(response["Location"]).content.decode()
    assert "Your parcel back to the shop" in html and "Royal Mail" in html and "first scan" in html


def test_an_unknown_number_is_refused_with_a_message_unless_the_carrier_is_named(merchant, order, the_return):
    client = Client()
    response = client.post(detail_url(order, the_return.rma, "parcel/", "fr"), {"tracking_number": "ABC123"})
    assert response.status_code == 400
    assert "Nous ne reconnaissons pas ce numéro de suivi" in response.content.decode()
    assert fresh(the_return).shipment_id is None
    named = client.post(detail_url(order, the_return.rma, "parcel/"), {"tracking_number": "ABC123", "carrier": "gls"})
    assert named.status_code == 302 and fresh(the_return).shipment.carrier == "gls"


def test_a_return_the_shop_ships_or_not_yet_approved_takes_no_number_from_the_customer(merchant, order, policy):
    with merchant_scope(order.merchant):
        candle = order.line_items.get(title="Candle")
    requested = return_request_create(order=order, items=[ItemInput(candle.pk, 1, "too_big")], method="label")
    response = Client().post(detail_url(order, requested.rma, "parcel/"), {"tracking_number": NUMBER})
    assert response.status_code == 400 and "not waiting for a tracking number" in response.content.decode()
    assert fresh(requested).shipment_id is None


def test_another_orders_link_finds_no_return(merchant, order, the_return):
    other = OrderFactory(merchant=merchant, placed_at=PLACED, number="#1002")
    response = Client().post(detail_url(other, the_return.rma, "parcel/"), {"tracking_number": NUMBER})
    assert response.status_code == 404 and fresh(the_return).shipment_id is None
