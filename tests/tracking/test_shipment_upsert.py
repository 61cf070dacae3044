from datetime import UTC, datetime, timedelta

import pytest
from django.core import signing

from core.scoping import merchant_scope
from orders.models import OrderEvent
from portal.links import BadLink, order_token, order_token_read
from tracking.models import Shipment, TrackingEvent
from tracking.services import shipment_upsert
from tracking.tokens import tracking_page_url

from .conftest import PLACED


def kinds(merchant):
    with merchant_scope(merchant):
        return list(OrderEvent.objects.order_by("id").values_list("kind", flat=True))


def test_creates_with_detected_carrier_url_and_created_event(merchant, order):
    shipment = shipment_upsert(merchant=merchant, order=order, external_id="f-1", tracking_number="rb 1234 5678 5gb")
    assert shipment.tracking_number == "RB123456785GB"
    assert shipment.carrier == "royal_mail"
    assert shipment.carrier_candidates == ["royal_mail"]
    assert shipment.tracking_url.endswith("RB123456785GB")
    assert shipment.shipped_at is not None
    assert shipment.estimated_delivery_from and shipment.estimate_source == "default"
    assert kinds(merchant) == ["shipment.created"]
    with merchant_scope(merchant):
        created = OrderEvent.objects.get(kind="shipment.created")
    assert created.payload == {
        "shipment_id": shipment.pk,
        "order_id": order.pk,
        "carrier": "royal_mail",
        "tracking_number": "RB123456785GB",
    }


def test_same_external_id_updates_and_records_nothing_new(merchant, order):
    first = shipment_upsert(merchant=merchant, order=order, external_id="f-1", tracking_number="3318810025")
    again = shipment_upsert(
        merchant=merchant, order=order, external_id="f-1", tracking_number="3318810025", service="Express"
    )
    assert again.pk == first.pk and again.service == "Express"
    assert kinds(merchant) == ["shipment.created"]


def test_found_by_tracking_number_without_external_id(merchant, order):
    first = shipment_upsert(merchant=merchant, order=order, tracking_number="3318810025")
    adopted = shipment_upsert(merchant=merchant, order=order, external_id="f-9", tracking_number="3318810025")
    assert adopted.pk == first.pk and adopted.external_id == "f-9"


def test_shop_named_carrier_wins_and_candidates_are_kept(merchant, order):
    shipment = shipment_upsert(
        merchant=merchant, order=order, tracking_number="LA123456785FR", carrier_hint="Chronopost"
    )
    assert shipment.carrier == "chronopost"
    assert shipment.carrier_candidates == ["colissimo", "chronopost"]


@pytest.mark.parametrize("number", ["1z827wk74630", "LA123456789FR", "not a number at all", ""])
def test_unknown_or_invalid_numbers_never_raise(merchant, order, number):
    shipment = shipment_upsert(merchant=merchant, order=order, external_id="f-x", tracking_number=number)
    assert shipment.carrier == "unknown"
    assert shipment.carrier_candidates == []


def test_shop_url_is_kept(merchant, order):
    url = "https://www.ups.com/WebTracking?trackNums=1z827wk74630"
    shipment = shipment_upsert(
        merchant=merchant, order=order, tracking_number="1z827wk74630", carrier_hint="UPS", tracking_url=url
    )
    assert shipment.tracking_url == url and shipment.carrier == "ups"


def test_status_hint_goes_through_the_event_path(merchant, order):
    shipment = shipment_upsert(merchant=merchant, order=order, tracking_number="3318810025", status_hint="in_transit")
    with merchant_scope(merchant):
        events = list(TrackingEvent.objects.filter(shipment=shipment).values_list("status", "source"))
    shipment.refresh_from_db()
    assert events == [("in_transit", "api")]
    assert shipment.status == "in_transit"
    assert kinds(merchant) == ["shipment.created", "shipment.status_changed"]


def test_repeated_or_stale_status_hint_adds_nothing(merchant, order):
    shipment_upsert(
        merchant=merchant, order=order, external_id="f", tracking_number="3318810025", status_hint="in_transit"
    )
    shipment_upsert(
        merchant=merchant, order=order, external_id="f", tracking_number="3318810025", status_hint="in_transit"
    )
    shipment = shipment_upsert(
        merchant=merchant, order=order, external_id="f", tracking_number="3318810025", status_hint="info_received"
    )
    with merchant_scope(merchant):
        assert TrackingEvent.objects.filter(shipment=shipment).count() == 1
    assert shipment.status == "in_transit"


def test_unknown_status_hint_is_ignored(merchant, order):
    shipment = shipment_upsert(merchant=merchant, order=order, tracking_number="3318810025", status_hint="bogus")
    assert shipment.status == "pending"


def test_line_items_are_linked_within_the_order_only(merchant, order, other_order):
    with merchant_scope(merchant):
        item = order.line_items.get()
    shipment = shipment_upsert(
        merchant=merchant, order=order, tracking_number="3318810025", line_item_ids=[item.pk, 999999]
    )
    with merchant_scope(merchant):
        assert list(shipment.line_items.values_list("pk", flat=True)) == [item.pk]


def test_given_shipped_at_is_kept(merchant, order):
    when = PLACED + timedelta(days=1)
    shipment = shipment_upsert(merchant=merchant, order=order, tracking_number="3318810025", shipped_at=when)
    assert shipment.shipped_at == when
    with merchant_scope(merchant):
        assert Shipment.objects.get().shipped_at == when


# --- tokens ---------------------------------------------------------------------------------------


def test_tracking_page_url_is_absolute_and_signed(settings, merchant, order):
    settings.SITE_URL = "https://track.example.com"
    url = tracking_page_url(order)
    assert url.startswith("https://track.example.com/track/")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert order_token_read(token) == (merchant.pk, order.pk)
    assert str(order.pk) not in token.split(":")[0] or len(token) > 20


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        signing.dumps({"m": 1, "o": 1}, salt="another.salt"),
        signing.dumps({"m": "1", "o": 1}, salt="tracking.page"),
        signing.dumps([1, 1], salt="tracking.page"),
    ],
    ids=["garbage", "other-salt", "string-merchant-id", "list-payload"],  # signed values hold a timestamp
)
def test_bad_tokens_are_refused(token):
    with pytest.raises(BadLink):
        order_token_read(token)


def test_altered_token_is_refused(merchant, order):
    token = order_token(order)
    with pytest.raises(BadLink):
        order_token_read(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))


def test_expired_token_is_refused(merchant, order, time_machine):
    token = order_token(order)
    time_machine.move_to(datetime.now(UTC) + timedelta(days=731))
    with pytest.raises(BadLink):
        order_token_read(token)
