"""Paging through long lists with opaque cursors that name a position, never an offset.

A cursor holds the sort key of the row a page ends at (or, going back, starts at). The next
page is "the rows after this key", so rows inserted meanwhile never make a walk repeat or skip
a row, as an offset would. The key is written as base64url JSON: opaque to clients, and checked
when it comes back, since anyone can edit it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from urllib.parse import urlencode

from truce.domain.errors import Invalid
from truce.domain.i18n import N_

T = TypeVar("T")
U = TypeVar("U")
Key = int | str | datetime | None

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_CURSOR = 2000  # characters: a key of a few ids, times and names fits many times over
_MAX_ID = 2**53 - 1
_MAX_TEXT = 1000


@dataclass(frozen=True)
class KeyPart:
    """The type of one value of a sort key; ``nullable`` when the column may be NULL."""

    kind: type[int] | type[str] | type[datetime]
    nullable: bool = False


@dataclass(frozen=True)
class Cursor:
    """A position in a list: after ``key``, or before it when ``backward``."""

    key: tuple[Key, ...]
    backward: bool = False


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and where it sits in the whole.

    ``next`` and ``previous`` are cursors to pass back; ``previous`` is the empty string when
    the previous page is the first one (ask again without a cursor), None when there is none.
    """

    items: list[T]
    total: int
    start: int = 0  # how many items of the list come before this page
    next: str | None = None
    previous: str | None = None

    @property
    def first(self) -> int:
        """The 1-based position of the page's first item (0 on an empty page)."""
        return self.start + 1 if self.items else 0

    @property
    def last(self) -> int:
        """The 1-based position of the page's last item."""
        return self.start + len(self.items)

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        """The same page with each item converted."""
        return Page(
            [convert(item) for item in self.items], self.total, self.start, self.next, self.previous
        )


def check_limit(limit: int) -> int:
    """A page size between 1 and MAX_LIMIT."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(N_("limit must be between 1 and {most}."), field="limit", most=MAX_LIMIT)
    return limit


def encode_cursor(list_name: str, cursor: Cursor) -> str:
    """The opaque text of a cursor into the list ``list_name``."""
    values = [v.isoformat() if isinstance(v, datetime) else v for v in cursor.key]
    record = {"l": list_name, "k": values, **({"b": 1} if cursor.backward else {})}
    text = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(text).decode("ascii").rstrip("=")


def decode_cursor(text: str, list_name: str, parts: Sequence[KeyPart]) -> Cursor:
    """The cursor a client sent back; Invalid naming ``cursor`` unless this list gave it out."""
    try:
        record = _record(text)
        if record.get("l") != list_name or set(record) - {"l", "k", "b"}:
            raise ValueError("another list's cursor")
        values = record.get("k")
        if not isinstance(values, list) or len(values) != len(parts):
            raise ValueError("a key of the wrong length")
        key = tuple(_value(value, part) for value, part in zip(values, parts, strict=True))
        return Cursor(key, backward=record.get("b") == 1)
    except ValueError as exc:
        raise Invalid(
            N_(
                "cursor: this is not a cursor this list gave out ({problem}); start again from"
                " the first page, without a cursor."
            ),
            field="cursor",
            problem=str(exc),
        ) from exc


def _record(text: str) -> dict[str, object]:
    if len(text) > MAX_CURSOR:
        raise ValueError("too long")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        record = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("not base64url JSON") from exc
    if not isinstance(record, dict):
        raise ValueError("not an object")
    return record


def _value(value: object, part: KeyPart) -> Key:
    if value is None:
        if part.nullable:
            return None
        raise ValueError("a missing value")
    if part.kind is int and type(value) is int and 0 <= value <= _MAX_ID:
        return value
    if part.kind is str and isinstance(value, str) and len(value) <= _MAX_TEXT:
        return value
    if part.kind is datetime and isinstance(value, str):
        moment = datetime.fromisoformat(value)  # ValueError when it is not a time
        if moment.utcoffset() is not None:
            return moment
    raise ValueError(f"a value that is not a {part.kind.__name__}")


def address(path: str, query: Iterable[tuple[str, str]], cursor: str | None) -> str | None:
    """The link to another page: ``path`` with the same query but ``cursor`` (with none for the
    empty string, the first page); None when there is no such page."""
    if cursor is None:
        return None
    kept = [(key, value) for key, value in query if key != "cursor"]
    if cursor:
        kept.append(("cursor", cursor))
    return path + (f"?{urlencode(kept)}" if kept else "")


def walk(fetch: Callable[[str | None], Page[T]], first: Page[T] | None = None) -> Iterator[T]:
    """Every item of a list, page after page (starting from ``first`` when it is given)."""
    page = first if first is not None else fetch(None)
    while True:
        yield from page.items
        if not page.next:
            return
        page = fetch(page.next)


__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "Cursor",
    "KeyPart",
    "Page",
    "address",
    "check_limit",
    "decode_cursor",
    "encode_cursor",
    "walk",
]
