"""Personal data in helpdesk contacts: a ticket is the subject's when it is linked to one of their
customers or orders. Erasure blanks its subject and tags and unlinks it; the row stays, unnamed,
so the shop's WISMO counts do not change."""

from django.db.models import Q

from .models import SupportContact


def _contacts_of(subject):
    contacts = SupportContact.objects.filter(merchant=subject.merchant)
    if subject.whole_shop:
        return contacts
    return contacts.filter(Q(customer_id__in=subject.customer_ids) | Q(order_id__in=subject.order_ids))


def export_support_contacts(subject) -> list[dict]:
    return [
        {
            "source": contact.source,
            "external_id": contact.external_id,
            "created_at": contact.created_at.isoformat(),
            "subject": contact.subject,
            "tags": contact.tags,
            "is_wismo": contact.is_wismo,
            "order_number": contact.order.number if contact.order else None,
        }
        for contact in _contacts_of(subject).select_related("order").order_by("created_at", "id")
    ]


def erase_support_contacts(subject) -> int:
    if subject.whole_shop:
        deleted, _by_model = _contacts_of(subject).delete()
        return deleted
    return _contacts_of(subject).update(subject="", tags=[], customer=None, order=None, matched_by="")
