"""The order KPIs of docs/kpis.md for a period, as SQL aggregates.

Orders and net revenue come from the daily table for the period's whole days and from the orders for
its partial days at either edge; distinct customers, repeat rate, repurchase, CLV and cohorts, which
cannot be summed from days, are exact SQL over the orders. Refunds count when recorded before `as_of`.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection

from core.figures import money, ratio
from core.ranges import Period
from merchants.models import Merchant

from .aggregates import COUNTED, shop_is_built

REPURCHASE_WINDOWS = (30, 90)


def money_per(totals: dict[str, Decimal], counts: dict[str, int]) -> dict[str, Decimal] | None:
    """Each currency's amount divided by its own count; None when there is nothing to divide."""
    shares = {cur: money(totals[cur] / counts[cur], cur) for cur in sorted(totals) if counts.get(cur)}
    return shares or None


def _midnight(day: date, merchant: Merchant) -> datetime:
    return datetime.combine(day, time(), merchant.tzinfo)


def sql_rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Counted orders placed in one or two ranges (the partial days), per currency; refunds: all recorded.
_EDGE_ORDERS = f"""
SELECT o.currency, count(*), sum(o.total) - coalesce(sum(r.refunded), 0)
FROM orders_order o
LEFT JOIN (SELECT order_id, sum(amount) AS refunded FROM orders_refund WHERE merchant_id = %(merchant)s
           GROUP BY order_id) r ON r.order_id = o.id
WHERE o.merchant_id = %(merchant)s AND {COUNTED}
  AND ((o.placed_at >= %(a1)s AND o.placed_at < %(b1)s) OR (o.placed_at >= %(a2)s AND o.placed_at < %(b2)s))
GROUP BY o.currency
"""  # noqa: S608 - only module constants are interpolated; values are parameters
_DAILY = """
SELECT currency, sum(orders), sum(gross - refunded) FROM analytics_dailyorderaggregate
WHERE merchant_id = %(merchant)s AND day >= %(first)s AND day < %(last)s GROUP BY currency
"""
# Refunds recorded at or after as_of on the period's orders: counted above, not yet recorded as of as_of.
_LATER_REFUNDS = f"""
SELECT o.currency, sum(r.amount) FROM orders_refund r JOIN orders_order o ON o.id = r.order_id
WHERE r.merchant_id = %(merchant)s AND r.refunded_at >= %(as_of)s AND {COUNTED}
  AND o.placed_at >= %(start)s AND o.placed_at < %(end)s
GROUP BY o.currency
"""  # noqa: S608 - only module constants are interpolated; values are parameters


def orders_and_net_revenue(merchant: Merchant, period: Period, as_of: datetime) -> tuple[dict, dict]:
    """({currency: counted orders}, {currency: net revenue as of as_of}) of orders placed in the period."""
    counts: dict[str, int] = defaultdict(int)
    net: dict[str, Decimal] = defaultdict(Decimal)
    params = {"merchant": merchant.pk, "start": period.start, "end": period.end, "as_of": as_of}
    rows = []
    first, last = _whole_days(merchant, period)
    if first < last and shop_is_built(merchant):
        rows += sql_rows(_DAILY, params | {"first": first, "last": last})
        edges = {"a1": period.start, "b1": _midnight(first, merchant)}
        edges |= {"a2": _midnight(last, merchant), "b2": period.end}
    else:
        edges = {"a1": period.start, "b1": period.end, "a2": period.end, "b2": period.end}
    rows += sql_rows(_EDGE_ORDERS, params | edges)
    rows += [(cur, 0, amount) for cur, amount in sql_rows(_LATER_REFUNDS, params)]
    for currency, count, amount in rows:
        counts[currency] += int(count)
        net[currency] += amount
    return dict(counts), {cur: amount for cur, amount in net.items() if counts[cur]}


def _whole_days(merchant: Merchant, period: Period) -> tuple[date, date]:
    """[first, last): the days lying wholly inside the period, in the shop's time zone."""
    start = period.start.astimezone(merchant.tzinfo)
    first = start.date() if start.time() == time() else start.date() + timedelta(days=1)
    return first, period.end.astimezone(merchant.tzinfo).date()


