"""The demo shops' surveys: CSAT answers on a share of the delivered orders, a few of them low, and
NPS answers from the customers whose delivery made one due since the shop started surveying.

Invitations are made as the CSAT email makes them and answers go through `response_submit`, with their
events recorded as history (no alert, webhook or recovery email goes out when the worker starts);
their times are then set back to when they happened: two days after delivery for the email, a few
hours later for the answer. The NPS comes as live: each delivery of the last NPS_HISTORY goes through
the NPS subscriber (`nps.on_delivered`: once per customer and period), and the email twenty days
later makes the invitation. A shop that has invitations already (an earlier run) is left alone.
"""

from datetime import timedelta

from django.db.models import Min

from core.scoping import merchant_scope
from orders.events import events_recorded_as_history
from orders.models import Order, OrderEvent

from .event_kinds import NPS_DUE
from .models import FollowUp, Invitation, Response, ResponseRevision
from .nps import on_delivered
from .services import Answer, invitation_for_customer, invitation_for_order, response_submit

SHARE_SENT = 0.5  # of the delivered orders
SHARE_ANSWERED = 0.4  # of the invitations sent
SCORES = (5, 5, 5, 4, 4, 4, 3, 2, 1)
NPS_HISTORY = timedelta(days=80)  # the NPS emails of the last two months (the card's period and the one before)
NPS_DELAY = timedelta(days=20)  # the NPS flow's step
NPS_ANSWERED = 0.3
NPS_SCORES = (10, 10, 9, 9, 9, 8, 8, 7, 6, 4)
COMMENTS = {
    "fr": {5: "Parfait, emballage soigné.", 4: "Très bien, livraison un peu lente.", 2: "Colis abîmé.", 1: ""},
    "en": {5: "Perfect, lovely packaging.", 4: "Very good, delivery a bit slow.", 2: "The parcel was damaged.", 1: ""},
}


def seed_demo(context) -> None:
    merchant, rng = context.merchant, context.rng("feedback")
    with merchant_scope(merchant):
        if Invitation.objects.exists():
            return
        delivered = (
            Order.objects.annotate(delivered_at=Min("shipments__delivered_at"))
            .filter(delivered_at__lt=context.now - timedelta(days=2), cancelled_at__isnull=True)
            .select_related("merchant", "customer")
            .order_by("pk")
        )
        with events_recorded_as_history():
            for order in delivered:
                if rng.random() < SHARE_SENT:
                    _survey(order, rng)
            _nps_play(merchant, context.now, rng)


def _survey(order, rng) -> None:
    language = "fr" if order.merchant.default_language == "fr" else "en"
    invitation = invitation_for_order(order=order, language=language)
    sent_at = order.delivered_at + timedelta(days=2)
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=sent_at, created_at=sent_at)
    if rng.random() >= SHARE_ANSWERED:
        return
    score = rng.choice(SCORES)
    answer = Answer(score, COMMENTS[language].get(score, ""), "", language)
    _answer(invitation, answer, sent_at + timedelta(hours=rng.randint(1, 30)))


def _nps_play(merchant, now, rng) -> None:
    """Oldest delivery first, so the subscriber sees the invitations sent before each one (its throttle)."""
    deliveries = (
        OrderEvent.objects.filter(kind="shipment.delivered", occurred_at__gte=now - NPS_HISTORY)
        .select_related("merchant", "order__customer")
        .order_by("occurred_at", "pk")
    )
    language = "fr" if merchant.default_language == "fr" else "en"
    asked = set()
    for delivery in deliveries:
        on_delivered(delivery)
        due = OrderEvent.objects.filter(kind=NPS_DUE, payload__order_id=delivery.order_id).first()
        if due is None or due.pk in asked or due.occurred_at + NPS_DELAY > now:
            continue  # not due (or asked already), or its email is still to come
        asked.add(due.pk)
        invitation = invitation_for_customer(customer=due.customer, anchor_key=due.anchor_key, language=language)
        sent_at = due.occurred_at + NPS_DELAY
        Invitation.objects.filter(pk=invitation.pk).update(sent_at=sent_at, created_at=sent_at)
        if rng.random() < NPS_ANSWERED:
            answered_at = min(sent_at + timedelta(hours=rng.randint(1, 48)), now)
            _answer(invitation, Answer(rng.choice(NPS_SCORES), "", "", language), answered_at)


def _answer(invitation, answer: Answer, answered_at) -> None:
    """The answer through the survey page's service, then dated when it was given."""
    response, _changed = response_submit(invitation=invitation, answer=answer)
    Response.objects.filter(pk=response.pk).update(first_answered_at=answered_at, updated_at=answered_at)
    ResponseRevision.objects.filter(response=response).update(submitted_at=answered_at)
    FollowUp.objects.filter(response=response).update(created_at=answered_at)
