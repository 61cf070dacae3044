"""The answers CSV: one row per answer, safe to open in a spreadsheet."""

from collections.abc import Iterable, Iterator

from core.spreadsheets import csv_rows, neutralised

COLUMNS = (
    "answered_at",
    "updated_at",
    "survey",
    "score",
    "comment",
    "second_question",
    "second_answer",
    "language",
    "order_number",
    "customer_email",
)


def answer_row(response) -> list[str]:
    order, customer = response.order, response.customer
    cells = (
        response.first_answered_at.isoformat(),
        response.updated_at.isoformat(),
        response.kind,
        response.score,
        response.comment,
        response.second_question,
        response.second_answer,
        response.language,
        order.number if order else "",
        (customer.email if customer else "") or (order.email if order else ""),
    )
    return [neutralised(cell) for cell in cells]


def csv_lines(answers: Iterable) -> Iterator[str]:
    return csv_rows(COLUMNS, (answer_row(response) for response in answers))
