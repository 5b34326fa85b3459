"""Reading a CSV file as a stream of numbered rows, with how far into the file each one is.

Row numbers count data rows from 1 (the header is row 0), so "row 17" is the 17th record
whatever newlines its quoted fields hold. The file is read as UTF-8 (a byte-order mark is
skipped); bytes that are not UTF-8 are kept as escapes, and the row holding them is rejected
rather than the whole file. A row with more or fewer values than the header is rejected too.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from truce.domain.i18n import N_
from truce.domain.reports import Problem, ReportDraft

HASH_CHUNK = 1 << 20
_ESCAPED = re.compile("[\udc80-\udcff]")  # a byte that was not UTF-8, kept as an escape
# Fields as long as a report's text may be, and some (ACLED notes, UCDP articles) are long.
csv.field_size_limit(min(sys.maxsize, 1 << 28))


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Row:
    """One record of the file: its number and its values by column."""

    number: int
    values: dict[str, str]
    cells: list[str]  # as read, for the rejects file


class _Counting(io.RawIOBase):
    """A binary stream that counts the bytes read through it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


class CsvFile:
    """A CSV file opened for reading: its header, then its rows, streamed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size
        self._raw = path.open("rb")
        self._counting = _Counting(self._raw)
        self._text = io.TextIOWrapper(
            io.BufferedReader(self._counting, 1 << 16),
            encoding="utf-8-sig",
            errors="surrogateescape",
            newline="",
        )
        self._reader = csv.reader(self._text)
        first = next(self._reader, None)
        self.header = [name.strip() for name in first] if first else []

    @property
    def position(self) -> int:
        """How many bytes of the file have been read so far."""
        return self._counting.count

    def rows(self, after: int = 0) -> Iterator[Row | tuple[int, list[str], Problem]]:
        """Each row after row ``after``: a Row, or (number, cells, problem) for a row that
        cannot be read as one."""
        width = len(self.header)
        header = self.header
        for number, cells in enumerate(self._reader, start=1):
            if number <= after:
                continue
            if not cells or (len(cells) == 1 and not cells[0].strip() and width > 1):
                continue  # a blank line is no record
            if len(cells) != width:
                problem = Problem("row", N_("This row has {found} values and the header "
                                  "{wanted}: quote values that hold commas."),
                                  {"found": len(cells), "wanted": width})  # fmt: skip
                yield number, cells, problem
                continue
            if _ESCAPED.search("".join(cells)):
                column = header[next(i for i, c in enumerate(cells) if _ESCAPED.search(c))]
                problem = Problem(column, N_("{column} holds bytes that are not UTF-8: save "
                                  "the file as UTF-8."), {"column": column})  # fmt: skip
                yield number, [_printable(c) for c in cells], problem
                continue
            yield Row(number, dict(zip(header, cells, strict=True)), cells)

    def close(self) -> None:
        self._text.close()
        self._raw.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _printable(cell: str) -> str:
    return cell.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def missing_columns(header: list[str], required: tuple[str, ...]) -> list[str]:
    """The required columns the header lacks."""
    present = set(header)
    return [name for name in required if name not in present]


_MONTHS = {
    name: number
    for number, names in enumerate(
        (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
         ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
         ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
         ("december", "dec")),
        start=1,
    )
    for name in names
}  # fmt: skip
_SPELLED_DAY = re.compile(r"^(\d{1,2})[\s-]+([A-Za-z]+)[\s-]+(\d{4})$")


class Cells:
    """Typed values out of one row; each value that cannot be read adds a problem naming its
    column, and reads as None."""

    __slots__ = ("problems", "values")

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.problems: list[Problem] = []

    def text(self, column: str) -> str | None:
        value = self.values.get(column, "").strip()
        return value or None

    def required(self, column: str) -> str | None:
        value = self.text(column)
        if value is None:
            self.problems.append(Problem(column, N_("{column} is empty: it is required."),
                                         {"column": column}))  # fmt: skip
        return value

    def integer(self, column: str) -> int | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            pass
        try:
            number = float(value)  # "3.0", as spreadsheets write counts
        except ValueError:
            number = math.nan
        if not number.is_integer():
            self.bad(column, value, N_("{column} must be a whole number, not {value!r}."))
            return None
        return int(number)

    def number(self, column: str) -> float | None:
        value = self.text(column)
        if value is None:
            return None
        try:
            return float(value.replace(",", "."))
        except ValueError:
            self.bad(column, value, N_("{column} must be a number, not {value!r}."))
            return None

    def day(self, column: str) -> date | None:
        """A day as 2016-02-27, 27 February 2016 or 27-Feb-2016."""
        value = self.text(column)
        if value is None:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
        spelled = _SPELLED_DAY.match(value)
        if spelled and spelled.group(2).lower() in _MONTHS:
            try:
                month = _MONTHS[spelled.group(2).lower()]
                return date(int(spelled.group(3)), month, int(spelled.group(1)))
            except ValueError:
                pass
        self.bad(column, value, N_("{column} must be a day such as 2016-02-27, not {value!r}."))
        return None

    def moment(self, column: str) -> datetime | None:
        """A time with its offset (RFC 3339), or a day (its midnight, UTC)."""
        value = self.text(column)
        if value is None:
            return None
        if len(value) <= 10 or value[10:11] not in ("T", "t", " "):
            found = self.day(column)
            return datetime.combine(found, time(), UTC) if found else None
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is None or moment.utcoffset() is None:
            self.bad(column, value, N_("{column} must be a time with its offset such as "
                      "2016-02-27T14:30:00+02:00, or a day, not {value!r}."))  # fmt: skip
            return None
        return moment

    def flag(self, column: str) -> bool:
        value = (self.text(column) or "").casefold()
        if value in ("", "0", "false", "no", "n"):
            return False
        if value in ("1", "true", "yes", "y"):
            return True
        self.bad(column, value, N_("{column} must be yes or no, not {value!r}."))
        return False

    def bad(self, column: str, value: str, message: str) -> None:
        """Note that ``column`` holds ``value``, which ``message`` says is wrong."""
        self.problems.append(Problem(column, message, {"column": column, "value": value[:80]}))


def day_start(day: date | None) -> datetime | None:
    """The first moment of a day, in UTC."""
    return datetime.combine(day, time(), UTC) if day else None


def day_end(day: date | None) -> datetime | None:
    """The last moment of a day, in UTC."""
    return datetime.combine(day, time.max, UTC) if day else None


@dataclass(frozen=True)
class Format:
    """One kind of report file: what it is called, its columns and how a row reads."""

    kind: str  # as `truce import KIND` names it
    channel: str
    source: str  # who gives its accounts ("" when each row names its source)
    reliability: str
    required: tuple[str, ...]
    columns: tuple[str, ...]  # every column it reads
    column_of: dict[str, str]  # a report field -> the column it comes from
    parse: Callable[[Cells], ReportDraft]

    def column(self, field: str) -> str:
        """The file's column a problem with a report field points at."""
        head = field.split(".", 1)[0]
        return self.column_of.get(field, self.column_of.get(head, field))
