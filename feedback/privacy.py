"""Survey answers in personal data requests (orders/privacy.py, docs/feedback.md "Privacy").

An answer is the subject's when its invitation names one of their orders or customers. The export
holds each answer as the API shows it, with its earlier versions. Erasure blanks what the person
wrote (comments, second answers, in the answers, their history and their events) and closes the
invitations' links; scores and dates stay, as counted in the shop's NPS and CSAT.
"""

from django.db.models import Q
from django.utils import timezone

from orders.models import OrderEvent

from .event_kinds import ANSWERED, DETRACTOR
from .models import Invitation, Response, ResponseRevision
from .page_cache import invitations_pages_drop
from .payloads import response_data


def _invitations_of(subject):
    invitations = Invitation.objects.filter(merchant=subject.merchant)
    if subject.whole_shop:
        return invitations
    return invitations.filter(
        Q(order_id__in=subject.order_ids)
        | Q(source_order_id__in=subject.order_ids)
        | Q(customer_id__in=subject.customer_ids)
    )


def export_answers(subject) -> list[dict]:
    responses = (
        Response.objects.filter(invitation__in=_invitations_of(subject))
        .select_related("invitation")
        .prefetch_related("revisions")
        .order_by("first_answered_at", "id")
    )
    return [
        {
            **response_data(response),
            "history": [
                {
                    "score": revision.score,
                    "comment": revision.comment,
                    "second_answer": revision.second_answer,
                    "submitted_at": revision.submitted_at.isoformat(),
                }
                for revision in response.revisions.all()
            ],
        }
        for response in responses
    ]


def erase_answers(subject) -> int:
    invitations = _invitations_of(subject)
    responses = Response.objects.filter(invitation__in=invitations)
    ResponseRevision.objects.filter(response__in=responses).update(comment="", second_answer="")
    erased = responses.update(comment="", second_answer="")
    ids = list(invitations.values_list("pk", flat=True))
    events = OrderEvent.objects.filter(kind__in=[ANSWERED, DETRACTOR], payload__invitation_id__in=ids)
    for event in events:
        event.payload = {**event.payload, "comment": "", "second_answer": None}
        event.save(update_fields=["payload"])
    invitations.filter(erased_at__isnull=True).update(erased_at=timezone.now())
    invitations_pages_drop(ids)  # bulk updates send no signal; the cached pages hold the answers
    return erased
