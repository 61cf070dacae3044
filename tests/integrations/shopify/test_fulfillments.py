"""fulfillments/create and fulfillments/update: one shipment per tracking number."""

import pytest

from core.scoping import merchant_scope
from integrations.models import WebhookDelivery
from integrations.shopify.adapter import SHIPMENT_STATUS_MAP, shipment_status_hint
from merchants.services import integration_secret_set
from orders.models import Order
from tests.integrations.fixtures import SHOPIFY_SECRET, payload, post_shopify, raw
from tracking.models import Shipment, ShipmentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_event_fanout(monkeypatch):
    monkeypatch.setattr("orders.events.publish_request", lambda: None)


@pytest.fixture
def shop(merchant):
    integration_secret_set(merchant=merchant, provider="shopify", secret=SHOPIFY_SECRET)
    return merchant


@pytest.fixture
def send(client, shop, django_capture_on_commit_callbacks):
    def send(topic, data):
        if isinstance(data, str):
            data = raw("shopify", data)
        with django_capture_on_commit_callbacks(execute=True):
            return post_shopify(client, shop.slug, topic, data)

    return send


def shipments(merchant):
    with merchant_scope(merchant):
        return list(Shipment.objects.order_by("id").prefetch_related("line_items"))


def order(merchant):
    with merchant_scope(merchant):
        return Order.objects.get(external_id="820982911946154508")


def test_multi_fulfillment_order(send, shop):
    send("orders/create", "orders_create.json")
    send("fulfillments/create", "fulfillments_create.json")
    assert order(shop).fulfillment_status == "partial"

    send("fulfillments/create", "fulfillments_create_two_parcels.json")

    colissimo, ups_first, ups_second = shipments(shop)
    assert (colissimo.external_id, colissimo.tracking_number) == ("255858046123456789", "6A12345678901")
    assert colissimo.tracking_url == "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901"
    assert colissimo.status == ShipmentStatus.INFO_RECEIVED  # "confirmed"
    assert [li.external_id for li in colissimo.line_items.all()] == ["866550311766439020"]
    # Two numbers in one fulfillment: two shipments; the lower-case one fails UPS's check digit, kept anyway.
    assert ups_first.external_id == "255858046123456790"
    assert ups_first.tracking_number.upper() == "1Z827WK74630"
    assert ups_second.external_id == "255858046123456790:1Z999AA10123456784"
    assert ups_second.tracking_url.endswith("trackNums=1Z999AA10123456784")
    assert ups_first.status == ShipmentStatus.PENDING  # shipment_status null: no status
    assert order(shop).fulfillment_status == "fulfilled"
    with merchant_scope(shop):
        assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"processed"}


def test_fulfillment_update_moves_the_shipment_on(send, shop):
    send("orders/create", "orders_create.json")
    send("fulfillments/create", "fulfillments_create.json")
    send("fulfillments/update", "fulfillments_update.json")
    assert shipments(shop)[0].status == ShipmentStatus.IN_TRANSIT

    send("fulfillments/update", "fulfillments_update_delivered.json")
    send("fulfillments/update", "fulfillments_update.json")  # a late, older update: no step back

    [shipment] = shipments(shop)
    assert shipment.status == ShipmentStatus.DELIVERED


def test_fulfillment_for_an_unknown_line_item_is_a_recorded_error(send, shop):
    send("orders/create", "orders_create.json")
    data = payload("shopify", "fulfillments_create.json")
    data["line_items"][0]["id"] = 123456789012
    send("fulfillments/create", data)

    with merchant_scope(shop):
        delivery = WebhookDelivery.objects.get(topic="fulfillments/create")
    assert delivery.status == "failed"
    assert "no line items with external ids ['123456789012']" in delivery.last_error
    assert shipments(shop) == []


def test_fulfillment_without_tracking_number_still_makes_a_shipment(send, shop):
    send("orders/create", "orders_create.json")
    data = payload("shopify", "fulfillments_create.json")
    data.update(tracking_number=None, tracking_numbers=[], tracking_url=None, tracking_urls=[], tracking_company=None)
    send("fulfillments/create", data)

    [shipment] = shipments(shop)
    assert (shipment.external_id, shipment.tracking_number) == ("255858046123456789", "")


def test_every_documented_shipment_status_maps_to_one_of_ours():
    documented = [
        "label_printed", "label_purchased", "attempted_delivery", "ready_for_pickup", "confirmed",
        "in_transit", "out_for_delivery", "delivered", "failure", "delayed", "carrier_picked_up", "picked_up",
    ]  # fmt: skip
    assert all(shipment_status_hint(value) in ShipmentStatus.values for value in documented)
    assert set(SHIPMENT_STATUS_MAP.values()) <= set(ShipmentStatus.values)
    assert shipment_status_hint("teleported") == ""
    assert shipment_status_hint(None) == ""


