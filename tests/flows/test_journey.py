"""One order followed from placement through delivery to J+30, with the clock moved by time-machine.

The customer lives in New York (send window 10:00-18:00 in their time zone); the shop is in Paris.
US daylight saving starts on 2025-03-09, between J+2 and J+5: the window stays 10:00 local.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from catalogue.models import Product
from catalogue.services import product_catalogue_sync, product_url_set, recommendation_rule_save
from core.scoping import merchant_scope
from flows.dispatcher import dispatch_due
from flows.models import Flow, MessageStatus, ScheduledMessage
from flows.rules import _stop_rules, register_stop_rule
from flows.selectors import messages_for_order
from orders.services import LineItemInput, order_cancel
from tracking.models import Shipment

from .helpers import deliver, place_order, publish_pending, record, ship

PLACED = datetime(2025, 3, 3, 14, 0, tzinfo=UTC)  # 09:00 in New York
SHIPPED = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
DELIVERED = datetime(2025, 3, 6, 15, 0, tzinfo=UTC)  # 10:00 EST
# Journey due times (10:00 New York, EST = UTC-5 before 9 March, EDT = UTC-4 after)
J2 = datetime(2025, 3, 8, 15, 0, tzinfo=UTC)
J5 = datetime(2025, 3, 11, 14, 0, tzinfo=UTC)
J10 = datetime(2025, 3, 16, 14, 0, tzinfo=UTC)
J15 = datetime(2025, 3, 21, 14, 0, tzinfo=UTC)
J30 = datetime(2025, 4, 5, 14, 0, tzinfo=UTC)


def at(moment):
    return time_machine.travel(moment, tick=False)


def dispatch_at(moment):
    with at(moment):
        dispatch_due()
    return [m.subject for m in mail.outbox]


@pytest.fixture
def shop(merchant):
    merchant.website_url = "https://maison-lumiere.example.com"
    merchant.save()
    return merchant


@pytest.fixture
def complementary(shop):
    """Another customer's order pairing the candle with a snuffer: the cross-sell suggestion."""
    with at(datetime(2025, 2, 1, 12, 0, tzinfo=UTC)):
        place_order(
            shop,
            external_id="900",
            email="other@example.org",
            customer_external_id="cust-other",
            placed_at=datetime(2024, 6, 1, 12, 0, tzinfo=UTC),  # history: its own emails are long past
            items=[
                LineItemInput(
                    title="Bougie Figuier", quantity=1, unit_price="49.90", product_id="p-candle", product_type="candle"
                ),
                LineItemInput(
                    title="Mouchette", quantity=1, unit_price="12.00", product_id="p-snuffer", product_type="tool"
                ),
            ],
        )
        publish_pending(shop)
        dispatch_due()
    mail.outbox.clear()
    shop_suggests_what_is_bought_together(shop)


def shop_suggests_what_is_bought_together(shop):
    """The shop's catalogue from its orders, each product with its page, and the rule the cross-sell follows."""
    product_catalogue_sync(merchant=shop)
    with merchant_scope(shop):
        for product in Product.objects.all():
            product_url_set(merchant=shop, product_id=product.pk, url=f"{shop.website_url}/p/{product.product_id}")
    recommendation_rule_save(merchant=shop, mode="bought_together")


def place(shop, placed_at=PLACED, **kwargs):
    with at(placed_at):
        order = place_order(shop, placed_at=placed_at, **kwargs)
        publish_pending(shop)
        dispatch_due()
    return order


def ship_and_deliver(shop, order):
    with at(SHIPPED):
        shipment = ship(shop, order, at=SHIPPED)
        dispatch_due()
    with at(DELIVERED):
        deliver(shop, order, shipment, at=DELIVERED)
        dispatch_due()
    return shipment


