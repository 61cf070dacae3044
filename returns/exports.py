"""The returns CSV: one row per returned item, safe to open in a spreadsheet."""

from collections.abc import Iterable, Iterator

from core.money import amount_str
from core.spreadsheets import csv_rows, neutralised

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
    "resolution",
    "credit_amount",
    "bonus_amount",
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
        request.resolution,
        amount_str(request.credit_amount, request.currency),
        amount_str(request.bonus_amount, request.currency),
        request.currency,
    )
    return [neutralised(cell) for cell in cells]


def csv_lines(items: Iterable) -> Iterator[str]:
    return csv_rows(COLUMNS, (item_row(item) for item in items))
