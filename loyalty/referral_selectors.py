"""Reads of referrals, always scoped to a merchant."""

from django.db.models import Count, Q, QuerySet, Sum

from .models import BlockReason, Referral, ReferralStatus
from .referrals import CONVERTED, referral_link_for, referrals_on

REFERRALS_PAGE = 50


def referrals(*, merchant, status: str = "") -> QuerySet:
    rows = Referral.objects.filter(merchant=merchant).select_related("referrer", "order")
    return (rows.filter(status=status) if status else rows).order_by("-created_at", "-id")


def referral_figures(*, merchant) -> dict:
    """Sent, converted, the revenue of the friends' first orders, blocked by reason: two queries."""
    totals = Referral.objects.filter(merchant=merchant).aggregate(
        sent=Count("id", filter=~Q(status=ReferralStatus.BLOCKED)),
        converted=Count("id", filter=Q(status__in=CONVERTED)),
        revenue=Sum("order__total", filter=Q(status__in=CONVERTED)),
        blocked=Count("id", filter=Q(status=ReferralStatus.BLOCKED)),
    )
    counts = dict(
        Referral.objects.filter(merchant=merchant, status=ReferralStatus.BLOCKED)
        .values_list("block_reason")
        .annotate(n=Count("id"))
        .values_list("block_reason", "n")
    )
    by_reason = [
        {"reason": reason.label, "count": counts[reason.value]} for reason in BlockReason if counts.get(reason.value)
    ]
    return {**totals, "by_reason": by_reason}


def portal_referral(*, merchant, customer) -> dict | None:
    """What the customer's loyalty page shows of their invitations: their link and code (None if off)."""
    if not referrals_on(merchant):
        return None
    link = referral_link_for(customer)
    invited = Referral.objects.filter(merchant=merchant, referrer=customer).aggregate(
        sent=Count("id", filter=~Q(status=ReferralStatus.BLOCKED)),
        rewarded=Count("id", filter=Q(status=ReferralStatus.COMPLETED)),
    )
    return {"link": link, **invited}
