"""What flows holds on a person, erased on request (orders/privacy.py runs every app's eraser).

Emails anchored to the person's orders and those anchored to the person as a customer (loyalty,
surveys…) are treated alike: what is still planned is cancelled, and what was sent loses its
address, subject and tracked links. Statuses and times stay, so a step's statistics still add up.
"""

from django.db.models import Q

from orders.privacy import DataSubject

from .message_status import scheduled_messages_move
from .models import Message, MessageEvent, MessageStatus, ScheduledMessage

ERASED = "customer_erased"


def _scheduled_of(subject: DataSubject):
    rows = ScheduledMessage.objects.filter(merchant=subject.merchant)
    if subject.whole_shop:
        return rows
    return rows.filter(Q(order_id__in=subject.order_ids) | Q(customer_id__in=subject.customer_ids))


def erase_messages(subject: DataSubject) -> int:
    scheduled = _scheduled_of(subject)
    cancelled = scheduled_messages_move(
        scheduled,
        from_status=MessageStatus.SCHEDULED,
        to_status=MessageStatus.CANCELLED,
        skip_reason=ERASED,
        claimed_at=None,
    )
    sent = Message.objects.filter(merchant=subject.merchant)
    if not subject.whole_shop:
        sent = sent.filter(Q(scheduled__in=scheduled.values("pk")) | Q(recipient__in=subject.emails))
    MessageEvent.objects.filter(message__in=sent.values("pk")).exclude(detail="").update(detail="")
    return cancelled + sent.update(recipient="", subject="")
