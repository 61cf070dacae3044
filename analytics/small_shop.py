"""The figures of docs/kpis.md computed in Python from rows read with the ORM: the engine of any
database but PostgreSQL (the SQLite demo, a small shop of a few thousand orders).

Same definitions, same shapes as the PostgreSQL SQL of kpis.py, charts.py, email.py and
delivery_promises.py (analytics/engine.py chooses). Each figure reads its rows in a handful of
queries whatever the number of orders, then counts in Python. The daily aggregate table is a
PostgreSQL speed-up and is not used here: everything is computed from the orders.
"""

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from core.ranges import Period
from core.scoping import merchant_scope
from merchants.models import Merchant
from orders.selectors import CountedOrder, counted_orders_of, counted_orders_with_refunds
from tracking.models import Shipment, ShipmentDirection

from .charts import Bar, week_bars
from .delivery_promises import CarrierPromises, DeliveryPromises, transit_rounded
from .kpis import REPURCHASE_WINDOWS, Cohort, cohort_of, money_per, ratio


def _histories(orders: list[CountedOrder], before: datetime) -> dict[int, list[CountedOrder]]:
    """Each customer's counted orders placed before `before`, first first."""
    histories = defaultdict(list)
    for order in orders:
        if order.customer_id is not None and order.placed_at < before:
            histories[order.customer_id].append(order)
    return histories


def _in(period: Period, moment: datetime) -> bool:
    return period.start <= moment < period.end


# --- Order KPIs (kpis.py) ----------------------------------------------------------------------------


def orders_and_net_revenue(merchant: Merchant, period: Period, as_of: datetime) -> tuple[dict, dict]:
    return _orders_and_net(counted_orders_with_refunds(merchant, period.start, period.end), as_of)


def _orders_and_net(orders: list[CountedOrder], as_of: datetime) -> tuple[dict, dict]:
    counts: Counter = Counter()
    net: dict[str, Decimal] = defaultdict(Decimal)
    for order in orders:
        counts[order.currency] += 1
        net[order.currency] += order.net(as_of)
    return dict(counts), dict(net)


def period_kpis(merchant: Merchant, period: Period, as_of: datetime, *, clv_as_of: datetime | None = None) -> dict:
    """kpis.period_kpis in Python: every order KPI of the period as of as_of, from one read of the orders."""
    known = Period(period.start, min(period.end, as_of))
    clv_at = clv_as_of or as_of
    orders = counted_orders_with_refunds(merchant, None, max(as_of, clv_at))
    counts, net = _orders_and_net([order for order in orders if _in(known, order.placed_at)], as_of)
    customers = {order.customer_id for order in orders if _in(known, order.placed_at) and order.customer_id}
    so_far = _histories(orders, known.end)
    repeaters = sum(1 for customer in customers if len(so_far[customer]) >= 2)
    repurchase = _repurchase_rates(_histories(orders, as_of), known, as_of)
    total = sum(counts.values())
    return {
        "orders": total,
        "customers": len(customers),
        "repeat_rate": ratio(repeaters, len(customers)),
        "purchase_frequency": ratio(total, len(customers)),
        "aov": money_per(net, counts),
        "repurchase_30": repurchase[30],
        "repurchase_90": repurchase[90],
        "historical_clv": _historical_clv(orders, clv_at),
    }


def _repurchase_rates(histories: dict, period: Period, as_of: datetime) -> dict[int, Decimal | None]:
    """The customers whose first order was in P and `days` before as_of; the share whose second came
    within `days` of the first."""
    rates = {}
    for days in REPURCHASE_WINDOWS:
        window = timedelta(days=days)
        cohort = [
            own for own in histories.values() if _in(period, own[0].placed_at) and own[0].placed_at <= as_of - window
        ]
        again = sum(1 for own in cohort if len(own) > 1 and own[1].placed_at <= own[0].placed_at + window)
        rates[days] = ratio(again, len(cohort))
    return rates


def _historical_clv(orders: list[CountedOrder], as_of: datetime) -> dict[str, Decimal] | None:
    net: dict[str, Decimal] = defaultdict(Decimal)
    buyers: dict[str, set] = defaultdict(set)
    for order in orders:
        if order.customer_id is not None and order.placed_at < as_of:
            net[order.currency] += order.net(as_of)
            buyers[order.currency].add(order.customer_id)
    return money_per(net, {currency: len(customers) for currency, customers in buyers.items()})


def cohorts(merchant: Merchant, period: Period, as_of: datetime) -> list[Cohort]:
    """kpis.cohorts in Python: customers by the month of their first counted order placed in the period."""
    tz = merchant.tzinfo
    first_orders = Period(period.start, min(period.end, as_of))
    buyers: dict[date, dict[int, set]] = defaultdict(lambda: defaultdict(set))
    revenue: dict[date, dict[int, dict]] = defaultdict(lambda: defaultdict(lambda: defaultdict(Decimal)))
    for customer, own in _histories(counted_orders_with_refunds(merchant, None, as_of), as_of).items():
        if not _in(first_orders, own[0].placed_at):
            continue
        month = own[0].placed_at.astimezone(tz).date().replace(day=1)
        for order in own:
            day = order.placed_at.astimezone(tz).date()
            k = (day.year - month.year) * 12 + day.month - month.month
            buyers[month][k].add(customer)
            revenue[month][k][order.currency] += order.net(as_of)
    last = as_of.astimezone(tz).date()
    return [
        cohort_of(month, {k: len(who) for k, who in buyers[month].items()}, revenue[month], last)
        for month in sorted(buyers)
    ]