def test_fulfillments_listed_on_an_order_update_become_shipments_once(send, shop):
    send("orders/create", "orders_create.json")
    send("fulfillments/create", "fulfillments_create.json")
    send("fulfillments/update", "fulfillments_update.json")
    send("orders/updated", "orders_updated_fulfilled.json")  # lists both fulfillments
    send("orders/updated", "orders_updated_fulfilled.json")

    assert [s.external_id for s in shipments(shop)] == [
        "255858046123456789",
        "255858046123456790",
        "255858046123456790:1Z999AA10123456784",
    ]
    assert shipments(shop)[0].status == ShipmentStatus.IN_TRANSIT  # the embedded, older copy changed nothing
    assert order(shop).fulfillment_status == "fulfilled"


def test_a_cancelled_fulfillment_cancels_its_shipments_and_undoes_the_fulfillment_status(send, shop):
    from tracking.selectors import needs_attention, tracking_page_data
    from tracking.services import delay_reason_for

    send("orders/create", "orders_create.json")
    send("fulfillments/create", "fulfillments_create.json")
    send("fulfillments/create", "fulfillments_create_two_parcels.json")
    assert order(shop).fulfillment_status == "fulfilled"
    cancelled = payload("shopify", "fulfillments_create_two_parcels.json")
    cancelled.update(status="cancelled", updated_at="2025-03-03T10:00:00+01:00")

    send("fulfillments/update", cancelled)
    send("fulfillments/update", cancelled)  # redelivered under a new webhook id: nothing more

    colissimo, *ups = shipments(shop)
    assert colissimo.cancelled_at is None
    assert [s.cancelled_at.isoformat() for s in ups] == ["2025-03-03T09:00:00+00:00"] * 2
    the_order = order(shop)
    assert the_order.fulfillment_status == "partial"
    with merchant_scope(shop):
        assert the_order.events.filter(kind="shipment.cancelled").count() == 2
        page = tracking_page_data(merchant=shop, order=the_order)
        assert [s.pk for s in page["shipments"]] == [colissimo.pk]
        Shipment.objects.filter(pk__in=[s.pk for s in ups]).update(status="exception", is_delayed=True)
        assert not {s.pk for s in ups} & {s.pk for s in needs_attention(merchant=shop)}
        late = Shipment.objects.get(pk=ups[0].pk)
    assert delay_reason_for(late, now=the_order.placed_at.replace(year=2030), threshold_days=3) == ""


def test_a_cancelled_fulfillment_listed_on_an_order_update_cancels_the_known_shipment(send, shop):
    send("orders/create", "orders_create.json")
    send("fulfillments/create", "fulfillments_create.json")
    data = payload("shopify", "orders_updated.json")
    listed = payload("shopify", "fulfillments_create.json")
    data["fulfillments"] = [{**listed, "status": "cancelled", "updated_at": "2025-03-03T10:00:00+01:00"}]

    send("orders/updated", data)

    [shipment] = shipments(shop)
    assert shipment.cancelled_at is not None
    assert order(shop).fulfillment_status == "unfulfilled"


def test_cancelling_a_fulfillment_we_never_saw_changes_nothing(send, shop):
    send("orders/create", "orders_create.json")
    cancelled = {**payload("shopify", "fulfillments_create.json"), "status": "cancelled"}

    send("fulfillments/update", cancelled)

    assert shipments(shop) == []
    with merchant_scope(shop):
        assert WebhookDelivery.objects.order_by("id").last().status == "processed"
        assert not order(shop).events.filter(kind="shipment.cancelled").exists()


def _fulfillment(**changes):
    data = payload("shopify", "fulfillments_create.json")
    data.update(changes)
    return data


def test_a_number_the_carrier_library_fails_on_is_stored_and_staff_are_told(send, shop, client):
    send("orders/create", "orders_create.json")
    send(
        "fulfillments/create",
        _fulfillment(tracking_company=None, tracking_number="1Z999AA1012345678X", tracking_numbers=None),
    )

    [shipment] = shipments(shop)
    assert (shipment.tracking_number, shipment.carrier) == ("1Z999AA1012345678X", "unknown")
    with merchant_scope(shop):
        delivery = WebhookDelivery.objects.get(topic="fulfillments/create")
    assert delivery.status == "processed"
    assert "1Z999AA1012345678X" in delivery.last_error and "ValueError" in delivery.last_error
    page = _staff(client, shop).get(f"/app/shipments/{shipment.pk}/")
    assert page.status_code == 200
    assert b"Checking this tracking number failed" in page.content


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)", "data:text/html,<b>", "/relative", "ftp://x.example/"]
)
def test_a_tracking_url_that_is_not_http_is_left_out_and_said(send, shop, url):
    send("orders/create", "orders_create.json")
    send("fulfillments/create", _fulfillment(tracking_url=url, tracking_urls=[url]))

    [shipment] = shipments(shop)
    assert shipment.tracking_url == "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901"
    with merchant_scope(shop):
        delivery = WebhookDelivery.objects.get(topic="fulfillments/create")
    assert delivery.status == "processed"
    assert "tracking_urls[0]" in delivery.last_error and "not an http(s) address" in delivery.last_error


def _staff(client, merchant):
    from merchants.models import Role
    from tests.conftest import login_as
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(email="viewer@staff.example.com")
    with merchant_scope(merchant):
        MembershipFactory(merchant=merchant, user=user, role=Role.VIEWER)
    return login_as(client, user, merchant)
