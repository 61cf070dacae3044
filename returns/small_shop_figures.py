"""The returns figures' rows computed in Python, for databases other than PostgreSQL (SQLite: the demo).

The same definitions as the SQL of returns/figures.py (docs/kpis.md, "Returns"), giving the same rows
that SQL gives, from five ORM reads whatever the period: the line items of the orders shipped in it,
the items of its counted returns, those returns, what came back of their exchange orders, and the
credit of theirs that expired. Fine for a small shop's history; PostgreSQL aggregates it in place.
"""

from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Min

from core.scoping import merchant_scope
from orders.models import LineItem, Order
from store_credit.models import Entry
from tracking.models import Shipment

from .models import ReturnItem, ReturnRequest


def figure_rows(params: dict) -> tuple[tuple, list, list, list, list]:
    """(shipped, by reason, by product, money, weeks): the rows of the five SQL queries, as they give them."""
    with merchant_scope(params["merchant"]):
        counted = _counted_returns(params)
        shipped_lines = list(
            LineItem.objects.filter(order__in=_shipped_orders(params)).values_list(
                "order_id", "product_id", "title", "product_type", "quantity"
            )
        )
        returned_items = list(
            ReturnItem.objects.filter(request__in=counted).values_list(
                "request__order_id", "reason", "quantity", "line_item__product_id", "line_item__title",
                "line_item__product_type",
            )
        )  # fmt: skip
        returns = list(
            counted.values_list(
                "rma", "currency", "resolution", "items_amount", "bonus_amount", "credit_entry_id",
                "offered_resolutions", "created_at",
            )
        )  # fmt: skip
        came_back = _exchange_orders_returned(params, counted)
        expired = dict(
            Entry.objects.filter(
                kind="expired", created_at__lt=params["now"], expires_credit__in=counted.values("credit_entry_id")
            ).values_list("expires_credit_id", "amount")
        )
    return (
        (len({line[0] for line in shipped_lines}), sum(line[4] for line in shipped_lines)),
        _reason_rows(returned_items),
        _product_rows(shipped_lines, returned_items),
        _money_rows(params, returns, came_back, expired),
        _week_rows(params, returns),
    )


def _counted_orders(params: dict):
    return Order.objects.filter(merchant=params["merchant"], cancelled_at=None, test=False, exchange_for_rma="")


def _counted_returns(params: dict):
    return ReturnRequest.objects.filter(
        merchant=params["merchant"],
        created_at__gte=params["start"],
        created_at__lt=params["end"],
        order__in=_counted_orders(params),
    ).exclude(status__in=params["not_counted"])


def _shipped_orders(params: dict):
    """Counted orders whose first parcel to the customer shipped in the period."""
    first_shipped = (
        Shipment.all_directions.filter(merchant=params["merchant"], direction="outbound", shipped_at__isnull=False)
        .values("order_id")
        .annotate(first=Min("shipped_at"))
        .filter(first__gte=params["start"], first__lt=params["end"])
        .values("order_id")
    )
    return _counted_orders(params).filter(pk__in=first_shipped)


def _exchange_orders_returned(params: dict, counted) -> dict[str, Decimal]:
    """Per RMA kept as an exchange or credit: the value of the counted-status returns of its exchange orders."""
    kept_rmas = counted.filter(resolution__in=params["kept"]).values("rma")
    rows = (
        ReturnRequest.objects.filter(order__merchant=params["merchant"], order__exchange_for_rma__in=kept_rmas)
        .exclude(status__in=params["not_counted"])
        .values_list("order__exchange_for_rma", "items_amount")
    )
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    for rma, amount in rows:
        amounts[rma] += amount
    return amounts


def _reason_rows(items: list[tuple]) -> list[tuple]:
    """Per reason its units, then the total row: every unit and the orders they came from."""
    units: Counter = Counter()
    for _order, reason, quantity, *_line in items:
        units[reason] += quantity
    total = (1, None, sum(units.values()) or None, len({item[0] for item in items}))
    return [(0, reason, count, None) for reason, count in units.items()] + [total]


def _product_rows(shipped_lines: list[tuple], returned_items: list[tuple]) -> list[tuple]:
    """Per product (its shop id, else its title) and per product type: max title, shipped, returned."""
    units: dict[tuple, list] = {}  # (is a type, key) → [max title, shipped, returned]

    def add(product_id, title, product_type, shipped, returned):
        product = product_id or f"title:{title}"
        for group in ((0, product), (1, product_type)):
            row = units.setdefault(group, [title, 0, 0])
            row[0], row[1], row[2] = max(row[0], title), row[1] + shipped, row[2] + returned

    for _order, product_id, title, product_type, quantity in shipped_lines:
        add(product_id, title, product_type, quantity, 0)
    for _order, _reason, quantity, product_id, title, product_type in returned_items:
        add(product_id, title, product_type, 0, quantity)
    rows = [
        (is_type, None if is_type else key, key if is_type else None, title, shipped, returned)
        for (is_type, key), (title, shipped, returned) in units.items()
        if returned > 0
    ]
    return sorted(rows, key=lambda row: (-row[5], row[3], row[2] is None, row[2] or ""))


def _money_rows(params: dict, returns: list[tuple], came_back: dict, expired: dict) -> list[tuple]:
    """Per currency and resolution: returns, value, bonus, value back from exchange orders, credit expired
    (at most the return's value), returns offered an exchange."""
    sums: dict[tuple, list] = {}
    for rma, currency, resolution, value, bonus, credit_id, offered, _created in returns:
        row = sums.setdefault((currency, resolution), [0, Decimal(0), Decimal(0), Decimal(0), Decimal(0), 0])
        row[0] += 1
        row[1] += value
        row[2] += bonus
        if resolution in params["kept"]:
            row[3] += came_back.get(rma, Decimal(0))
        if credit_id in expired:
            row[4] += min(-expired[credit_id], value)
        row[5] += bool(set(offered or ()) & set(params["exchanges"]))
    return [(currency, resolution, *row) for (currency, resolution), row in sums.items()]


def _week_rows(params: dict, returns: list[tuple]) -> list[tuple]:
    """(Monday in the shop's calendar, resolution, returns) per week and resolution."""
    tz = ZoneInfo(params["tz"])
    counts: Counter = Counter()
    for _rma, _currency, resolution, _value, _bonus, _credit, _offered, created in returns:
        day = created.astimezone(tz).date()
        counts[(day - timedelta(days=day.weekday()), resolution)] += 1
    return [(week, resolution, count) for (week, resolution), count in counts.items()]
