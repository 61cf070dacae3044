"""The returns CSV: one row per returned item, safe to open in a spreadsheet."""

import csv
from collections.abc import Iterable, Iterator

from core.money import amount_str
from core.spreadsheets import neutralised

COLUMNS = (
    "rma",
    "created_at",
    "status",
    "order_number",
    "customer_email",
    "sku",
    "title",
    "quantity",
    "reason",
    "inspection",
    "method",
    "item_amount",
    "refund_amount",
    "currency",
)


def item_row(item) -> list[str]:
    request = item.request
    order = request.order
    email = (request.customer.email if request.customer else "") or order.email
    cells = (
        request.rma,
        request.created_at.isoformat(),
        request.status,
        order.number,
        email,
        item.line_item.sku,
        item.line_item.title,
        item.quantity,
        item.reason,
        item.inspection,
        request.method,
        amount_str(item.amount, request.currency),
        amount_str(request.refund_amount, request.currency),
        request.currency,
    )
    return [neutralised(cell) for cell in cells]


class _Echo:
    """A file-like object whose write() gives back the line: csv.writer then yields rows one at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(items: Iterable) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for item in items:
        yield writer.writerow(item_row(item))
