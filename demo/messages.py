"""The demo shops' emails: what their flows sent over the last three months, opened and clicked.

The shops started sending with this app three months ago (HISTORY): older orders came with the
import and got no email from it. The events of those months were recorded as history, so the
flows replay them as history too (`flows.history.messages_record_past`): the same planning and
checks as live, every email recorded as sent when it was due, none sent now. The steps still to
come are scheduled and go out when they are due. The ESP's reports (delivered, opened, clicked)
are drawn at rates usual for such emails and recorded through the flows' own service.
"""

from datetime import timedelta

from flows.history import PastEngagement, message_engagement_record_past, messages_record_past
from flows.models import EventKind, FlowKind
from orders.models import OrderEvent

HISTORY = timedelta(days=90)
SOURCE = "demo"
DELIVERED = 0.985
# (opened, clicked once opened) by kind; the order emails are read more than the marketing ones.
RATES = {FlowKind.TRANSACTIONAL: (0.64, 0.24), FlowKind.MARKETING: (0.42, 0.17)}


def messages_seed(context) -> None:
    """For the orders this run created: the emails of their last three months, and what became of them."""
    if not context.created_order_ids:
        return  # a second run: the first one wrote them
    events = list(
        OrderEvent.objects.filter(
            order_id__in=context.created_order_ids, occurred_at__gte=context.now - HISTORY
        ).select_related("order")
    )
    past = messages_record_past(merchant=context.merchant, events=events, now=context.now)
    rng = context.rng("messages")
    link = context.merchant.website_url or "https://example.com"
    engagement = []
    for message in past.sent:
        engagement += _engagement(rng, message, link, context.now)
    message_engagement_record_past(merchant=context.merchant, source=SOURCE, events=engagement)


def _engagement(rng, message, link: str, now) -> list[PastEngagement]:
    if rng.random() > DELIVERED:
        return []
    at = message.sent_at + timedelta(seconds=rng.randint(2, 90))
    found = [(EventKind.DELIVERED, at, "")]
    opened, clicked = RATES[message.kind]
    if rng.random() < opened:
        # Most opens come within hours, some days later.
        at += timedelta(minutes=rng.choice((rng.randint(1, 90), rng.randint(90, 600), rng.randint(600, 4000))))
        found.append((EventKind.OPENED, at, ""))
        if rng.random() < clicked:
            at += timedelta(seconds=rng.randint(10, 600))
            found.append((EventKind.CLICKED, at, link))
    return [
        PastEngagement(
            message_id=message.pk, kind=kind, occurred_at=at, event_id=f"{SOURCE}-{message.pk}-{kind}", detail=detail
        )
        for kind, at, detail in found
        if at <= now
    ]
