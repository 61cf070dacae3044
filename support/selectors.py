"""Reads: the WISMO rate of a period, week by week, against the shop's baseline.

WISMO contacts of a period P = [start, end): every tracking-page contact created in P, plus the
helpdesk tickets created in P and counted as WISMO. The rate is those contacts per 100 orders whose
first outbound shipment shipped in P. The baseline rate is the same ratio over the imported weeks;
the reduction is 1 − rate / baseline rate.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, Min, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from core import engines
from merchants.models import Merchant
from orders.models import Order
from tracking.models import Shipment, ShipmentDirection, TrackingPageView, WismoContact

from .models import BaselineWeek, SupportContact

RATE_PLACES = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class WismoRate:
    tracking_form_contacts: int
    helpdesk_contacts: int
    orders_shipped: int
    rate: Decimal | None  # WISMO contacts per 100 orders shipped; None when nothing shipped
    baseline_rate: Decimal | None  # the same over the imported weeks; None without a baseline
    reduction: Decimal | None  # 1 − rate / baseline_rate, 4 decimals
    page_views_per_shipped_order: Decimal | None  # tracking page views in P / orders shipped in P

    @property
    def contacts(self) -> int:
        return self.tracking_form_contacts + self.helpdesk_contacts


def _per_100(contacts: int, shipped: int) -> Decimal | None:
    if not shipped:
        return None
    return (Decimal(100 * contacts) / shipped).quantize(RATE_PLACES, ROUND_HALF_UP)


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / denominator).quantize(RATIO_PLACES, ROUND_HALF_UP)


def baseline_rate(merchant: Merchant) -> Decimal | None:
    totals = BaselineWeek.objects.filter(merchant=merchant).aggregate(
        wismo=Sum("wismo_tickets"), shipped=Sum("orders_shipped")
    )
    return _per_100(totals["wismo"] or 0, totals["shipped"] or 0)


def reduction(rate: Decimal | None, baseline: Decimal | None) -> Decimal | None:
    if rate is None or not baseline:
        return None
    return (1 - rate / baseline).quantize(RATIO_PLACES, ROUND_HALF_UP)


# The first outbound shipment of each order but test orders, grouped by the day (in the shop's time
# zone) it shipped.
_FIRST_SHIPPED_BY_DAY = """
SELECT (first_shipped AT TIME ZONE %(tz)s)::date AS day, count(*) AS orders
FROM (
    SELECT s.order_id, min(s.shipped_at) AS first_shipped
    FROM {table} s JOIN {orders} o ON o.id = s.order_id
    WHERE s.merchant_id = %(merchant)s AND s.direction = %(direction)s AND s.shipped_at IS NOT NULL
      AND NOT o.test
    GROUP BY s.order_id
) first_shipments
WHERE first_shipped >= %(start)s AND first_shipped < %(end)s
GROUP BY 1
"""


def orders_shipped_by_day(merchant: Merchant, start: datetime, end: datetime) -> dict[date, int]:
    """Orders whose first outbound shipment shipped in [start, end), by the shop's local day; a test order
    is nobody's parcel."""
    if not engines.on_postgresql():
        return _orders_shipped_by_day_in_python(merchant, start, end)
    quote = connection.ops.quote_name
    query = _FIRST_SHIPPED_BY_DAY.format(table=quote(Shipment._meta.db_table), orders=quote(Order._meta.db_table))
    params = {
        "tz": str(merchant.tzinfo),
        "merchant": merchant.pk,
        "direction": ShipmentDirection.OUTBOUND,
        "start": start,
        "end": end,
    }
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return dict(cursor.fetchall())


def _orders_shipped_by_day_in_python(merchant: Merchant, start: datetime, end: datetime) -> dict[date, int]:
    """The same count where the database has no time zones (SQLite, the demo): each order's first
    shipment read once, its local day found here."""
    firsts = (
        Shipment.objects.filter(
            merchant=merchant, direction=ShipmentDirection.OUTBOUND, shipped_at__isnull=False, order__test=False
        )
        .values("order_id")
        .annotate(first_shipped=Min("shipped_at"))
        .filter(first_shipped__gte=start, first_shipped__lt=end)
    )
    return dict(Counter(timezone.localtime(row["first_shipped"], merchant.tzinfo).date() for row in firsts))


def wismo_rate(merchant: Merchant, start: datetime, end: datetime) -> WismoRate:
    """The WISMO figures of [start, end) (aware datetimes), in five queries whatever the period."""
    shipped = sum(orders_shipped_by_day(merchant, start, end).values())
    form_contacts = WismoContact.objects.filter(merchant=merchant, created_at__gte=start, created_at__lt=end).count()
    helpdesk_contacts = SupportContact.objects.filter(
        merchant=merchant, is_wismo=True, created_at__gte=start, created_at__lt=end
    ).count()
    views = TrackingPageView.objects.filter(merchant=merchant, viewed_at__gte=start, viewed_at__lt=end).count()
    rate = _per_100(form_contacts + helpdesk_contacts, shipped)
    baseline = baseline_rate(merchant)
    return WismoRate(
        tracking_form_contacts=form_contacts,
        helpdesk_contacts=helpdesk_contacts,
        orders_shipped=shipped,
        rate=rate,
        baseline_rate=baseline,
        reduction=reduction(rate, baseline),
        page_views_per_shipped_order=_ratio(views, shipped),
    )


@dataclass(frozen=True)
class WismoWeek:
    week: date  # its Monday, in the shop's time zone
    tracking_form_contacts: int
    helpdesk_contacts: int
    orders_shipped: int
    rate: Decimal | None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def wismo_weeks(merchant: Merchant, first_monday: date, weeks: int) -> list[WismoWeek]:
    """The WISMO rate of `weeks` weeks from `first_monday`, in the shop's time zone: three queries."""
    tz = merchant.tzinfo
    start = datetime.combine(first_monday, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(first_monday + timedelta(weeks=weeks), datetime.min.time(), tzinfo=tz)
    shipped: dict[date, int] = {}
    for day, orders in orders_shipped_by_day(merchant, start, end).items():
        shipped[_monday(day)] = shipped.get(_monday(day), 0) + orders
    form = _contacts_by_week(WismoContact.objects.filter(merchant=merchant), start, end, tz)
    helpdesk = _contacts_by_week(SupportContact.objects.filter(merchant=merchant, is_wismo=True), start, end, tz)
    mondays = [first_monday + timedelta(weeks=index) for index in range(weeks)]
    return [
        WismoWeek(
            week=monday,
            tracking_form_contacts=form.get(monday, 0),
            helpdesk_contacts=helpdesk.get(monday, 0),
            orders_shipped=shipped.get(monday, 0),
            rate=_per_100(form.get(monday, 0) + helpdesk.get(monday, 0), shipped.get(monday, 0)),
        )
        for monday in mondays
    ]


def _contacts_by_week(rows, start: datetime, end: datetime, tz) -> dict[date, int]:
    grouped = (
        rows.filter(created_at__gte=start, created_at__lt=end)
        .annotate(week=TruncWeek("created_at", tzinfo=tz))
        .values("week")
        .annotate(contacts=Count("id"))
        .values_list("week", "contacts")
    )
    return {week.astimezone(tz).date(): contacts for week, contacts in grouped}


def support_contacts_page_rows(merchant: Merchant, *, wismo_only: bool = False):
    """The contacts list: newest first, with the matched order's number, in one query per page."""
    rows = SupportContact.objects.filter(merchant=merchant).select_related("order")
    if wismo_only:
        rows = rows.filter(is_wismo=True)
    return rows.order_by("-created_at", "-id")
