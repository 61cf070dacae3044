"""`{{ csat }}` and `{{ nps }}` in email templates: the survey's question and its score links.

    {% for choice in csat.scores %}<a href="{{ choice.url }}">{{ choice.score }}</a>{% endfor %}
    {{ csat.question }}  {{ csat.url }} (the page without a score chosen)  {{ csat.low_label }}  {{ csat.high_label }}

`csat` is the order's survey (1–5), `nps` the customer's for the email's period (0–10, in the NPS
flow's emails only). Building a real email's links creates the invitation and marks it sent; each
link opens the answer page with its score chosen, and only the page's button records an answer.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from flows.context_providers import EmailContextProvider

from ..links import answer_url, invitation_token
from ..models import SCALES, Kind
from ..services import invitation_for_customer, invitation_for_order


def csat_provider() -> EmailContextProvider:
    return EmailContextProvider(
        "csat", value=csat_value, sample=lambda merchant, language: _sample(merchant, Kind.CSAT, language), empty={}
    )


def nps_provider() -> EmailContextProvider:
    return EmailContextProvider(
        "nps",
        value=lambda order, language: {},  # asked of customers, in the NPS flow's emails
        sample=lambda merchant, language: _sample(merchant, Kind.NPS, language),
        empty={},
        customer_value=nps_value,
    )


def csat_value(order, language: str) -> dict:
    return survey_value(invitation_for_order(order=order, language=language), order.merchant, language)


def nps_value(customer, anchor_key: str, language: str) -> dict:
    if not anchor_key.startswith("nps:"):
        return {}
    invitation = invitation_for_customer(customer=customer, anchor_key=anchor_key, language=language)
    return survey_value(invitation, customer.merchant, language)


def questions(kind: str, shop_name: str, language: str) -> dict:
    with translation.override(language):
        if kind == Kind.CSAT:
            return {
                "question": _("How was your order?"),
                "low_label": _("Very dissatisfied"),
                "high_label": _("Very satisfied"),
            }
        return {
            "question": _("How likely are you to recommend %(shop)s to a friend?") % {"shop": shop_name},
            "low_label": _("Not at all likely"),
            "high_label": _("Extremely likely"),
        }


def survey_value(invitation, merchant, language: str) -> dict:
    token = invitation_token(invitation)
    scores = [
        {"score": str(score), "url": answer_url(invitation, language=language, score=score, token=token)}
        for score in invitation.scale
    ]
    return {
        **questions(invitation.kind, merchant.name, language),
        "scores": scores,
        "url": answer_url(invitation, language=language, token=token),
    }


def _sample(merchant, kind: str, language: str) -> dict:
    base = f"{settings.SITE_URL}/survey/sample/?lang={language}"
    scores = [{"score": str(score), "url": f"{base}&score={score}"} for score in SCALES[Kind(kind)]]
    return {**questions(kind, merchant.name, language), "scores": scores, "url": base}
