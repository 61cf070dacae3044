"""The returns figures of docs/kpis.md ("Returns"): five queries whatever the period.

On PostgreSQL they are SQL aggregates and nothing is read into Python but the aggregated rows; on any
other database (SQLite: the demo) returns/small_shop_figures.py gives the same rows from the ORM. Both
engines' rows are shaped here alike. Money stays per currency, never converted.
Resolutions are matched by their codes (`KEPT`, `EXCHANGES`), so a resolution added to `Resolution`
under one of those codes joins the figures without a change here.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection

from core import engines
from core.figures import money as _money
from core.figures import ratio
from core.ranges import Period

from . import small_shop_figures
from .models import Resolution, ReturnStatus

TOP_ROWS = 20  # products and product types shown, most returned first

# Exchanges keep the sale in goods, store credit in the shop's own money. "exchange_variant" (another
# variant of the same item) is counted by its code: returns resolved that way join as soon as it exists.
EXCHANGES = ("exchange_variant", Resolution.SHOP_NOW.value)
KEPT = (*EXCHANGES, Resolution.STORE_CREDIT.value)

# Counted orders, as for every KPI (docs/kpis.md): not cancelled, not test orders, not exchange orders.
_COUNTED_ORDER = "o.cancelled_at IS NULL AND NOT o.test AND o.exchange_for_rma = ''"
# Counted returns: made in the period, neither rejected nor cancelled, of a counted order.
_RETURNS = "returns_returnrequest r JOIN orders_order o ON o.id = r.order_id"
_COUNTED_RETURNS = f"""
r.merchant_id = %(merchant)s AND r.status <> ALL(%(not_counted)s)
  AND r.created_at >= %(start)s AND r.created_at < %(end)s AND {_COUNTED_ORDER}
"""
# Counted orders whose first parcel to the customer shipped in the period.
_SHIPPED_ORDERS = f"""
SELECT o.id FROM orders_order o JOIN (
    SELECT order_id, min(shipped_at) AS first_shipped FROM tracking_shipment
    WHERE merchant_id = %(merchant)s AND direction = 'outbound' AND shipped_at IS NOT NULL GROUP BY order_id
) s ON s.order_id = o.id
WHERE o.merchant_id = %(merchant)s AND {_COUNTED_ORDER}
  AND s.first_shipped >= %(start)s AND s.first_shipped < %(end)s
"""  # noqa: S608 - only module constants are interpolated; values are parameters

_SHIPPED = f"""
SELECT count(DISTINCT li.order_id), coalesce(sum(li.quantity), 0)
FROM orders_lineitem li WHERE li.order_id IN ({_SHIPPED_ORDERS})
"""  # noqa: S608 - only module constants are interpolated; values are parameters

# Returned units per reason, and (the empty grouping set) all of them with the orders they came from.
_BY_REASON = f"""
SELECT grouping(i.reason), i.reason, sum(i.quantity), count(DISTINCT r.order_id)
FROM returns_returnitem i JOIN ({_RETURNS}) ON r.id = i.request_id
WHERE {_COUNTED_RETURNS}
GROUP BY GROUPING SETS ((i.reason), ())
"""  # noqa: S608 - only module constants are interpolated; values are parameters

# Units shipped and returned per product (its shop id, else its title) and per product type.
_PRODUCT_KEY = "coalesce(nullif(li.product_id, ''), 'title:' || li.title)"
_BY_PRODUCT = f"""
SELECT grouping(u.product), u.product, u.product_type, max(u.title), sum(u.shipped), sum(u.returned)
FROM (
    SELECT {_PRODUCT_KEY} AS product, li.product_type, li.title, li.quantity AS shipped, 0 AS returned
    FROM orders_lineitem li WHERE li.order_id IN ({_SHIPPED_ORDERS})
    UNION ALL
    SELECT {_PRODUCT_KEY}, li.product_type, li.title, 0, i.quantity
    FROM returns_returnitem i JOIN orders_lineitem li ON li.id = i.line_item_id JOIN ({_RETURNS}) ON r.id = i.request_id
    WHERE {_COUNTED_RETURNS}
) u
GROUP BY GROUPING SETS ((u.product), (u.product_type))
HAVING sum(u.returned) > 0
ORDER BY sum(u.returned) DESC, max(u.title), u.product_type
"""  # noqa: S608 - only module constants are interpolated; values are parameters

# Per currency and resolution: returns, their value and bonus, what came back of their exchange orders,
# the credit that expired unused (at most the return's value), and how many were offered an exchange.
_MONEY = f"""
SELECT r.currency, r.resolution, count(*), sum(r.items_amount), sum(r.bonus_amount),
       coalesce(sum(back.amount), 0), coalesce(sum(least(coalesce(-expired.amount, 0), r.items_amount)), 0),
       count(*) FILTER (WHERE r.offered_resolutions ?| %(exchanges)s)
