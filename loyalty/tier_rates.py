"""What tiers and membership change in the ledger's own earning (services.py reads these two).

Kept free of services' imports: services calls them while it computes an order's points.
"""

from datetime import date
from decimal import ROUND_FLOOR, Decimal

from django.utils import timezone

from core.scoping import merchant_scope
from orders.events import publish_memo

from .models_tiers import MemberProfile, MembershipSettings, TierTerm


def membership_settings(merchant) -> MembershipSettings:
    """The shop's tier and perk rules, or the defaults (unsaved) while it never changed them; read
    once per publishing pass (every earning of a batch of events asks)."""

    def read() -> MembershipSettings:
        with merchant_scope(merchant):
            found = MembershipSettings.objects.filter(merchant=merchant).first()
        return found or MembershipSettings(merchant=merchant)

    return publish_memo(("loyalty-membership", merchant.pk), read)


def local_today(merchant) -> date:
    return timezone.localtime(timezone.now(), merchant.tzinfo).date()


def current_term(merchant, customer_id: int) -> TierTerm | None:
    """The tier the customer holds today: the open term, unless its last day has passed."""
    with merchant_scope(merchant):
        term = (
            TierTerm.objects.filter(merchant=merchant, account__customer_id=customer_id, ended_at__isnull=True)
            .select_related("tier")
            .first()
        )
    if term is None or (term.term_ends_on is not None and term.term_ends_on < local_today(merchant)):
        return None
    return term


def purchase_points_multiplied(order, points: int) -> int:
    """An order's purchase points times the multiplier of the tier its customer holds (rounded down)."""
    if points <= 0 or order.customer_id is None:
        return points
    return points_times_term(points, current_term(order.merchant, order.customer_id))


def points_times_term(points: int, term: TierTerm | None) -> int:
    """`points` times the multiplier of the tier held by `term` (a current term, or None), rounded down."""
    if term is None or term.tier is None or term.tier.multiplier == 1:
        return points
    return int((Decimal(points) * term.tier.multiplier).to_integral_value(rounding=ROUND_FLOOR))


def current_terms(merchant, customer_ids) -> dict[int, TierTerm]:
    """The tier each of these customers holds today, by customer id: one query for all (the back-fill)."""
    today = local_today(merchant)
    with merchant_scope(merchant):
        terms = TierTerm.objects.filter(
            merchant=merchant, account__customer_id__in=customer_ids, ended_at__isnull=True
        ).select_related("tier", "account")
        return {
            term.account.customer_id: term for term in terms if term.term_ends_on is None or term.term_ends_on >= today
        }


def members_earning(merchant, customer_ids) -> set[int]:
    """Which of these customers earn (member_earns for many at once: one query, or none)."""
    if not membership_settings(merchant).members_only:
        return set(customer_ids)
    with merchant_scope(merchant):
        return set(
            MemberProfile.objects.filter(
                merchant=merchant, customer_id__in=customer_ids, opened_at__isnull=False
            ).values_list("customer_id", flat=True)
        )


def member_earns(merchant, customer_id: int | None) -> bool:
    """Whether the customer earns: always, unless the shop counts as members only those who opened
    their loyalty page."""
    if customer_id is None:
        return False
    if not membership_settings(merchant).members_only:
        return True
    with merchant_scope(merchant):
        return MemberProfile.objects.filter(
            merchant=merchant, customer_id=customer_id, opened_at__isnull=False
        ).exists()
