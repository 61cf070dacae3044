"""Personal data in stored webhook bodies: erased with the rest of a customer's data."""

from django.db.models import Q

from orders.privacy import MIN_SEARCHABLE_ID_LENGTH, DataSubject

from .inbound import REDACTED_BODY
from .models import WebhookDelivery


def _delivery_match(subject: DataSubject) -> Q | None:
    match = Q()
    for email in subject.emails:
        match |= Q(body__icontains=email)
    identifiers = subject.customer_external_ids | subject.order_external_ids
    identifiers |= set(subject.orders().values_list("external_id", flat=True))
    for identifier in identifiers:
        if len(identifier) >= MIN_SEARCHABLE_ID_LENGTH:
            match |= Q(body__contains=identifier)
    return match or None


def erase_webhook_deliveries(subject: DataSubject) -> int:
    """Replace the stored bodies that carry the subject's data (by email or id) with a marker."""
    deliveries = WebhookDelivery.objects.filter(merchant=subject.merchant).exclude(body=REDACTED_BODY)
    if not subject.whole_shop:
        match = _delivery_match(subject)
        if match is None:
            return 0
        deliveries = deliveries.filter(match)
    return deliveries.update(body=REDACTED_BODY)
