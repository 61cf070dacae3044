"""CSV exports that are safe to open in a spreadsheet."""

import csv
from collections.abc import Iterable, Iterator

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value) -> str:
    """The cell as text, prefixed with an apostrophe when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file-like object whose write() gives back the line: csv.writer then yields rows one at a time."""

    def write(self, value: str) -> str:
        return value


def csv_rows(columns: Iterable[str], rows: Iterable[list[str]]) -> Iterator[str]:
    """The header, then each row, as CSV lines."""
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    for row in rows:
        yield writer.writerow(row)
