"""When an NPS is due: after a delivered order, at most once per customer per throttle period.

A delivery records `survey.nps_due` about the customer, keyed by the period it falls in
("nps:w226", periods of `nps_throttle_days` counted from 1970-01-01); the NPS flow sends its email
20 days later (its step's delay). A customer asked within the last `nps_throttle_days` is not asked
again: checked here and again when the email is due (rules.nps_asked_recently).
"""

from datetime import UTC, datetime, timedelta

from django.utils.dateparse import parse_datetime

from core.scoping import merchant_scope
from orders.events import event_record
from orders.models import OrderEvent

from .event_kinds import NPS_DUE
from .models import Invitation, Kind
from .services import survey_settings_get

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def nps_period_key(moment: datetime, throttle_days: int) -> str:
    return f"nps:w{(moment - EPOCH).days // max(throttle_days, 1)}"


def asked_since(customer, since: datetime, *, except_key: str = "") -> bool:
    """An NPS invitation went to this customer after `since` (another period's, when `except_key` is given)."""
    invitations = Invitation.objects.filter(customer=customer, kind=Kind.NPS, sent_at__gt=since)
    return invitations.exclude(anchor_key=except_key).exists()


def on_delivered(event: OrderEvent) -> None:
    """Subscriber of shipment.delivered. Idempotent: the period's event is recorded once."""
    order = event.order
    if order is None or not order.customer_id or order.test:
        return
    with merchant_scope(event.merchant):
        settings = survey_settings_get(merchant=event.merchant)
        customer = order.customer
        if not settings.nps_enabled or customer.redacted_at is not None:
            return
        delivered_at = parse_datetime(str(event.payload.get("delivered_at") or "")) or event.occurred_at
        if asked_since(customer, delivered_at - timedelta(days=settings.nps_throttle_days)):
            return
        key = nps_period_key(delivered_at, settings.nps_throttle_days)
        if OrderEvent.objects.filter(kind=NPS_DUE, customer=customer, anchor_key=key).exists():
            return
        event_record(
            merchant=event.merchant,
            kind=NPS_DUE,
            customer=customer,
            anchor_key=key,
            payload={"order_id": order.pk},
            occurred_at=delivered_at,
        )
