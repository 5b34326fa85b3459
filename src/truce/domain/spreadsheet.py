"""CSV that a spreadsheet opens as it is: UTF-8 with a byte order mark, no formulas.

Excel reads a CSV file without a byte order mark in the machine's legacy code page, so Arabic
and Russian names come out as mojibake; with it, as UTF-8. A cell that starts with = + - or @
(or a tab or carriage return) is run as a formula by spreadsheets, so such text is written with
a leading apostrophe, as OWASP advises against CSV injection.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | bool | datetime | None


def safe_cell(value: Cell) -> str | int | float:
    """A value as a cell: text that a spreadsheet would run as a formula is quoted with '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float):
        return value
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], rows_per_chunk: int = 500
) -> Iterator[bytes]:
    """The CSV file, BOM and header first, in UTF-8 chunks of a few hundred rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180: CRLF line ends, quotes only where needed
    buffer.write(BOM)
    writer.writerow(header)
    for number, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(value) for value in row])
        if number % rows_per_chunk == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")
