"""CSV for spreadsheets: a BOM so Arabic shows, a header, and no cell that runs as a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from truce.domain.spreadsheet import BOM, csv_chunks, safe_cell


def read(chunks: list[bytes]) -> list[list[str]]:
    data = b"".join(chunks)
    assert data.startswith(BOM.encode("utf-8"))
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1-555", "'+1-555"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\r=1", "'\r=1"),
        ("Jabhat al-Nusra", "Jabhat al-Nusra"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (True, "yes"),
        (False, "no"),
        (7, 7),
        (datetime(2016, 2, 27, tzinfo=UTC), "2016-02-27T00:00:00+00:00"),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_quoted(value: object, written: object) -> None:
    assert safe_cell(value) == written  # type: ignore[arg-type]


def test_the_file_has_a_bom_a_header_and_every_row_round_trips() -> None:
    rows = [
        [1, "جبهة النصرة", "Джебхат ан-Нусра", "line one\nline two", "=cmd|' /C calc'!A0"],
        [2, 'say "hello", then go', None, "", "-"],
    ]
    chunks = list(csv_chunks(["id", "ar", "ru", "note", "risky"], rows, rows_per_chunk=1))
    assert len(chunks) == 3  # a chunk per row, then what is left (nothing)
    assert read(chunks) == [
        ["id", "ar", "ru", "note", "risky"],
        ["1", "جبهة النصرة", "Джебхат ан-Нусра", "line one\nline two", "'=cmd|' /C calc'!A0"],
        ["2", 'say "hello", then go', "", "", "'-"],
    ]
    assert b"\r\n" in chunks[0]  # RFC 4180 line ends


def test_an_empty_list_is_a_header_alone() -> None:
    assert read(list(csv_chunks(["id", "name"], []))) == [["id", "name"]]
