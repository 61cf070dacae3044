"""Survey answers in personal data requests: exported with their history; erased as text, scores kept."""

import pytest
import time_machine

from core.scoping import merchant_scope
from feedback.models import Invitation, Kind, Response, ResponseRevision
from feedback.services import Answer, response_submit
from orders import privacy
from orders.models import OrderEvent
from tests.feedback.test_staff import DAY, answered

pytestmark = pytest.mark.django_db


def subject(merchant, email):
    return privacy.subject_for(merchant=merchant, emails=[email])


def test_the_export_holds_each_answer_and_its_history(merchant):
    [mine] = answered(merchant, Kind.CSAT, [2], comment="Abîmé")
    with time_machine.travel(DAY, tick=False):
        response_submit(invitation=mine.invitation, answer=Answer(4, "Remplacé, merci", "", "fr"))
    answered(merchant, Kind.CSAT, [5], comment="Someone else")  # another person's
    with merchant_scope(merchant):
        data = privacy.personal_data_collect(subject=subject(merchant, mine.customer.email))
    [exported] = data["feedback"]
    assert (exported["score"], exported["comment"]) == (4, "Remplacé, merci")
    assert [entry["comment"] for entry in exported["history"]] == ["Abîmé", "Remplacé, merci"]


def test_erasure_blanks_what_they_wrote_keeps_scores_and_closes_links(merchant):
    [mine] = answered(merchant, Kind.CSAT, [1], comment="Très déçu de Camille Martin")
    [other] = answered(merchant, Kind.CSAT, [5], comment="Parfait")
    with merchant_scope(merchant):
        privacy.personal_data_erase(subject=subject(merchant, mine.customer.email))
        mine.refresh_from_db()
        other.refresh_from_db()
        assert (mine.score, mine.comment) == (1, "")
        assert other.comment == "Parfait"
        assert not ResponseRevision.objects.filter(response=mine).exclude(comment="").exists()
        assert Invitation.objects.get(pk=mine.invitation_id).erased_at is not None
        assert Invitation.objects.get(pk=other.invitation_id).erased_at is None
        payloads = OrderEvent.objects.filter(kind__startswith="survey.", order=mine.order).values_list(
            "payload", flat=True
        )
        assert all(payload.get("comment", "") == "" for payload in payloads)
        assert Response.objects.count() == 2