# One pass over each customer's counted orders before as_of, in order: whether they ordered in P, how many
# orders they had placed before end(P), and their first and second orders (the repurchase cohort).
_CUSTOMER_FIGURES = f"""
WITH ranked AS (
  SELECT o.placed_at, row_number() OVER in_order AS n, lead(o.placed_at) OVER in_order AS next_at,
         count(*) FILTER (WHERE o.placed_at < %(end)s) OVER customer AS before_end,
         bool_or(o.placed_at >= %(start)s AND o.placed_at < %(end)s) OVER customer AS in_period
  FROM orders_order o
  WHERE o.merchant_id = %(merchant)s AND {COUNTED} AND o.customer_id IS NOT NULL AND o.placed_at < %(as_of)s
  WINDOW customer AS (PARTITION BY o.customer_id), in_order AS (customer ORDER BY o.placed_at, o.id)
), customers AS (
  SELECT before_end, in_period, placed_at AS first_at, next_at AS second_at,
         placed_at >= %(start)s AND placed_at < %(end)s AS new_in_period
  FROM ranked WHERE n = 1
)
SELECT count(*) FILTER (WHERE in_period),
       count(*) FILTER (WHERE in_period AND before_end >= 2),
       count(*) FILTER (WHERE new_in_period AND first_at <= %(as_of)s - interval '30 days'),
       count(*) FILTER (WHERE new_in_period AND first_at <= %(as_of)s - interval '30 days'
                          AND second_at <= first_at + interval '30 days'),
       count(*) FILTER (WHERE new_in_period AND first_at <= %(as_of)s - interval '90 days'),
       count(*) FILTER (WHERE new_in_period AND first_at <= %(as_of)s - interval '90 days'
                          AND second_at <= first_at + interval '90 days')
FROM customers
"""  # noqa: S608 - only module constants are interpolated; values are parameters


@dataclass
class CustomerFigures:
    customers: int  # customers(P)
    repeaters: int  # of them, those with at least 2 counted orders placed before end(P)
    repurchase: dict[int, Decimal | None]  # {30: repurchase_30(P), 90: repurchase_90(P)}; None: empty cohort


def customer_figures(merchant: Merchant, period: Period, as_of: datetime) -> CustomerFigures:
    """The figures of P that count customers rather than orders; P ends at as_of at the latest."""
    params = {"merchant": merchant.pk, "start": period.start, "end": period.end, "as_of": as_of}
    customers, repeaters, cohort_30, again_30, cohort_90, again_90 = sql_rows(_CUSTOMER_FIGURES, params)[0]
    return CustomerFigures(customers, repeaters, {30: ratio(again_30, cohort_30), 90: ratio(again_90, cohort_90)})


# Net revenue as of as_of: refunds recorded before as_of only.
_NET_AS_OF = """LEFT JOIN (SELECT order_id, sum(amount) AS refunded FROM orders_refund
           WHERE merchant_id = %(merchant)s AND refunded_at < %(as_of)s GROUP BY order_id) r ON r.order_id = o.id"""
_CLV = f"""
SELECT o.currency, count(DISTINCT o.customer_id), sum(o.total) - coalesce(sum(r.refunded), 0)
FROM orders_order o {_NET_AS_OF}
WHERE o.merchant_id = %(merchant)s AND {COUNTED} AND o.customer_id IS NOT NULL AND o.placed_at < %(as_of)s
GROUP BY o.currency
"""  # noqa: S608 - only module constants are interpolated; values are parameters


def historical_clv(merchant: Merchant, as_of: datetime) -> dict[str, Decimal] | None:
    rows = sql_rows(_CLV, {"merchant": merchant.pk, "as_of": as_of})
    return money_per({cur: net for cur, _, net in rows}, {cur: customers for cur, customers, _ in rows})


