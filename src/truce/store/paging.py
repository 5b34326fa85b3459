"""Keyset paging: one page of any query, its total counted by the database.

A page is "the first ``limit`` rows after the cursor's key" in an order whose last key is
unique, so a walk through every page visits each row once even while rows are added. Nullable
keys sort last on every database: each one is ordered by whether it is NULL first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from truce.domain.paging import Cursor, Key, KeyPart, Page, check_limit
from truce.domain.paging import decode_cursor as decode
from truce.domain.paging import encode_cursor as encode

Query = Select[*tuple[Any, ...]]
Column = ColumnElement[Any] | QueryableAttribute[Any]


@dataclass(frozen=True)
class SortKey:
    """One column of a list's order, with the type of its values."""

    column: Column
    part: KeyPart
    descending: bool = False

    def terms(self, value: Key) -> list[tuple[Column, Key, bool]]:
        """(expression, value, descending) for each column this key sorts by."""
        if not self.part.nullable:
            return [(self.column, value, self.descending)]
        is_null = case((self.column.is_(None), 1), else_=0)
        return [(is_null, int(value is None), False), (self.column, value, self.descending)]


@dataclass(frozen=True)
class Keyset:
    """A list's name (cursors of one list are refused by another) and its order."""

    name: str
    keys: tuple[SortKey, ...]

    @property
    def parts(self) -> list[KeyPart]:
        return [key.part for key in self.keys]

    def order(self, *, reverse: bool = False) -> list[ColumnElement[Any]]:
        terms = [term for key in self.keys for term in key.terms(None)]
        return [expr.desc() if desc != reverse else expr.asc() for expr, _, desc in terms]

    def beyond(self, key: tuple[Key, ...], *, reverse: bool = False) -> ColumnElement[bool]:
        """Rows that sort after ``key`` (before it, with ``reverse``)."""
        options: list[ColumnElement[bool]] = []
        same: list[ColumnElement[bool]] = []
        for sort_key, value in zip(self.keys, key, strict=True):
            for expr, term_value, descending in sort_key.terms(value):
                if term_value is None:
                    further: ColumnElement[bool] = false()
                    equal: ColumnElement[bool] = expr.is_(None)
                else:
                    further = expr < term_value if descending != reverse else expr > term_value
                    equal = expr == term_value
                options.append(and_(*same, further))
                same.append(equal)
        return or_(*options)


def count(session: Session, query: Query) -> int:
    """How many rows ``query`` gives, counted by the database."""
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return session.scalar(counted) or 0


def page(
    session: Session, query: Query, keyset: Keyset, cursor: str | None, limit: int
) -> Page[tuple[Any, ...]]:
    """One page of ``query``'s rows (as tuples of its columns) after or before ``cursor``."""
    check_limit(limit)
    position = decode(cursor, keyset.name, keyset.parts) if cursor else None
    total = count(session, query)
    rows = _rows(session, query, keyset, position, limit)
    if position is not None and position.backward and len(rows) < limit:
        position, rows = None, _rows(session, query, keyset, None, limit)  # back at the start
    return _page(session, query, keyset, position, rows, limit, total)


def _rows(
    session: Session, query: Query, keyset: Keyset, position: Cursor | None, limit: int
) -> list[tuple[Any, ...]]:
    backward = position is not None and position.backward
    ordered = query.add_columns(*(key.column for key in keyset.keys))
    if position is not None:
        ordered = ordered.where(keyset.beyond(position.key, reverse=backward))
    found = session.execute(ordered.order_by(*keyset.order(reverse=backward)).limit(limit + 1))
    rows = [tuple(row) for row in found]
    return rows[::-1] if backward else rows  # one more than a page: tells if there are more


def _page(
    session: Session,
    query: Query,
    keyset: Keyset,
    position: Cursor | None,
    rows: list[tuple[Any, ...]],
    limit: int,
    total: int,
) -> Page[tuple[Any, ...]]:
    backward = position is not None and position.backward
    more = len(rows) > limit
    rows = rows[1:] if backward and more else rows[:limit]
    width = len(keyset.keys)
    items = [row[:-width] for row in rows]
    if not rows:
        return Page(items, total, total if position else 0)
    first, last = rows[0][-width:], rows[-1][-width:]
    start = count(session, query.where(keyset.beyond(first, reverse=True))) if position else 0
    following = encode(keyset.name, Cursor(last)) if backward or more else None
    return Page(items, total, start, following, _previous(keyset, first, start, limit))


def _previous(keyset: Keyset, first: tuple[Key, ...], start: int, limit: int) -> str | None:
    if start == 0:
        return None
    if start <= limit:
        return ""  # the first page, asked for without a cursor
    return encode(keyset.name, Cursor(first, backward=True))
