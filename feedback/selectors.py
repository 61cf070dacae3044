"""Reads of feedback, always scoped to one merchant: the figures of a period, answers, the queue.

The figures follow docs/kpis.md ("Feedback"): an answer counts in the period its first submit falls
in, with its latest score; the response rate counts the invitations sent in the period.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils import timezone

from flows.models import Message

from .models import FollowUp, FollowUpState, Invitation, Kind, Response

SURVEY_STEP_PREFIX = "survey-"  # the default survey flows' steps (feedback/mail/defaults.py)


def period_bounds(merchant, start: date, end: date) -> tuple[datetime, datetime]:
    """From the first day's midnight to the midnight after the last, in the shop's time zone."""
    tz = merchant.tzinfo
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def _whole_percent(part: int, whole: int) -> int:
    return int((Decimal(100 * part) / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _signed_whole(value: Decimal) -> int:
    """Rounded half away from zero: -12.5 gives -13, as 12.5 gives 13."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class NpsFigures:
    promoters: int
    passives: int
    detractors: int

    @property
    def count(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> int | None:
        if not self.count:
            return None
        return _signed_whole(Decimal(100 * (self.promoters - self.detractors)) / self.count)


@dataclass(frozen=True)
class CsatFigures:
    satisfied: int  # answers of 4 or 5
    count: int
    mean: Decimal | None

    @property
    def share(self) -> int | None:
        return _whole_percent(self.satisfied, self.count) if self.count else None


@dataclass(frozen=True)
class RateFigures:
    delivered: int  # sent, not bounced
    answered: int
    opened: int  # opened the page at least once: shown apart, never counted as answered

    @property
    def rate(self) -> int | None:
        return _whole_percent(self.answered, self.delivered) if self.delivered else None


def score_aggregates() -> dict:
    """The aggregates NpsFigures and CsatFigures are made of, for `aggregate` or `annotate`."""
    return {
        "promoters": Count("id", filter=Q(kind=Kind.NPS, score__gte=9)),
        "passives": Count("id", filter=Q(kind=Kind.NPS, score__in=[7, 8])),
        "detractors": Count("id", filter=Q(kind=Kind.NPS, score__lte=6)),
        "satisfied": Count("id", filter=Q(kind=Kind.CSAT, score__gte=4)),
        "csat": Count("id", filter=Q(kind=Kind.CSAT)),
        "mean": Avg("score", filter=Q(kind=Kind.CSAT)),
    }


def scores_from(figures: dict) -> tuple[NpsFigures, CsatFigures]:
    mean = figures["mean"]
    nps = NpsFigures(figures["promoters"], figures["passives"], figures["detractors"])
    csat = CsatFigures(
        figures["satisfied"], figures["csat"], Decimal(mean).quantize(Decimal("0.01")) if mean is not None else None
    )
    return nps, csat


def scores_of_period(*, merchant, start: date, end: date) -> tuple[NpsFigures, CsatFigures]:
    """The scores of the days from `start` to `end`, both included."""
    since, until = period_bounds(merchant, start, end)
    return scores_between(merchant=merchant, since=since, until=until)


def scores_between(*, merchant, since: datetime, until: datetime) -> tuple[NpsFigures, CsatFigures]:
    """The scores of the answers first submitted in [since, until): one query."""
    answers = Response.objects.filter(merchant=merchant, first_answered_at__gte=since, first_answered_at__lt=until)
    return scores_from(answers.aggregate(**score_aggregates()))


def _bounced():
    """The invitation's survey email bounced (an order's CSAT, a customer's NPS for its key)."""
    messages = Message.objects.filter(bounced_at__isnull=False, step__key__startswith=SURVEY_STEP_PREFIX)
    by_order = messages.filter(order_id=OuterRef("order_id"))
    by_customer = messages.filter(
        order__isnull=True,
        scheduled__customer_id=OuterRef("customer_id"),
        scheduled__anchor_key=OuterRef("anchor_key"),
    )
    return Exists(by_order) | Exists(by_customer)


def response_rates(*, merchant, start: date, end: date) -> dict[str, RateFigures]:
    since, until = period_bounds(merchant, start, end)
    invitations = (
        Invitation.objects.filter(merchant=merchant, sent_at__gte=since, sent_at__lt=until)
        .exclude(_bounced())
        .values("kind")
        .annotate(
            delivered=Count("id"),
            answered=Count("id", filter=Q(response__isnull=False)),
            opened=Count("id", filter=Q(open_count__gt=0)),
        )
    )
    rates = {kind: RateFigures(0, 0, 0) for kind in Kind.values}
    for row in invitations:
        rates[row["kind"]] = RateFigures(row["delivered"], row["answered"], row["opened"])
    return rates


SCORE_BANDS = {
    "low": Q(kind=Kind.CSAT, score__lte=2) | Q(kind=Kind.NPS, score__lte=6),
    "middle": Q(kind=Kind.CSAT, score=3) | Q(kind=Kind.NPS, score__in=[7, 8]),
    "high": Q(kind=Kind.CSAT, score__gte=4) | Q(kind=Kind.NPS, score__gte=9),
}


@dataclass(frozen=True)
class AnswerFilters:
    kind: str = ""
    band: str = ""
    start: date | None = None
    end: date | None = None
    has_comment: bool = False
    search: str = ""


def answers_list(*, merchant, filters: AnswerFilters):
    answers = Response.objects.filter(merchant=merchant).select_related("order", "customer")
    if filters.kind:
        answers = answers.filter(kind=filters.kind)
    if filters.band in SCORE_BANDS:
        answers = answers.filter(SCORE_BANDS[filters.band])
    if filters.start or filters.end:
        since, until = period_bounds(merchant, filters.start or date(2000, 1, 1), filters.end or timezone.localdate())
        answers = answers.filter(first_answered_at__gte=since, first_answered_at__lt=until)
    if filters.has_comment:
        answers = answers.exclude(comment="")
    if filters.search:
        term = filters.search.strip()
        answers = answers.filter(
            Q(comment__icontains=term)
            | Q(second_answer__icontains=term)
            | Q(order__number__icontains=term)
            | Q(customer__email__icontains=term)
        )
    return answers.order_by("-first_answered_at", "-id")


def attention_items(*, merchant, state: str = ""):
    items = FollowUp.objects.filter(merchant=merchant).select_related("response__order", "response__customer")
    if state in FollowUpState.values:
        items = items.filter(state=state)
    return items.order_by("-created_at", "-id")


def attention_counts(*, merchant) -> dict[str, int]:
    counts = dict(FollowUp.objects.filter(merchant=merchant).values_list("state").annotate(n=Count("id")))
    return {state: counts.get(state, 0) for state in FollowUpState.values}


def mean_time_to_first_contact(*, merchant) -> timedelta | None:
    """Over the items contacted (or resolved) so far."""
    waited = ExpressionWrapper(F("contacted_at") - F("created_at"), output_field=DurationField())
    items = FollowUp.objects.filter(merchant=merchant, contacted_at__isnull=False)
    return items.aggregate(mean=Avg(waited))["mean"]