@pytest.mark.django_db
def test_the_whole_journey_in_the_customers_time_zone(shop, complementary):
    with merchant_scope(shop):  # the CSAT survey, due with the welcome, is tested in tests/feedback
        Flow.objects.filter(key__startswith="survey-").update(active=False)
    order = place(shop)
    assert [m.subject for m in mail.outbox] == ["Votre commande #1001 est confirmée"]
    ship_and_deliver(shop, order)
    assert [m.subject for m in mail.outbox][1:] == [
        "Votre commande #1001 est en route",
        "Votre commande #1001 a été livrée",
    ]
    shipped = mail.outbox[1]
    assert "https://www.laposte.fr/" in shipped.body or "/track/" in shipped.body

    steps = [
        (J2, "Bienvenue chez Maison Lumière, Camille"),
        (J5, "Bien profiter de votre article «\u00a0Bougie Figuier\u00a0»"),
        (J10, "Quelques idées qui vont bien avec votre commande"),
        (J15, "Avez-vous pu essayer votre article\u00a0?"),
        (J30, "Camille, découvrez les nouveautés de Maison Lumière"),
    ]
    for due, subject in steps:
        count = len(mail.outbox)
        assert dispatch_at(due - timedelta(minutes=1))[count:] == [], f"{subject} left early"
        assert dispatch_at(due)[count:] == [subject]

    welcome, education, cross_sell, check_in, reactivation = mail.outbox[3:]
    assert "Mouchette" in cross_sell.body and "Bougie Figuier" not in cross_sell.body.split("idées")[1]
    # Marketing: one-click unsubscribe headers and a visible link; plain-text check-in signed by a person.
    assert welcome.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert welcome.extra_headers["List-Unsubscribe"].startswith("<http://localhost:8000/e/u/")
    assert check_in.alternatives == [] and "Maison Lumière" in check_in.body
    assert check_in.reply_to == ["support@maison-lumiere.example.com"]
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers  # transactional
    with merchant_scope(shop):
        assert set(ScheduledMessage.objects.filter(order=order).values_list("status", flat=True)) == {"sent"}
    timeline = messages_for_order(order)
    assert [item["status"] for item in timeline] == ["sent"] * 8
    assert all(item["kind"] == "message" and item["sent_at"] for item in timeline)


@pytest.mark.django_db
def test_journey_counts_from_the_order_while_no_delivery_is_known(shop):
    order = place(shop)
    with merchant_scope(shop):
        welcome = ScheduledMessage.objects.get(order=order, step__key="welcome")
    # J+2 after the order (09:00 New York) falls inside the window: 2025-03-05 10:00 EST
    assert welcome.due_at == datetime(2025, 3, 5, 15, 0, tzinfo=UTC)
    ship_and_deliver(shop, order)
    welcome.refresh_from_db()
    assert welcome.due_at == J2 and welcome.anchor_at == DELIVERED


@pytest.mark.django_db
def test_reactivation_is_skipped_when_they_ordered_again(shop, complementary):
    order = place(shop)
    ship_and_deliver(shop, order)
    place(shop, placed_at=datetime(2025, 3, 25, 16, 0, tzinfo=UTC), external_id="1002")
    sent_before = len(mail.outbox)
    dispatch_at(J30)
    new_subjects = [m.subject for m in mail.outbox[sent_before:]]
    assert "Camille, découvrez les nouveautés de Maison Lumière" not in new_subjects
    with merchant_scope(shop):
        row = ScheduledMessage.objects.get(order=order, step__key="reactivation")
    assert (row.status, row.skip_reason) == (MessageStatus.SKIPPED, "ordered_again")


@pytest.mark.django_db
def test_cancelled_order_stops_the_journey(shop):
    order = place(shop)
    with at(datetime(2025, 3, 4, 8, 0, tzinfo=UTC)):
        order_cancel(merchant=shop, order=order, reason="customer")
        publish_pending(shop)
    dispatch_at(J30)
    assert [m.subject for m in mail.outbox] == ["Votre commande #1001 est confirmée"]
    with merchant_scope(shop):
        reasons = set(
            ScheduledMessage.objects.filter(order=order, step__flow__key="post-purchase").values_list(
                "skip_reason", flat=True
            )
        )
    assert reasons == {"order_cancelled"}


