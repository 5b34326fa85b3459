"""The export file: JSON Lines, a header then one entry per line, verifiable with no database."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from truce.ledger.canonical import canonical_text
from truce.ledger.entry import FORMAT, Entry


class ExportError(ValueError):
    """An export file that cannot be read, with the line that is wrong."""


@dataclass(frozen=True)
class Header:
    """The first line of an export."""

    format: str
    genesis: str | None
    count: int
    head: str | None
    exported_at: str


def write_export(out: IO[str], header: Header, entries: Iterable[Entry]) -> int:
    """Write the header and entries; the number of entries written."""
    out.write(canonical_text(header.__dict__) + "\n")
    written = 0
    for entry in entries:
        out.write(canonical_text(entry.to_json()) + "\n")
        written += 1
    return written


def read_header(path: Path) -> Header:
    """The header of an export file."""
    with path.open(encoding="utf-8") as handle:
        first = handle.readline()
    data = _parse(first, 1)
    if data.get("format") != FORMAT:
        raise ExportError(f"line 1: not a {FORMAT} export (format is {data.get('format')!r})")
    try:
        return Header(**data)
    except TypeError as exc:
        raise ExportError(f"line 1: malformed header ({exc})") from exc


def read_entries(path: Path) -> Iterator[Entry]:
    """The entries of an export file, in file order; ExportError names a malformed line."""
    with path.open(encoding="utf-8") as handle:
        handle.readline()
        for number, line in enumerate(handle, start=2):
            if not line.strip():
                continue
            try:
                yield Entry.from_json(_parse(line, number))
            except (KeyError, TypeError) as exc:
                raise ExportError(f"line {number}: not a ledger entry ({exc})") from exc


def _parse(line: str, number: int) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ExportError(f"line {number}: not JSON ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise ExportError(f"line {number}: expected a JSON object")
    return data
