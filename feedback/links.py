"""A survey invitation's links: signed, expiring, one per recipient, never used up by opening.

The token names the shop and the invitation (portal.links style, its own salt). Opening a link only
shows the answer page; mail scanners open every link, so nothing but the page's form records an answer.
"""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse

from portal.links import BadLink, ExpiredLink, link_kind

SURVEY_SALT = "feedback.invitation"
SURVEY_MAX_AGE = timedelta(days=90)
SURVEY = link_kind(SURVEY_SALT, SURVEY_MAX_AGE, "i")

__all__ = ["BadLink", "ExpiredLink", "invitation_token", "invitation_token_read", "answer_url"]


def invitation_token(invitation) -> str:
    return SURVEY.dumps(invitation.merchant_id, invitation.pk)


def invitation_token_read(token: str) -> tuple[int, int]:
    """(merchant_id, invitation_id); BadLink or ExpiredLink otherwise."""
    return SURVEY.loads(token)


def answer_url(invitation, *, language: str, score: int | None = None, token: str | None = None) -> str:
    path = reverse("feedback-public:answer", kwargs={"token": token or invitation_token(invitation)})
    query = f"?lang={language}" + (f"&score={score}" if score is not None else "")
    return f"{settings.SITE_URL}{path}{query}"
