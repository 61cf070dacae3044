"""The loyalty program's figures (docs/kpis.md, "Loyalty"): members, points outstanding and their
value, redemption rate, points earned, spent and expired per month, members' orders against other
customers', referrals. Every figure is one SQL aggregate; money stays an exact Decimal per currency.

Balances (members, points outstanding, their value) are as the accounts stand now; the other figures
are of the period [start, end).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth

from core.money import exact_amount, minor_unit
from core.ranges import Period
from core.scoping import merchant_scope

from .models import Account, EntryKind, PointsEntry
from .models_referrals import Referral, ReferralStatus
from .models_rewards import Reward, RewardKind

RATIO_PLACES = Decimal("0.0001")
# Rewards whose points have a value in money: an amount off, or store credit.
VALUED_KINDS = (RewardKind.AMOUNT_OFF, RewardKind.STORE_CREDIT)


def ratio(part, whole) -> Decimal | None:
    """part ÷ whole to 4 decimals; None when whole is 0 (nothing to divide by)."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class MonthPoints:
    month: date  # the month's first day, in the shop's calendar
    earned: int = 0
    spent: int = 0
    expired: int = 0


@dataclass(frozen=True)
class OrderGroup:
    """The counted orders of the period of members, or of other customers, in one currency."""

    currency: str
    customers: int
    repeat_customers: int
    orders: int
    revenue: Decimal

    @property
    def repeat_rate(self) -> Decimal | None:
        return ratio(self.repeat_customers, self.customers)

    @property
    def average_order_value(self) -> Decimal | None:
        if not self.orders:
            return None
        unit = minor_unit(self.currency)
        return (self.revenue / self.orders).quantize(unit, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PointValue:
    """What a point is worth: the best rate among the shop's active amount-off and store-credit rewards."""

    value: Decimal
    points: int
    currency: str

    def of(self, points: int) -> Decimal:
        return (Decimal(points) * self.value / self.points).quantize(minor_unit(self.currency), ROUND_HALF_UP)


@dataclass(frozen=True)
class LoyaltyFigures:
    period: Period
    members: int
    new_members: int
    available: int
    pending: int
    debt: int
    point_value: PointValue | None
    earned: int
    spent: int
    expired: int
    months: list[MonthPoints]
    members_orders: dict[str, OrderGroup] = field(default_factory=dict)
    others_orders: dict[str, OrderGroup] = field(default_factory=dict)
    referrals: int = 0
    referrals_converted: int = 0
    referral_revenue: dict[str, Decimal] = field(default_factory=dict)

    @property
    def liability(self) -> Decimal | None:
        """The available points' worth: what the shop owes its members if they spent them all."""
        return None if self.point_value is None else self.point_value.of(self.available)

    @property
    def pending_liability(self) -> Decimal | None:
        return None if self.point_value is None else self.point_value.of(self.pending)

    @property
    def redemption_rate(self) -> Decimal | None:
        return ratio(self.spent, self.earned)

    @property
    def referral_conversion(self) -> Decimal | None:
        return ratio(self.referrals_converted, self.referrals)


def loyalty_figures(*, merchant, period: Period) -> LoyaltyFigures:
    with merchant_scope(merchant):
        balances = _balances(merchant, period)
        months = _months(merchant, period)
        members, others = _orders_compared(merchant, period)
        referrals = _referrals(merchant, period)
        point_value = _point_value(merchant)
    return LoyaltyFigures(
        period=period,
        **balances,
        point_value=point_value,
        earned=sum(month.earned for month in months),
        spent=sum(month.spent for month in months),
        expired=sum(month.expired for month in months),
        months=months,
        members_orders=members,
        others_orders=others,
        **referrals,
    )


def _balances(merchant, period: Period) -> dict:
    totals = Account.objects.filter(merchant=merchant).aggregate(
        members=Count("id"),
        new_members=Count("id", filter=Q(created_at__gte=period.start, created_at__lt=period.end)),
        available=Coalesce(Sum("available"), 0),
        pending=Coalesce(Sum("pending"), 0),
        debt=Coalesce(Sum("debt"), 0),
    )
    return totals


def _point_value(merchant) -> PointValue | None:
    best = (
        Reward.objects.filter(merchant=merchant, kind__in=VALUED_KINDS, active=True, deleted_at__isnull=True)
        .filter(value__gt=0)
        .annotate(rate=F("value") / F("points"))
        .order_by("-rate", "points", "id")
        .values("value", "points")
        .first()
    )
    return None if best is None else PointValue(best["value"], best["points"], merchant.currency)


# An earning's points: what it added to pending and available, and the debt it paid off.
_EARNED = F("pending") + F("available") - F("debt")


def _months(merchant, period: Period) -> list[MonthPoints]:
    """Points earned (any source), spent (rewards less those given back) and expired, by month."""
    rows = (
        PointsEntry.objects.filter(merchant=merchant, created_at__gte=period.start, created_at__lt=period.end)
        .annotate(month=TruncMonth("created_at", tzinfo=merchant.tzinfo))
        .values("month")
        .order_by()
        .annotate(
            earned=Coalesce(Sum(_EARNED, filter=Q(kind=EntryKind.EARNED)), 0),
            redeemed=Coalesce(Sum(F("available") - F("debt"), filter=Q(kind=EntryKind.REDEEMED)), 0),
            given_back=Coalesce(Sum(F("available") - F("debt"), filter=Q(kind=EntryKind.GIVEN_BACK)), 0),
            expired=Coalesce(Sum("available", filter=Q(kind=EntryKind.EXPIRED)), 0),
        )
    )
    found = {
        row["month"].date(): MonthPoints(
            row["month"].date(),
            earned=row["earned"],
            spent=-row["redeemed"] - row["given_back"],
            expired=-row["expired"],
        )
        for row in rows
    }
    return [found.get(first, MonthPoints(first)) for first in _month_firsts(period, merchant.tzinfo)]


def _month_firsts(period: Period, tz) -> list[date]:
    first = period.start.astimezone(tz).date().replace(day=1)
    last = (period.end.astimezone(tz) - _A_MOMENT).date()
    months = []
    while first <= last:
        months.append(first)
        first = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    return months


_A_MOMENT = datetime.resolution


ORDERS_COMPARED = """
SELECT member, currency, count(*), count(*) FILTER (WHERE orders >= 2), sum(orders), sum(revenue)
FROM (
  SELECT o.customer_id, o.currency, count(*) AS orders, sum(o.total) AS revenue,
         EXISTS (SELECT 1 FROM loyalty_account a WHERE a.merchant_id = %(shop)s AND a.customer_id = o.customer_id)
           AS member
  FROM orders_order o
  WHERE o.merchant_id = %(shop)s AND o.customer_id IS NOT NULL AND NOT o.test AND o.exchange_for_rma = ''
    AND o.cancelled_at IS NULL AND o.placed_at >= %(start)s AND o.placed_at < %(end)s
  GROUP BY o.customer_id, o.currency
) per_customer
GROUP BY member, currency
ORDER BY currency
"""


def _orders_compared(merchant, period: Period) -> tuple[dict[str, OrderGroup], dict[str, OrderGroup]]:
    """Members' orders and other customers' in the period, per currency (one query)."""
    members: dict[str, OrderGroup] = {}
    others: dict[str, OrderGroup] = {}
    params = {"shop": merchant.pk, "start": period.start, "end": period.end}
    with connection.cursor() as cursor:
        cursor.execute(ORDERS_COMPARED, params)
        for member, currency, customers, repeat, orders, revenue in cursor.fetchall():
            group = OrderGroup(currency, customers, repeat, orders, exact_amount(revenue, currency))
            (members if member else others)[currency] = group
    return members, others


CONVERTED = (ReferralStatus.ORDERED, ReferralStatus.COMPLETED, ReferralStatus.REVERSED)


def _referrals(merchant, period: Period) -> dict:
    """Referrals made in the period (blocked ones left out), those whose friend ordered, and the
    revenue of those friends' orders (cancelled and test orders left out), per currency."""
    made = Referral.objects.filter(merchant=merchant, created_at__gte=period.start, created_at__lt=period.end)
    made = made.exclude(status=ReferralStatus.BLOCKED)
    converted = Q(status__in=CONVERTED, order__isnull=False)
    rows = list(
        made.values("order__currency")
        .annotate(
            referrals=Count("id"),
            converted=Count("id", filter=converted),
            revenue=Sum("order__total", filter=converted & Q(order__cancelled_at__isnull=True, order__test=False)),
        )
        .order_by("order__currency")
    )
    return {
        "referrals": sum(row["referrals"] for row in rows),
        "referrals_converted": sum(row["converted"] for row in rows),
        "referral_revenue": {
            row["order__currency"]: exact_amount(row["revenue"], row["order__currency"])
            for row in rows
            if row["order__currency"] and row["revenue"] is not None
        },
    }