def period_kpis(merchant: Merchant, period: Period, as_of: datetime, *, clv_as_of: datetime | None = None) -> dict:
    """Every order KPI of the period as of as_of (as_of clips the period's end: later orders are unknown).

    historical_clv depends on its moment only: `clv_as_of` (default as_of) sets it, so that a previous
    period shows the CLV as it stood when that period ended.
    """
    known = Period(period.start, min(period.end, as_of))
    counts, net = orders_and_net_revenue(merchant, known, as_of)
    people = customer_figures(merchant, known, as_of)
    orders = sum(counts.values())
    return {
        "orders": orders,
        "customers": people.customers,
        "repeat_rate": ratio(people.repeaters, people.customers),
        "purchase_frequency": ratio(orders, people.customers),
        "aov": money_per(net, counts),
        "repurchase_30": people.repurchase[30],
        "repurchase_90": people.repurchase[90],
        "historical_clv": historical_clv(merchant, clv_as_of or as_of),
    }


# Per cohort month (the month of the customer's first counted order, shop's time zone) and month
# index k (0 = that month): distinct customers who ordered in month k, and net revenue per currency.
_COHORTS = f"""
WITH firsts AS (
  SELECT o.customer_id, date_trunc('month', min(o.placed_at) AT TIME ZONE %(tz)s)::date AS month
  FROM orders_order o
  WHERE o.merchant_id = %(merchant)s AND {COUNTED} AND o.customer_id IS NOT NULL AND o.placed_at < %(as_of)s
  GROUP BY o.customer_id
  HAVING min(o.placed_at) >= %(start)s AND min(o.placed_at) < %(end)s
), activity AS (
  SELECT f.month, f.customer_id, o.currency, o.total - coalesce(r.refunded, 0) AS net,
         (extract(year FROM o.placed_at AT TIME ZONE %(tz)s) - extract(year FROM f.month)) * 12
         + extract(month FROM o.placed_at AT TIME ZONE %(tz)s) - extract(month FROM f.month) AS k
  FROM firsts f
  JOIN orders_order o ON o.customer_id = f.customer_id AND o.merchant_id = %(merchant)s
  {_NET_AS_OF}
  WHERE {COUNTED} AND o.placed_at < %(as_of)s
)
SELECT month, k::int, currency, count(DISTINCT customer_id), sum(net), grouping(currency)
FROM activity GROUP BY GROUPING SETS ((month, k), (month, k, currency))
ORDER BY 1, 2
"""  # noqa: S608 - only module constants are interpolated; values are parameters


@dataclass
class Cohort:
    month: date
    customers: int
    # months[k]: share of the cohort who ordered in month k (k >= 1) and cumulative net revenue
    # per customer to the end of month k, per currency. Month 0 is the month of the first orders.
    months: list[dict]


def cohorts(merchant: Merchant, period: Period, as_of: datetime) -> list[Cohort]:
    """Cohorts of customers whose first counted order was placed in the period, up to as_of's month."""
    params = {"merchant": merchant.pk, "tz": merchant.time_zone, "as_of": as_of}
    rows = sql_rows(_COHORTS, params | {"start": period.start, "end": min(period.end, as_of)})
    buyers: dict[date, dict[int, int]] = defaultdict(dict)
    revenue: dict[date, dict[int, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for month, k, currency, customers, net, all_currencies in rows:
        if all_currencies:
            buyers[month][k] = customers
        else:
            revenue[month][k][currency] = net
    last = as_of.astimezone(merchant.tzinfo).date()
    return [cohort_of(month, buyers[month], revenue[month], last) for month in sorted(buyers)]


def cohort_of(month: date, buyers: dict[int, int], revenue: dict, last: date) -> Cohort:
    size = buyers[0]
    span = (last.year - month.year) * 12 + last.month - month.month
    cumulative: dict[str, Decimal] = defaultdict(Decimal)
    months = []
    for k in range(span + 1):  # the cohort's months, not its orders
        for currency, net in revenue.get(k, {}).items():
            cumulative[currency] += net
        months.append(
            {
                "month": k,
                "ordered_again": ratio(buyers.get(k, 0), size) if k else None,
                "revenue_per_customer": {cur: money(total / size, cur) for cur, total in sorted(cumulative.items())},
            }
        )
    return Cohort(month, size, months)
