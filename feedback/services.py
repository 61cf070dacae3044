"""Every write of feedback: settings, invitations, answers and the needs-attention queue."""

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.scoping import merchant_scope
from orders.events import event_record
from orders.models import Customer, Order, OrderEvent

from . import event_kinds, open_buffer
from .models import (
    COMMENT_MAX,
    FOLLOW_UP_MOVES,
    FollowUp,
    FollowUpState,
    Invitation,
    Kind,
    Response,
    ResponseRevision,
    SurveySettings,
)
from .payloads import invitation_data, response_data


class AnswerError(Exception):
    """The submitted answer cannot be stored: `message` says why, in the person's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


SETTINGS_CACHE_SECONDS = 300


def _settings_cache_key(merchant_id: int) -> str:
    return f"feedback:settings:{merchant_id}"


def survey_settings_get(*, merchant) -> SurveySettings:
    """The shop's settings; the defaults (not saved) until staff save the page.

    Kept in the cache: every answer page and survey email reads them, and they rarely change.
    """
    key = _settings_cache_key(merchant.pk)
    found = cache.get(key)
    if found is None:
        with merchant_scope(merchant):
            found = SurveySettings.objects.filter(merchant=merchant).first() or SurveySettings(merchant=merchant)
        cache.set(key, found, SETTINGS_CACHE_SECONDS)
    found.merchant = merchant
    return found


def survey_settings_save(*, settings: SurveySettings) -> SurveySettings:
    with merchant_scope(settings.merchant), transaction.atomic():
        existing = SurveySettings.objects.select_for_update().filter(merchant=settings.merchant).first()
        if existing is not None:
            settings.pk = existing.pk
        settings.save()
    return settings


def survey_settings_forget(sender, instance, **kwargs) -> None:
    """Any save or deletion of a shop's settings drops the cached copy (post_save, post_delete: apps.py)."""
    key = _settings_cache_key(instance.merchant_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))  # a read between the save and its commit cached the old


# --- Invitations ------------------------------------------------------------------------------------
def invitation_for_order(*, order: Order, language: str) -> Invitation:
    """The order's CSAT invitation, created and marked sent the first time its email is built."""
    lookup = {"merchant": order.merchant, "kind": Kind.CSAT, "order": order}
    return _invitation_sent(lookup, {"customer_id": order.customer_id, "language": language})


def invitation_for_customer(*, customer: Customer, anchor_key: str, language: str) -> Invitation:
    """The customer's NPS invitation for the period `anchor_key` names."""
    lookup = {"merchant": customer.merchant, "kind": Kind.NPS, "customer": customer, "anchor_key": anchor_key}
    source = _nps_source_order_id(customer, anchor_key)
    return _invitation_sent(lookup, {"language": language, "source_order_id": source})


def _nps_source_order_id(customer: Customer, anchor_key: str) -> int | None:
    """The delivered order whose event made this NPS due (its payload says which)."""
    payload = (
        OrderEvent.objects.filter(kind=event_kinds.NPS_DUE, customer=customer, anchor_key=anchor_key)
        .values_list("payload", flat=True)
        .first()
    )
    return (payload or {}).get("order_id")


def _invitation_sent(lookup: dict, defaults: dict) -> Invitation:
    merchant = lookup["merchant"]
    with merchant_scope(merchant):
        invitation = Invitation.objects.filter(**lookup).first()
        if invitation is not None and invitation.sent_at is not None:
            return invitation
        try:
            with transaction.atomic():
                if invitation is None:
                    invitation = Invitation.objects.create(**lookup, **defaults, sent_at=timezone.now())
                else:
                    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
                    invitation.sent_at = timezone.now()
                _record(event_kinds.SENT, invitation, invitation_data(invitation))
        except IntegrityError:  # built by a concurrent send a moment ago
            return Invitation.objects.get(**lookup)
    return invitation


def invitation_opened(*, merchant_id: int, invitation_id: int) -> None:
    """A view of the answer page, counted at once: a page without the Redis buffer of opens
    (open_buffer.py; the page adds to it itself). Counted, never an answer (scanners open links too)."""
    _opens_add(merchant_id, invitation_id, 1, timezone.now())


def _opens_add(merchant_id: int, invitation_id: int, count: int, first: datetime) -> None:
    """Only to the shop's invitation, and never to an erased one: the buffer takes opens unread."""
    Invitation._base_manager.filter(pk=invitation_id, merchant_id=merchant_id, erased_at=None).filter(
        Q(customer=None) | Q(customer__redacted_at=None)
    ).update(open_count=F("open_count") + count, first_opened_at=Coalesce("first_opened_at", Value(first)))


