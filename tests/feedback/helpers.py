"""A delivered order whose CSAT email went out, and the links in it, for feedback tests."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import time_machine
from django.core import mail

from core.scoping import merchant_scope
from feedback.models import Invitation
from feedback.services import invitation_opens_flush
from flows.dispatcher import dispatch_due
from flows.models import Flow
from flows.services import default_flows_install
from tests.flows.helpers import deliver, place_order, publish_pending, ship

PLACED = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
DELIVERED = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)
CSAT_DUE = DELIVERED + timedelta(days=2, hours=1)  # 11:00 in New York: inside the 10:00–18:00 window
SCORE_LINK = re.compile(r'href="([^"]+)"')


def at(moment):
    return time_machine.travel(moment, tick=False)


def delivered_order(merchant, *, language="fr", external_id="1001", email="camille@example.org", journey=False):
    """Its CSAT is due at CSAT_DUE. The journey is paused: its J+2 welcome would take the day's
    marketing email (the frequency cap) and move the survey to the next day."""
    default_flows_install(merchant=merchant)
    with merchant_scope(merchant):
        Flow.objects.filter(key="post-purchase").update(active=journey)
    with at(PLACED):
        order = place_order(
            merchant,
            external_id=external_id,
            email=email,
            language=language,
            customer_external_id=f"c-{external_id}",
            placed_at=PLACED,
        )
        publish_pending(merchant)
        shipment = ship(merchant, order, at=PLACED + timedelta(days=1), tracking_number=f"6A{external_id}99")
    with at(DELIVERED):
        deliver(merchant, order, shipment, at=DELIVERED)
        publish_pending(merchant)  # what the delivery's subscribers recorded (the NPS due)
    return order


def dispatch_at(moment) -> list:
    mail.outbox.clear()
    with at(moment):
        dispatch_due()
    return list(mail.outbox)


def html_of(email) -> str:
    return next(content for content, mimetype in email.alternatives if mimetype == "text/html")


def survey_email(outbox, subject_part: str):
    return next(email for email in outbox if subject_part in email.subject)


def score_links(email) -> list[str]:
    """The survey's score links of the email, in order, as the person's mail client opens them."""
    return [unescape(url) for url in SCORE_LINK.findall(html_of(email)) if "score=" in unescape(url)]


def invitation_of(merchant, order) -> Invitation:
    """The order's invitation, with the opens buffered so far counted (as the minute's flush does)."""
    invitation_opens_flush()
    with merchant_scope(merchant):
        return Invitation.objects.get(order=order)
