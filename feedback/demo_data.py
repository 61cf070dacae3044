"""The demo shops' surveys: CSAT answers on a share of the delivered orders, a few of them low.

Invitations are made as the CSAT email makes them and answers go through `response_submit`, with their
events recorded as history (no alert, webhook or recovery email goes out when the worker starts);
their times are then set back to when they happened: two days after delivery for the email, a few
hours later for the answer. A shop that has invitations already (an earlier run) is left alone.
"""

from datetime import timedelta

from django.db.models import Min

from core.scoping import merchant_scope
from orders.events import events_recorded_as_history
from orders.models import Order

from .models import FollowUp, Invitation, Response, ResponseRevision
from .services import Answer, invitation_for_order, response_submit

SHARE_SENT = 0.5  # of the delivered orders
SHARE_ANSWERED = 0.4  # of the invitations sent
SCORES = (5, 5, 5, 4, 4, 4, 3, 2, 1)
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


def _survey(order, rng) -> None:
    language = "fr" if order.merchant.default_language == "fr" else "en"
    invitation = invitation_for_order(order=order, language=language)
    sent_at = order.delivered_at + timedelta(days=2)
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=sent_at, created_at=sent_at)
    if rng.random() >= SHARE_ANSWERED:
        return
    score = rng.choice(SCORES)
    answer = Answer(score, COMMENTS[language].get(score, ""), "", language)
    response, _changed = response_submit(invitation=invitation, answer=answer)
    answered_at = sent_at + timedelta(hours=rng.randint(1, 30))
    Response.objects.filter(pk=response.pk).update(first_answered_at=answered_at, updated_at=answered_at)
    ResponseRevision.objects.filter(response=response).update(submitted_at=answered_at)
    FollowUp.objects.filter(response=response).update(created_at=answered_at)
