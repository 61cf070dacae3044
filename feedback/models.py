"""Feedback: CSAT and NPS surveys, their invitations and the answers people submit (docs/feedback.md).

An `Invitation` is one survey asked of one recipient: a CSAT about an order, or an NPS about the
customer for a period (its anchor key). Its links open the answer page; opening counts on the
invitation (`open_count`), never as an answer. A `Response` exists only once the person submitted
the page's form; submitting again updates it and keeps the previous values as a `ResponseRevision`.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.scoping import TenantModel

COMMENT_MAX = 2000  # characters; the page says so and refuses longer comments


class Kind(models.TextChoices):
    CSAT = "csat", _("CSAT (1–5, about an order)")
    NPS = "nps", _("NPS (0–10, about the shop)")


SCALES = {Kind.CSAT: range(1, 6), Kind.NPS: range(0, 11)}


def is_low(kind: str, score: int) -> bool:
    """A detractor: CSAT 1–2, NPS 0–6 (docs/kpis.md)."""
    return score <= 2 if kind == Kind.CSAT else score <= 6


class SurveySettings(TenantModel):
    """What a shop asks, and what happens after a low score. Timing lives on the survey flows' steps."""

    csat_enabled = models.BooleanField(_("ask a CSAT after each delivered order"), default=True)
    nps_enabled = models.BooleanField(_("ask an NPS after a delivered order"), default=True)
    nps_throttle_days = models.PositiveSmallIntegerField(_("at most one NPS per customer every (days)"), default=90)
    follow_up_en = models.CharField(
        _("follow-up question (English)"), max_length=200, default="What is the main reason for your score?"
    )
    follow_up_fr = models.CharField(
        _("follow-up question (French)"), max_length=200, default="Quelle est la raison principale de votre note\u00a0?"
    )
    second_question_en = models.CharField(_("second question (English)"), max_length=200, blank=True)
    second_question_fr = models.CharField(_("second question (French)"), max_length=200, blank=True)
    alert_email = models.EmailField(_("alert address for low scores"), blank=True)
    pause_during_return = models.BooleanField(_("no survey while a return is open"), default=True)
    quiet_days_after_low_score = models.PositiveSmallIntegerField(
        _("no cross-sell or reactivation email for (days) after a low score"), default=30
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant"], name="survey_settings_one_per_merchant")]

    def follow_up(self, language: str) -> str:
        return self.follow_up_fr if language == "fr" else self.follow_up_en

    def second_question(self, language: str) -> str:
        return self.second_question_fr if language == "fr" else self.second_question_en


class Invitation(TenantModel):
    # merchants.Invitation (a staff invitation) already answers to Merchant.invitation_set.
    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.CASCADE, related_name="survey_invitations", db_index=False
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # CSAT: the order; NPS: the customer and the period's key ("nps:w226").
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "orders.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    anchor_key = models.CharField(max_length=64, blank=True)
    # NPS: the delivered order that led to it; its events are recorded on that order's timeline.
    source_order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    language = models.CharField(max_length=8, default="en")
    sent_at = models.DateTimeField(null=True, blank=True)  # the survey email was built and handed over
    first_opened_at = models.DateTimeField(null=True, blank=True)
    open_count = models.PositiveIntegerField(default=0)  # page views of its links: not answers
    erased_at = models.DateTimeField(null=True, blank=True)  # the person's data was erased: links close
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "kind", "order"], condition=Q(order__isnull=False), name="invitation_one_per_order"
            ),
            models.UniqueConstraint(
                fields=["merchant", "kind", "customer", "anchor_key"],
                condition=Q(order__isnull=True),
                name="invitation_one_per_customer_key",
            ),
            models.CheckConstraint(
                condition=Q(order__isnull=False) | (Q(customer__isnull=False) & ~Q(anchor_key="")),
                name="invitation_has_anchor",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "kind", "sent_at"]),
            models.Index(fields=["merchant", "customer", "kind", "sent_at"]),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def scale(self) -> range:
        return SCALES[Kind(self.kind)]


class Response(TenantModel):
    """The person's answer; the last submit wins, earlier ones are kept as revisions."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    kind = models.CharField(max_length=8, choices=Kind.choices)  # copied from the invitation, for filters
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    customer = models.ForeignKey("orders.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, max_length=COMMENT_MAX)
    second_question = models.CharField(max_length=200, blank=True)  # as asked, in the person's language
    second_answer = models.TextField(blank=True, max_length=COMMENT_MAX)
    language = models.CharField(max_length=8, default="en")
    first_answered_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-first_answered_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=10), name="response_score_in_range"),
            models.CheckConstraint(
                condition=~Q(kind="csat") | Q(score__gte=1, score__lte=5), name="response_csat_scale"
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "kind", "first_answered_at"]),
            models.Index(fields=["merchant", "first_answered_at"]),
        ]

    def __str__(self):
        return f"{self.kind} {self.score}"

    @property
    def is_low(self) -> bool:
        return is_low(self.kind, self.score)


class ResponseRevision(TenantModel):
    """One submit of the page, as it was: the answer's history."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="revisions")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    second_answer = models.TextField(blank=True)
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["submitted_at", "id"]


class FollowUpState(models.TextChoices):
    NEW = "new", _("Needs attention")
    CONTACTED = "contacted", _("Contacted")
    RESOLVED = "resolved", _("Resolved")


FOLLOW_UP_MOVES = {
    FollowUpState.NEW: {FollowUpState.CONTACTED, FollowUpState.RESOLVED},
    FollowUpState.CONTACTED: {FollowUpState.RESOLVED},
    FollowUpState.RESOLVED: set(),
}


class FollowUp(TenantModel):
    """A low score someone on the team should act on: the needs-attention queue."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="follow_up")
    state = models.CharField(max_length=12, choices=FollowUpState.choices, default=FollowUpState.NEW)
    created_at = models.DateTimeField(default=timezone.now)
    contacted_at = models.DateTimeField(null=True, blank=True)  # first contact: new -> contacted or resolved
    resolved_at = models.DateTimeField(null=True, blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True)  # the alert email was handed over (once)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "state", "created_at"])]

    @property
    def time_to_first_contact(self):
        return self.contacted_at - self.created_at if self.contacted_at else None


from feedback.models_reviews import Destination, Platform, Review, ReviewApp, ReviewClick, ReviewSettings  # noqa: E402,F401
