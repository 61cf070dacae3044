"""The baseline CSV: every bad line named, nothing imported unless all are good."""

from datetime import date

import pytest

from support.baseline_csv import BaselineCsvError, baseline_csv_parse
from support.services import WeekInput

GOOD = b"week,wismo_tickets,orders_shipped\n2026-01-05,41,1180\n2026-W03,38,1102\n"


def test_a_good_file():
    assert baseline_csv_parse(GOOD) == [
        WeekInput(date(2026, 1, 5), 41, 1180),
        WeekInput(date(2026, 1, 12), 38, 1102),
    ]


def test_semicolons_and_a_byte_order_mark_as_spreadsheets_write_them():
    content = "\ufeffweek;wismo_tickets;orders_shipped\r\n2026-01-05;41;1180\r\n".encode()
    assert baseline_csv_parse(content) == [WeekInput(date(2026, 1, 5), 41, 1180)]


def errors_of(content: bytes) -> list[str]:
    with pytest.raises(BaselineCsvError) as refused:
        baseline_csv_parse(content)
    return refused.value.errors


def test_every_bad_line_is_named():
    content = (
        b"week,wismo_tickets,orders_shipped\n"
        b"2026-01-05,41,1180\n"
        b"2026-01-07,3,100\n"
        b"last week,3,100\n"
        b"2026-01-12,-2,100\n"
        b"2026-01-19,4\n"
        b"2026-01-05,1,10\n"
    )
    assert errors_of(content) == [
        "Line 3: 2026-01-07 is not a Monday: give the Monday the week starts on, or 2026-W05.",
        "Line 4: week “last week” is not a date like 2026-02-02 or a week like 2026-W05.",
        "Line 5: wismo_tickets must be a whole number of 0 or more, not “-2”.",
        "Line 6: expected 3 columns (week, wismo_tickets, orders_shipped), found 2.",
        "Line 7: the week of 2026-01-05 is already on line 2.",
    ]


@pytest.mark.parametrize(
    "content, error",
    [
        (b"", "The file is empty"),
        (b"date,tickets,orders\n2026-01-05,1,2\n", "Line 1: the columns must be"),
        (b"week,wismo_tickets,orders_shipped\n", "no weeks"),
        ("week,wismo_tickets,orders_shipped\n2026-01-05,1,2\n".encode("utf-16"), "not UTF-8"),
        (b"week,wismo_tickets,orders_shipped\n2026-01-05,5000,2\n", "columns swapped"),
    ],
)
def test_files_that_cannot_be_read(content, error):
    assert error in " ".join(errors_of(content))
