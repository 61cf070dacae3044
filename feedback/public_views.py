"""The survey answer page: what a score link in the email opens (docs/feedback.md, "One click").

Mail scanners (Microsoft Safe Links, Proofpoint, Barracuda...) open every link of an email before
the person does, and some run the page's scripts: GET and HEAD therefore only show the page, with
the score of the link chosen, and never record an answer. Only the page's form, posted with its
CSRF token, does. The page has no script at all. A GET is counted as an open of the invitation,
shown apart from answers.
"""

from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.locale import customer_language, supported_language
from core.scoping import merchant_scope
from merchants.models import Merchant

from . import page_cache
from .links import BadLink, ExpiredLink, invitation_token_read
from .mail.context import questions
from .models import COMMENT_MAX, Invitation, Response
from .services import Answer, AnswerError, invitation_opened, response_submit, survey_settings_get


def _page(request, template: str, context: dict, *, merchant, language: str, status: int = 200):
    with translation.override(language), merchant_scope(merchant):
        response = render(request, template, {**context, "merchant": merchant, "language": language}, status=status)
    return _headed(response, language)


def _headed(response, language: str):
    response["Content-Language"] = language
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    # The token stays out of other sites' logs. Not "no-referrer": Chromium then posts the form with
    # "Origin: null", which the CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


def _closed(request, merchant, language: str, *, status: int, reason: str):
    context = {"reason": reason}
    return _page(request, "feedback/closed.html", context, merchant=merchant, language=language, status=status)


def _invitation_for(request, token):
    """(invitation, None) for a link that may be answered, else (None, the page to show)."""
    asked = request.GET.get("lang", "")
    try:
        merchant_id, invitation_id = invitation_token_read(token)
    except ExpiredLink as expired:
        merchant = Merchant.objects.filter(pk=expired.merchant_id).first()
        if merchant is None:
            return None, render(request, "portal/link_invalid.html", status=404)
        language = customer_language(merchant=merchant, asked=asked)
        return None, _closed(request, merchant, language, status=410, reason="expired")
    except BadLink:
        return None, render(request, "portal/link_invalid.html", status=404)
    with merchant_scope(merchant_id):  # the token's shop: another shop's invitation is not found
        invitation = (
            Invitation.objects.filter(pk=invitation_id)
            .select_related("merchant", "customer", "order", "response")
            .first()
        )
    if invitation is None:  # another shop's invitation, or one erased with its order
        merchant = Merchant.objects.filter(pk=merchant_id).first()
        if merchant is None:
            return None, render(request, "portal/link_invalid.html", status=404)
        language = customer_language(merchant=merchant, asked=asked)
        return None, _closed(request, merchant, language, status=404, reason="gone")
    merchant = invitation.merchant
    language = customer_language(merchant=merchant, customer=invitation.customer, asked=asked or invitation.language)
    if invitation.erased_at is not None or (invitation.customer and invitation.customer.redacted_at):
        return None, _closed(request, merchant, language, status=410, reason="erased")
    return (invitation, language), None


def _score(raw: str, invitation) -> int | None:
    """The score asked for, or None when it is missing or not a number of the scale."""
    try:
        score = int(raw)
    except (TypeError, ValueError):
        return None
    return score if score in invitation.scale else None


@require_http_methods(["GET", "HEAD", "POST"])
def answer(request, token):
    if request.method == "POST":
        found, page = _invitation_for(request, token)
        return page if page is not None else _answer_post(request, token, *found)
    try:
        merchant_id, invitation_id = invitation_token_read(token)
    except BadLink:  # the pages of bad and expired links are not cached
        return _answer_show(request, token, None)
    opened_at = timezone.now() if request.method == "GET" else None
    entry = page_cache.page_entry(merchant_id=merchant_id, invitation_id=invitation_id, opened_at=opened_at)
    cached = entry.pages.get(_part(request))
    if cached is None:
        return _answer_show(request, token, entry)
    if opened_at and not entry.open_buffered:
        invitation_opened(merchant_id=merchant_id, invitation_id=invitation_id)
    html = page_cache.page_fill(cached, token=token, csrf_token=get_token(request))
    return _headed(HttpResponse(html, status=cached.status), cached.language)