def invitation_opens_flush() -> int:
    """Writes the buffered opens (one statement per opened invitation); returns how many invitations."""
    opened = open_buffer.pop()
    for (merchant_id, invitation_id), (count, first) in opened.items():
        _opens_add(merchant_id, invitation_id, count, first)
    return len(opened)


def _event_order(invitation: Invitation):
    return invitation.order or invitation.source_order


def _record(kind: str, invitation: Invitation, payload: dict) -> None:
    """On the timeline of the order the survey is about; an NPS whose order was erased has none."""
    order = _event_order(invitation)
    if order is not None:
        event_record(merchant=invitation.merchant, kind=kind, order=order, payload=payload)


# --- Answers ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    score: int
    comment: str = ""
    second_answer: str = ""
    language: str = "en"


def answer_errors(invitation: Invitation, answer: Answer) -> list[str]:
    """Why this answer cannot be stored, worded for the person; empty when it can."""
    errors = []
    scale = invitation.scale
    if answer.score not in scale:
        errors.append(_("Choose a score from %(low)s to %(high)s.") % {"low": scale[0], "high": scale[-1]})
    for text in (answer.comment, answer.second_answer):
        if len(text) > COMMENT_MAX:
            errors.append(
                _("Your comment is %(length)s characters long: please keep it under %(limit)s.")
                % {"length": len(text), "limit": COMMENT_MAX}
            )
    return errors


def response_submit(*, invitation: Invitation, answer: Answer, second_question: str = "") -> tuple[Response, bool]:
    """Store the person's answer; a second submit updates it (the last wins, each submit kept).

    Returns (response, changed): submitting the same answer again changes nothing and records nothing.
    """
    errors = answer_errors(invitation, answer)
    if errors:
        raise AnswerError(" ".join(errors))
    now = timezone.now()
    with merchant_scope(invitation.merchant), transaction.atomic():
        locked = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("order", "source_order")
            .get(pk=invitation.pk)
        )
        response = Response.objects.filter(invitation=locked).first()
        if response is not None and _same(response, answer):
            return response, False
        was_low = response is not None and response.is_low
        if response is None:
            response = Response(
                merchant=locked.merchant,
                invitation=locked,
                kind=locked.kind,
                order=locked.order or locked.source_order,
                customer_id=locked.customer_id,
                first_answered_at=now,
            )
        response.score, response.comment, response.second_answer = answer.score, answer.comment, answer.second_answer
        response.second_question, response.language, response.updated_at = second_question, answer.language, now
        response.save()
        ResponseRevision.objects.create(
            merchant=locked.merchant,
            response=response,
            score=answer.score,
            comment=answer.comment,
            second_answer=answer.second_answer,
            submitted_at=now,
        )
        response.invitation = locked
        data = response_data(response)
        _record(event_kinds.ANSWERED, locked, data)
        if response.is_low and not was_low:
            _detractor(locked, response, data)
    return response, True


def _same(response: Response, answer: Answer) -> bool:
    return (response.score, response.comment, response.second_answer) == (
        answer.score,
        answer.comment,
        answer.second_answer,
    )


def _detractor(invitation: Invitation, response: Response, data: dict) -> None:
    """A low score: the needs-attention item, the event (webhooks, the service-recovery flow), the alert."""
    follow_up, created = FollowUp.objects.get_or_create(merchant=invitation.merchant, response=response)
    if not created:
        return
    _record(event_kinds.DETRACTOR, invitation, data)
    from . import tasks  # tasks import services: the alert goes out once this answer is committed

    transaction.on_commit(lambda: tasks.detractor_alert.delay(invitation.merchant_id, follow_up.pk))


# --- Needs attention ----------------------------------------------------------------------------------
class FollowUpMoveError(Exception):
    pass


def follow_up_move(*, follow_up: FollowUp, to: str, at: datetime | None = None) -> FollowUp:
    """new -> contacted -> resolved (or new -> resolved); the first move out of new is the first contact."""
    now = at or timezone.now()
    with merchant_scope(follow_up.merchant), transaction.atomic():
        locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if locked.state == to:
            return locked  # a double click
        if to not in FOLLOW_UP_MOVES[FollowUpState(locked.state)]:
            raise FollowUpMoveError(
                _("This item is %(state)s: it cannot be marked that way.") % {"state": locked.get_state_display()}
            )
        if locked.contacted_at is None:
            locked.contacted_at = now
        if to == FollowUpState.RESOLVED:
            locked.resolved_at = now
        locked.state = to
        locked.save(update_fields=["state", "contacted_at", "resolved_at"])
    return locked
