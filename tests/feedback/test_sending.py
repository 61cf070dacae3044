"""Survey emails through the flows engine: default timing, the NPS throttle, and what stops them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from core.scoping import merchant_scope
from feedback.models import FollowUp, Invitation, Kind, SurveySettings
from feedback.services import Answer, response_submit
from flows.models import ScheduledMessage
from orders.models import Order, OrderEvent
from orders.services import order_cancel
from returns.lifecycle import ItemInput, return_request_create
from returns.models import ReturnPolicy
from tests.feedback.helpers import CSAT_DUE, DELIVERED, at, delivered_order, dispatch_at, survey_email
from tests.flows.helpers import deliver, place_order, publish_pending, ship

pytestmark = pytest.mark.django_db
NPS_DUE = DELIVERED + timedelta(days=20, hours=1)  # 10:00 in New York was 15:00 UTC; now summer time: 14:00


def rows(merchant, step_key):
    with merchant_scope(merchant):
        return list(ScheduledMessage.objects.filter(step__key=step_key).order_by("id"))


def test_the_csat_goes_two_days_after_delivery_and_not_a_minute_before(merchant):
    order = delivered_order(merchant, language="en")
    [row] = rows(merchant, "survey-csat")
    assert row.order_id == order.pk and row.due_at == DELIVERED + timedelta(days=2)
    assert not [e for e in dispatch_at(DELIVERED + timedelta(days=2) - timedelta(minutes=1)) if "How was" in e.subject]
    email = survey_email(dispatch_at(CSAT_DUE), "How was your order #1001?")
    assert email.to == ["camille@example.org"]
    with merchant_scope(merchant):
        invitation = Invitation.objects.get(order=order)
        assert invitation.kind == Kind.CSAT and invitation.sent_at == CSAT_DUE
        assert OrderEvent.objects.filter(kind="survey.sent", order=order).count() == 1


def test_the_csat_is_sent_once_per_order_however_often_the_delivery_is_told(merchant):
    order = delivered_order(merchant, language="en")
    with merchant_scope(merchant):
        shipment = order.shipments.get()
    deliver(merchant, order, shipment, at=DELIVERED + timedelta(hours=1))
    assert len(rows(merchant, "survey-csat")) == 1
    dispatch_at(CSAT_DUE)
    assert dispatch_at(CSAT_DUE + timedelta(days=1)) == []


def test_no_csat_on_a_cancelled_order(merchant):
    order = delivered_order(merchant, language="en")
    with merchant_scope(merchant):
        order_cancel(merchant=merchant, order=order)
    assert dispatch_at(CSAT_DUE) == []
    assert rows(merchant, "survey-csat")[0].skip_reason == "order_cancelled"


def test_no_csat_on_a_fully_refunded_order_but_one_on_a_partly_refunded_one(merchant):
    order = delivered_order(merchant, language="en")
    with merchant_scope(merchant):
        Order.objects.filter(pk=order.pk).update(refunded_amount=Decimal("54.80"), financial_status="refunded")
    dispatch_at(CSAT_DUE)
    assert rows(merchant, "survey-csat")[0].skip_reason == "order_fully_refunded"

    other = delivered_order(merchant, language="en", external_id="1002", email="lea@example.org")
    with merchant_scope(merchant):
        Order.objects.filter(pk=other.pk).update(refunded_amount=Decimal("10"), financial_status="partially_refunded")
    assert survey_email(dispatch_at(CSAT_DUE), "#1002")


def _open_return(merchant, order):
    with merchant_scope(merchant):
        ReturnPolicy.objects.create(merchant=merchant, methods=["ship_yourself"])
        line = order.line_items.get()
    with at(DELIVERED + timedelta(days=1)):
        return_request_create(order=order, items=[ItemInput(line.pk, 1, "too_big")], method="ship_yourself")
        publish_pending(merchant)


def test_no_csat_while_a_return_is_open_when_the_shop_chooses_so(merchant):
    order = delivered_order(merchant, language="en")
    _open_return(merchant, order)
    dispatch_at(CSAT_DUE)
    assert rows(merchant, "survey-csat")[0].skip_reason == "return_open_paused"


def test_a_csat_despite_an_open_return_when_the_shop_allows_it(merchant):
    order = delivered_order(merchant, language="en")
    with merchant_scope(merchant):
        SurveySettings.objects.create(merchant=merchant, pause_during_return=False)
    _open_return(merchant, order)
    assert survey_email(dispatch_at(CSAT_DUE), "How was your order")


def test_switching_csat_off_stops_the_emails_already_scheduled(merchant):
    delivered_order(merchant, language="en")
    with merchant_scope(merchant):
        SurveySettings.objects.create(merchant=merchant, csat_enabled=False)
    dispatch_at(CSAT_DUE)
    assert rows(merchant, "survey-csat")[0].skip_reason == "csat_off"


# --- NPS -----------------------------------------------------------------------------------------------
def test_the_nps_goes_twenty_days_after_the_first_delivered_order(merchant):
    order = delivered_order(merchant, language="fr")
    with merchant_scope(merchant):
        [due] = OrderEvent.objects.filter(kind="survey.nps_due")
    assert due.customer_id == order.customer_id and due.anchor_key.startswith("nps:w")
    [row] = rows(merchant, "survey-nps")
    assert row.order_id is None and row.customer_id == order.customer_id
    assert not [e for e in dispatch_at(NPS_DUE - timedelta(days=1)) if "recommanderiez" in e.subject]
    email = survey_email(dispatch_at(NPS_DUE), "recommanderiez-vous Maison Lumière")
    body = email.alternatives[0][0]
    assert body.count("score=") == 11
    with merchant_scope(merchant):
        invitation = Invitation.objects.get(kind=Kind.NPS)
    assert invitation.customer_id == order.customer_id and invitation.source_order_id == order.pk


def _another_delivery(merchant, external_id, moment):
    with at(moment):
        order = place_order(merchant, external_id=external_id, customer_external_id="c-1001", placed_at=moment)
        publish_pending(merchant)
        shipment = ship(merchant, order, at=moment, tracking_number=f"6A{external_id}77")
    with at(moment + timedelta(days=2)):
        deliver(merchant, order, shipment, at=moment + timedelta(days=2))
        publish_pending(merchant)
    return order


def test_the_nps_is_asked_at_most_once_every_ninety_days(merchant):
    delivered_order(merchant, language="fr")
    dispatch_at(NPS_DUE)
    _another_delivery(merchant, "1002", NPS_DUE + timedelta(days=30))
    with merchant_scope(merchant):
        assert OrderEvent.objects.filter(kind="survey.nps_due").count() == 1  # asked 32 days ago: not again
    third = NPS_DUE + timedelta(days=95)
    _another_delivery(merchant, "1003", third)
    with merchant_scope(merchant):
        assert OrderEvent.objects.filter(kind="survey.nps_due").count() == 2
    email = survey_email(dispatch_at(third + timedelta(days=22, hours=1)), "recommanderiez-vous")
    assert email.to == ["camille@example.org"]
    with merchant_scope(merchant):
        assert Invitation.objects.filter(kind=Kind.NPS).count() == 2


def test_an_nps_due_when_another_reached_the_customer_meanwhile_is_skipped(merchant):
    """Two deliveries a few days apart, before any NPS went out: the second period's email waits its
    turn and is stopped at send time by the first one sent."""
    delivered_order(merchant, language="fr")
    with merchant_scope(merchant):
        settings = SurveySettings.objects.create(merchant=merchant, nps_throttle_days=30)
    _another_delivery(merchant, "1002", DELIVERED + timedelta(days=40))  # another 30-day period
    dispatch_at(NPS_DUE)
    with merchant_scope(merchant):
        settings.nps_throttle_days = 90
        settings.save()
    dispatch_at(DELIVERED + timedelta(days=62, hours=1))
    assert [row.skip_reason for row in rows(merchant, "survey-nps")] == ["", "nps_asked_recently"]


def test_no_nps_when_the_shop_switched_it_off(merchant):
    with merchant_scope(merchant):
        SurveySettings.objects.create(merchant=merchant, nps_enabled=False)
    delivered_order(merchant, language="fr")
    with merchant_scope(merchant):
        assert not OrderEvent.objects.filter(kind="survey.nps_due").exists()


# --- After a low score --------------------------------------------------------------------------------
def test_a_low_score_sends_the_alert_once_and_a_service_recovery_email(
    merchant, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    order = delivered_order(merchant, language="fr")
    with merchant_scope(merchant):
        SurveySettings.objects.create(merchant=merchant, alert_email="care@maison-lumiere.example.com")
    dispatch_at(CSAT_DUE)
    with merchant_scope(merchant):
        invitation = Invitation.objects.select_related("merchant").get(order=order)
    mail.outbox.clear()
    with at(CSAT_DUE + timedelta(hours=1)), django_capture_on_commit_callbacks(execute=True):
        response_submit(invitation=invitation, answer=Answer(1, "Cassé", "", "fr"))
    publish_pending(merchant)
    [alert] = mail.outbox
    assert alert.to == ["care@maison-lumiere.example.com"] and "CSAT" in alert.subject
    from feedback.tasks import detractor_alert

    with merchant_scope(merchant):
        item = FollowUp.objects.get()
    assert detractor_alert(merchant.pk, item.pk) is False  # a retried task sends nothing more
    recovery = survey_email(dispatch_at(CSAT_DUE + timedelta(hours=2, minutes=1)), "Nous sommes désolés")
    assert recovery.to == ["camille@example.org"] and "#1001" in recovery.body


def test_a_low_score_keeps_cross_sell_away_for_the_quiet_period(merchant):
    order = delivered_order(merchant, language="en", journey=True)
    dispatch_at(CSAT_DUE)  # the J+2 welcome: the day's marketing email
    survey_email(dispatch_at(CSAT_DUE + timedelta(days=1, hours=1)), "How was your order")  # the next day
    with merchant_scope(merchant):
        invitation = Invitation.objects.select_related("merchant").get(order=order)
    with at(CSAT_DUE + timedelta(days=1, hours=2)), merchant_scope(merchant):
        response_submit(invitation=invitation, answer=Answer(2, "", "", "en"))
    dispatch_at(DELIVERED + timedelta(days=10, hours=1))
    [cross_sell] = rows(merchant, "cross-sell")
    assert cross_sell.skip_reason == "low_satisfaction"
