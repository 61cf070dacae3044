"""The kinds of event feedback records (core.event_kinds): timelines and outbound webhooks read them.

`survey.nps_due` is about a customer (one NPS per customer and period: its anchor key); it starts the
NPS flow. The others are about the order the survey concerns (a CSAT's order, the delivered order
that led to an NPS) and one invitation of it ("survey:42"), so flows send their emails once per survey.
"""

from django.utils.translation import gettext_lazy as _

from core.event_kinds import EventKind, event_kind_register

NPS_DUE = "survey.nps_due"
SENT, ANSWERED, DETRACTOR = "survey.sent", "survey.answered", "survey.detractor"
KEY_PREFIX = "survey:"


def survey_key(payload: dict) -> str:
    invitation = payload.get("invitation_id")
    return f"{KEY_PREFIX}{invitation}" if invitation else ""


def _data(event) -> dict:
    return event.payload


def _score(payload: dict) -> str:
    survey, score = payload.get("survey", ""), payload.get("score")
    return f"{survey.upper()} {score}" if score is not None else survey.upper()


def register() -> None:
    event_kind_register(
        EventKind(NPS_DUE, _("NPS survey due"), _("A customer is due an NPS survey."), customer_anchored=True)
    )
    for kind, label, description in (
        (SENT, _("Survey sent"), _("A CSAT or NPS survey was emailed.")),
        (ANSWERED, _("Survey answered"), _("A customer submitted or changed a survey answer.")),
        (DETRACTOR, _("Low survey score"), _("A customer gave a low score (CSAT 1–2, NPS 0–6).")),
    ):
        event_kind_register(EventKind(kind, label, description, _data, _score, order_key=survey_key))