@pytest.mark.django_db
def test_no_cross_sell_while_a_parcel_is_late(shop, complementary):
    order = place(shop)
    with at(SHIPPED):
        shipment = ship(shop, order, at=SHIPPED)
    with at(datetime(2025, 3, 12, 9, 0, tzinfo=UTC)), merchant_scope(shop):
        Shipment.objects.filter(pk=shipment.pk).update(is_delayed=True, delay_reason="stalled")
        record(shop, "shipment.delayed", order, {"shipment_id": shipment.pk, "reason": "stalled"})
        dispatch_due()
    assert "Votre commande #1001 a du retard" in [m.subject for m in mail.outbox]
    dispatch_at(datetime(2025, 3, 13, 16, 0, tzinfo=UTC))  # J+10 after the order, no delivery known
    with merchant_scope(shop):
        row = ScheduledMessage.objects.get(order=order, step__key="cross-sell")
    assert (row.status, row.skip_reason) == (MessageStatus.SKIPPED, "shipment_delayed")


@pytest.mark.django_db
def test_unsubscribed_customer_gets_only_transactional_emails(shop):
    from flows.services import marketing_unsubscribe

    order = place(shop)
    marketing_unsubscribe(merchant=shop, address="Camille@Example.org")
    ship_and_deliver(shop, order)
    dispatch_at(J30)
    assert [m.subject for m in mail.outbox] == [
        "Votre commande #1001 est confirmée",
        "Votre commande #1001 est en route",
        "Votre commande #1001 a été livrée",
    ]
    with merchant_scope(shop):
        assert set(
            ScheduledMessage.objects.filter(order=order, step__flow__key="post-purchase").values_list(
                "skip_reason", flat=True
            )
        ) == {"unsubscribed"}


@pytest.mark.django_db
def test_low_satisfaction_is_a_pluggable_stop_rule(shop):
    """Feedback registers its own check; flows only knows the key its default steps list."""
    unhappy = set()
    order = place(shop)
    register_stop_rule("low_satisfaction", "A recent low satisfaction score", lambda data: data.order.pk in unhappy)
    try:
        unhappy.add(order.pk)
        dispatch_at(J30)
    finally:
        del _stop_rules["low_satisfaction"]
    with merchant_scope(shop):
        assert set(
            ScheduledMessage.objects.filter(order=order, step__flow__key="post-purchase").values_list(
                "skip_reason", flat=True
            )
        ) == {"low_satisfaction"}


@pytest.mark.django_db
def test_english_customer_gets_english_emails(shop):
    place(shop, language="en")
    assert [m.subject for m in mail.outbox] == ["Your order #1001 is confirmed"]
    assert "€49.90" in mail.outbox[0].body


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "shown"), [("en", "KWD 12.345"), ("fr", "12,345 KWD")])
def test_amounts_in_kuwaiti_dinars_keep_their_three_decimals(shop, language, shown):
    oud = LineItemInput(title="Oud", quantity=1, unit_price="12.345", product_id="p-oud", product_type="perfume")
    place(shop, language=language, currency="KWD", total="12.345", items=[oud])
    assert shown in mail.outbox[0].body.replace("\u00a0", " ")  # French puts a no-break space before the code


@pytest.mark.django_db
def test_backfilled_order_sends_nothing_stale(shop):
    """An order imported a month late: every step more than 24 h overdue is skipped as too late."""
    with at(datetime(2025, 4, 10, 12, 0, tzinfo=UTC)):
        order = place_order(shop, placed_at=PLACED)
        publish_pending(shop)
        dispatch_due()
    assert mail.outbox == []
    with merchant_scope(shop):
        assert set(ScheduledMessage.objects.filter(order=order).values_list("skip_reason", flat=True)) == {"too_late"}