# --- Predicted CLV's customer summaries (clv.py) ----------------------------------------------------

WEEK_SECONDS = 7 * 24 * 3600


def customer_summary_rows(merchant: Merchant, cutoff: datetime, until: datetime) -> list[tuple]:
    """clv.py's summary per customer and currency with a counted order before cutoff, by currency:
    (currency, repeat orders, weeks first to last, weeks first to cutoff, mean net value of the repeat
    orders as of cutoff, net revenue of the orders placed in [cutoff, until) as of until)."""
    own_orders = defaultdict(list)
    for order in counted_orders_with_refunds(merchant, None, until):
        if order.customer_id is not None:
            own_orders[order.customer_id, order.currency].append(order)
    rows = []
    for (_customer, currency), own in own_orders.items():
        before = [order for order in own if order.placed_at < cutoff]
        if not before:
            continue
        repeats = len(before) - 1
        repeat_net = sum((order.net(cutoff) for order in before[1:]), Decimal(0))
        first, last = before[0].placed_at, before[-1].placed_at
        rows.append(
            (
                currency,
                repeats,
                (last - first).total_seconds() / WEEK_SECONDS,
                (cutoff - first).total_seconds() / WEEK_SECONDS,
                float(repeat_net / repeats) if repeats else 0.0,
                float(sum((order.net(until) for order in own if order.placed_at >= cutoff), Decimal(0))),
            )
        )
    return sorted(rows, key=lambda row: row[0])


# --- Weekly bars (charts.py) -------------------------------------------------------------------------


def weekly_orders(merchant: Merchant, first: date, last: date) -> list[Bar]:
    """charts.weekly_orders in Python: counted orders per week (Monday first) of the shop's days [first, last)."""
    tz = merchant.tzinfo
    start, end = datetime.combine(first, time(), tz), datetime.combine(last, time(), tz)
    with merchant_scope(merchant):
        placed = (
            counted_orders_of(merchant)
            .filter(placed_at__gte=start, placed_at__lt=end)
            .values_list("placed_at", flat=True)
        )
        days = [moment.astimezone(tz).date() for moment in placed]
    return week_bars(first, last, Counter(day - timedelta(days=day.weekday()) for day in days))


# --- Delivery promises (delivery_promises.py) -------------------------------------------------------


def _weekdays_to(day: date) -> int:
    """Weekdays from Monday 1900-01-01 up to and including the day, as the SQL counts them."""
    days = (day - date(1900, 1, 1)).days
    return 5 * (days // 7) + min(days % 7 + 1, 5)


def _percentile(values: list[int], share: float) -> float | None:
    """PostgreSQL's percentile_cont: linear interpolation between the two nearest ranks."""
    if not values:
        return None
    values = sorted(values)
    rank = share * (len(values) - 1)
    low = int(rank)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (rank - low)


def delivery_promises(merchant: Merchant, period: Period) -> DeliveryPromises:
    """delivery_promises.delivery_promises in Python: one query for the parcels delivered in the period."""
    tz = merchant.tzinfo
    with merchant_scope(merchant):
        parcels = Shipment.objects.filter(
            merchant=merchant,
            direction=ShipmentDirection.OUTBOUND,
            cancelled_at__isnull=True,
            delivered_at__gte=period.start,
            delivered_at__lt=period.end,
            order__test=False,
        ).values_list("carrier", "shipped_at", "delivered_at", "promised_delivery_to")
        by_carrier = defaultdict(list)
        for carrier, shipped_at, delivered_at, promised_to in parcels:
            delivered_on = delivered_at.astimezone(tz).date()
            shipped_on = shipped_at.astimezone(tz).date() if shipped_at else None
            transit = (
                _weekdays_to(delivered_on) - _weekdays_to(shipped_on)
                if shipped_on and shipped_on <= delivered_on
                else None
            )
            on_time = promised_to is not None and delivered_on <= promised_to
            by_carrier[carrier or ""].append((promised_to is not None, on_time, transit))
    carriers = [_promises(carrier, rows) for carrier, rows in by_carrier.items()]
    total = _promises("", [row for rows in by_carrier.values() for row in rows])
    carriers.sort(key=lambda row: (-row.delivered, row.name.casefold()))
    return DeliveryPromises(carriers=carriers, total=total)


def _promises(carrier: str, rows: list[tuple]) -> CarrierPromises:
    transits = [transit for _promised, _on_time, transit in rows if transit is not None]
    return CarrierPromises(
        carrier,
        len(rows),
        sum(promised for promised, _on_time, _transit in rows),
        sum(on_time for _promised, on_time, _transit in rows),
        transit_rounded(_percentile(transits, 0.5)),
        transit_rounded(_percentile(transits, 0.9)),
    )