def _part(request) -> tuple:
    """What of the link shapes the page (with the invitation): the cached pages' key."""
    return request.GET.get("lang", ""), request.GET.get("score")


def _answer_show(request, token, entry: page_cache.PageEntry | None):
    found, page = _invitation_for(request, token)
    if page is not None:
        return page
    invitation, language = found
    if request.method == "GET" and not (entry and entry.open_buffered):
        invitation_opened(merchant_id=invitation.merchant_id, invitation_id=invitation.pk)
    existing = _response_of(invitation)
    raw = request.GET.get("score")
    score = _score(raw, invitation) if raw is not None else (existing.score if existing else None)
    errors = []
    if raw is not None and score is None:
        errors.append(_scale_message(invitation, language))
    values = {"score": score, "comment": existing.comment if existing else "", "second": ""}
    if existing:
        values["second"] = existing.second_answer
    page = _form(request, token, invitation, language, values, errors, existing, status=400 if errors else 200)
    # Stored only when the link or the invitation chose the language: the customer's and the shop's
    # default then play no part, and the cache need not follow them.
    if entry is not None and supported_language(request.GET.get("lang", "") or invitation.language):
        html = page.content.decode()
        page_cache.page_add(entry, _part(request), status=page.status_code, language=language, html=html, token=token)
    return page


def _scale_message(invitation, language: str) -> str:
    scale = invitation.scale
    with translation.override(language):
        return _("Choose a score from %(low)s to %(high)s.") % {"low": scale[0], "high": scale[-1]}


def _answer_post(request, token, invitation, language):
    values = {
        "score": _score(request.POST.get("score", ""), invitation),
        "comment": request.POST.get("comment", "").strip(),
        "second": request.POST.get("second_answer", "").strip(),
    }
    settings = survey_settings_get(merchant=invitation.merchant)
    if values["score"] is None:
        errors = [_scale_message(invitation, language)]
        return _form(request, token, invitation, language, values, errors, None, status=400)
    answer = Answer(values["score"], values["comment"], values["second"], language)
    try:
        with translation.override(language):
            response_submit(invitation=invitation, answer=answer, second_question=settings.second_question(language))
    except AnswerError as refusal:
        return _form(request, token, invitation, language, values, [refusal.message], None, status=400)
    thanks = reverse("feedback-public:thanks", kwargs={"token": token})
    return HttpResponseRedirect(f"{thanks}?lang={language}")


def _form(request, token, invitation, language, values, errors, existing, *, status=200):
    merchant = invitation.merchant
    settings = survey_settings_get(merchant=merchant)
    context = {
        **questions(invitation.kind, merchant.name, language),
        "invitation": invitation,
        "token": token,
        "scale": list(invitation.scale),
        "values": values,
        "errors": errors,
        "existing": existing,
        "follow_up": settings.follow_up(language),
        "second_question": settings.second_question(language),
        "comment_max": COMMENT_MAX,
        "wide_scale": len(invitation.scale) > 5,
    }
    return _page(request, "feedback/answer.html", context, merchant=merchant, language=language, status=status)


def _response_of(invitation) -> Response | None:
    try:
        return invitation.response  # loaded with the invitation
    except Response.DoesNotExist:
        return None


@require_http_methods(["GET", "HEAD"])
def thanks(request, token):
    found, page = _invitation_for(request, token)
    if page is not None:
        return page
    invitation, language = found
    response = _response_of(invitation)
    if response is None:  # not answered yet: back to the question
        answer_path = reverse("feedback-public:answer", kwargs={"token": token})
        return HttpResponseRedirect(f"{answer_path}?lang={language}")
    context = {"response": response, "token": token, "invitation": invitation}
    return _page(request, "feedback/thanks.html", context, merchant=invitation.merchant, language=language)