FROM {_RETURNS}
LEFT JOIN LATERAL (
    SELECT sum(rr.items_amount) AS amount FROM orders_order eo JOIN returns_returnrequest rr ON rr.order_id = eo.id
    WHERE eo.merchant_id = %(merchant)s AND eo.exchange_for_rma = r.rma AND rr.status <> ALL(%(not_counted)s)
) back ON r.resolution = ANY(%(kept)s)
LEFT JOIN store_credit_entry expired
  ON expired.expires_credit_id = r.credit_entry_id AND expired.kind = 'expired' AND expired.created_at < %(now)s
WHERE {_COUNTED_RETURNS}
GROUP BY r.currency, r.resolution
"""  # noqa: S608 - only module constants are interpolated; values are parameters

_WEEKS = f"""
SELECT date_trunc('week', r.created_at AT TIME ZONE %(tz)s)::date, r.resolution, count(*)
FROM {_RETURNS} WHERE {_COUNTED_RETURNS}
GROUP BY 1, 2
"""  # noqa: S608 - only module constants are interpolated; values are parameters


@dataclass
class CurrencyFigures:
    currency: str
    value_returned: Decimal = Decimal(0)
    value_kept: Decimal = Decimal(0)
    bonus_given: Decimal = Decimal(0)
    exchanges_returned: Decimal = Decimal(0)
    credit_expired: Decimal = Decimal(0)

    @property
    def net_value_kept(self) -> Decimal:
        return self.value_kept - self.exchanges_returned - self.credit_expired

    @property
    def revenue_kept(self) -> Decimal | None:
        return ratio(self.value_kept, self.value_returned)

    @property
    def net_revenue_kept(self) -> Decimal | None:
        return ratio(self.net_value_kept, self.value_returned)


@dataclass
class Week:
    week: date  # its Monday, in the shop's calendar
    counts: dict[str, int]

    @property
    def returns(self) -> int:
        return sum(self.counts.values())

    def share(self, resolution: str) -> Decimal | None:
        return ratio(self.counts.get(resolution, 0), self.returns)


@dataclass
class ReturnFigures:
    period: Period
    orders_shipped: int = 0
    items_shipped: int = 0
    orders_returned: int = 0
    items_returned: int = 0
    by_reason: list[dict] = field(default_factory=list)
    by_product: list[dict] = field(default_factory=list)
    by_product_type: list[dict] = field(default_factory=list)
    money: dict[str, CurrencyFigures] = field(default_factory=dict)
    resolutions: dict[str, int] = field(default_factory=dict)
    weeks: list[Week] = field(default_factory=list)
    exchange_offered: int = 0
    exchange_taken: int = 0

    @property
    def item_return_rate(self) -> Decimal | None:
        return ratio(self.items_returned, self.items_shipped)

    @property
    def order_return_rate(self) -> Decimal | None:
        return ratio(self.orders_returned, self.orders_shipped)

    @property
    def exchange_conversion(self) -> Decimal | None:
        return ratio(self.exchange_taken, self.exchange_offered)

    @property
    def returns(self) -> int:
        return sum(self.resolutions.values())

    def resolution_share(self, resolution: str) -> Decimal | None:
        return ratio(self.resolutions.get(resolution, 0), self.returns)


def _rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _sql_rows(params: dict) -> tuple[tuple, list, list, list, list]:
    [shipped] = _rows(_SHIPPED, params)
    return shipped, *(_rows(sql, params) for sql in (_BY_REASON, _BY_PRODUCT, _MONEY, _WEEKS))


def return_figures(*, merchant, period: Period, now: datetime) -> ReturnFigures:
    """The returns figures of [period.start, period.end), as the returns, orders and wallets stand at `now`."""
    params = {
        "merchant": merchant.pk,
        "tz": str(merchant.tzinfo),
        "start": period.start,
        "end": period.end,
        "now": now,
        "not_counted": [ReturnStatus.REJECTED.value, ReturnStatus.CANCELLED.value],
        "kept": list(KEPT),
        "exchanges": list(EXCHANGES),
    }
    engine = _sql_rows if engines.on_postgresql() else small_shop_figures.figure_rows
    shipped, reasons, products, money, weeks = engine(params)
    figures = ReturnFigures(period)
    figures.orders_shipped, figures.items_shipped = shipped
    _reasons(figures, reasons)
    _products(figures, products)
    _money_rows(figures, money)
    _weeks(figures, weeks, merchant)
    return figures


def _reasons(figures: ReturnFigures, rows) -> None:
    reasons = []
    for total, reason, units, orders in rows:
        if total:  # the empty grouping set: every returned unit (none: a null sum)
            figures.items_returned, figures.orders_returned = int(units or 0), orders
        else:
            reasons.append((reason, int(units)))
    for reason, units in sorted(reasons, key=lambda pair: (-pair[1], pair[0])):
        figures.by_reason.append(
            {
                "reason": reason,
                "items": units,
                "share": ratio(units, figures.items_returned),
                "rate": ratio(units, figures.items_shipped),
            }
        )


def _products(figures: ReturnFigures, rows) -> None:
    for by_type, product, product_type, title, shipped, returned in rows:
        row = {"items_shipped": int(shipped), "items_returned": int(returned), "rate": ratio(returned, shipped)}
        if by_type:  # grouped by product type: the product column is the grouping's null
            if len(figures.by_product_type) < TOP_ROWS:
                figures.by_product_type.append({"product_type": product_type, **row})
        elif len(figures.by_product) < TOP_ROWS:
            shop_id = "" if product.startswith("title:") else product
            figures.by_product.append({"product_id": shop_id, "title": title, **row})


def _money_rows(figures: ReturnFigures, rows) -> None:
    for currency, resolution, count, value, bonus, came_back, expired, offered in rows:
        figures.resolutions[resolution] = figures.resolutions.get(resolution, 0) + count
        figures.exchange_offered += offered
        money = figures.money.setdefault(currency, CurrencyFigures(currency))
        money.value_returned += value
        if resolution in KEPT:
            money.value_kept += value
            money.bonus_given += bonus
            money.exchanges_returned += came_back
            money.credit_expired += expired
    figures.exchange_taken = _exchanges_taken(rows)
    for currency, money in figures.money.items():
        for name in ("value_returned", "value_kept", "bonus_given", "exchanges_returned", "credit_expired"):
            setattr(money, name, _money(getattr(money, name), currency))
    figures.money = dict(sorted(figures.money.items()))


def _exchanges_taken(rows) -> int:
    """Returns offered an exchange that took one: every return resolved as an exchange was offered it,
    except those asked before offers were recorded, which count in neither."""
    return sum(offered for _c, resolution, _n, _v, _b, _back, _e, offered in rows if resolution in EXCHANGES)


def _weeks(figures: ReturnFigures, rows, merchant) -> None:
    counts: dict[date, dict[str, int]] = defaultdict(dict)
    for week, resolution, count in rows:
        counts[week][resolution] = count
    first = figures.period.start.astimezone(merchant.tzinfo).date()
    last = (figures.period.end - timedelta(microseconds=1)).astimezone(merchant.tzinfo).date()
    week = first - timedelta(days=first.weekday())
    while week <= last:
        figures.weeks.append(Week(week, counts.get(week, {})))
        week += timedelta(days=7)
