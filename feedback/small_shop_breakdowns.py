"""The CSAT breakdowns' rows computed in Python, for databases other than PostgreSQL (SQLite: the demo).

The same definitions as the SQL of feedback/dashboard.py (docs/kpis.md, "Feedback"), giving the same
rows that SQL gives, from two ORM reads per breakdown whatever the answers: the CSAT answers of the
period and of the one before, and the groups of their orders (line items or parcels).
"""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from core.scoping import merchant_scope
from orders.models import LineItem
from tracking.models import Shipment

from .models import Kind, Response


def breakdown_rows(*, merchant, previous: datetime, start: datetime, end: datetime, by: str) -> list[tuple]:
    """(group, in the period rather than the one before, answers, answers of 4–5, mean) per group and period."""
    with merchant_scope(merchant):
        answers = Response.objects.filter(
            merchant=merchant, kind=Kind.CSAT, first_answered_at__gte=previous, first_answered_at__lt=end
        ).order_by()
        groups = GROUPS_OF_ORDERS[by](merchant, answers.values("order_id"))
        tallies: dict[tuple, list] = defaultdict(lambda: [0, 0, 0])  # answers, of 4–5, sum of scores
        for order_id, score, answered_at in answers.values_list("order_id", "score", "first_answered_at"):
            for group in groups.get(order_id) or {""}:
                tally = tallies[(group, answered_at >= start)]
                tally[0] += 1
                tally[1] += score >= 4
                tally[2] += score
    return [
        (group, current, n, satisfied, Decimal(total) / n)
        for (group, current), (n, satisfied, total) in tallies.items()
    ]


def _parcels(merchant, orders):
    """The order's parcels to the customer, the cancelled ones left out."""
    return Shipment.all_directions.filter(
        merchant=merchant, direction="outbound", cancelled_at=None, order_id__in=orders
    ).order_by()


def _product_types(merchant, orders) -> dict[int, set[str]]:
    """The distinct product types of each order's line items, trimmed as PostgreSQL's trim() does."""
    types = defaultdict(set)
    for order_id, product_type in LineItem.objects.filter(merchant=merchant, order_id__in=orders).values_list(
        "order_id", "product_type"
    ):
        types[order_id].add(product_type.strip(" "))
    return types


def _carriers(merchant, orders) -> dict[int, set[str]]:
    carriers = defaultdict(set)
    for order_id, carrier in _parcels(merchant, orders).values_list("order_id", "carrier"):
        carriers[order_id].add(carrier)
    return carriers


def _promises(merchant, orders) -> dict[int, set[str]]:
    """Late when a delivered parcel with a window arrived (its day in the shop's time zone) after the
    window's last day; on time when all of them arrived by it; orders without such a parcel: none."""
    late: dict[int, bool] = {}
    parcels = _parcels(merchant, orders).filter(delivered_at__isnull=False, estimated_delivery_to__isnull=False)
    for order_id, delivered_at, last_day in parcels.values_list("order_id", "delivered_at", "estimated_delivery_to"):
        arrived_late = delivered_at.astimezone(merchant.tzinfo).date() > last_day
        late[order_id] = late.get(order_id, False) or arrived_late
    return {order_id: {"late" if was_late else "on_time"} for order_id, was_late in late.items()}


GROUPS_OF_ORDERS = {"product_type": _product_types, "carrier": _carriers, "promise": _promises}
