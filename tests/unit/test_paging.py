"""Cursors: what goes out comes back, and what a client makes up is refused, naming `cursor`."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from truce.domain.errors import Invalid
from truce.domain.paging import (
    MAX_LIMIT,
    Cursor,
    KeyPart,
    Page,
    address,
    check_limit,
    decode_cursor,
    encode_cursor,
    walk,
)

PARTS = (KeyPart(datetime, nullable=True), KeyPart(str), KeyPart(int))


def raw(record: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(record).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        Cursor((datetime(2016, 2, 27, 0, 0, tzinfo=timezone(timedelta(hours=2))), "Ahrar", 7)),
        Cursor((None, "جبهة النصرة", 1), backward=True),
        Cursor((datetime(2016, 2, 26, 22, 0, 0, 123456, tzinfo=UTC), "", 2**53 - 1)),
    ],
)
def test_a_cursor_comes_back_as_it_went_out(cursor: Cursor) -> None:
    text = encode_cursor("statements", cursor)
    assert text.isascii() and "=" not in text and "/" not in text and "+" not in text
    assert decode_cursor(text, "statements", PARTS) == cursor


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not a cursor",
        "%%%",
        raw([1, 2, 3]),
        raw({"l": "statements"}),
        raw({"l": "statements", "k": [None, "a"]}),  # too short
        raw({"l": "statements", "k": [None, "a", 1, 2]}),  # too long
        raw({"l": "articles", "k": [None, "a", 1]}),  # another list's
        raw({"l": "statements", "k": [None, "a", 1], "x": 1}),
        raw({"l": "statements", "k": [None, "a", "1"]}),  # an id as text
        raw({"l": "statements", "k": [None, "a", True]}),
        raw({"l": "statements", "k": [None, "a", 1.5]}),
        raw({"l": "statements", "k": [None, "a", -1]}),
        raw({"l": "statements", "k": [None, "a", 2**63]}),  # would overflow a BIGINT
        raw({"l": "statements", "k": [None, None, 1]}),  # the name may not be missing
        raw({"l": "statements", "k": [None, "x" * 5000, 1]}),
        raw({"l": "statements", "k": ["yesterday", "a", 1]}),
        raw({"l": "statements", "k": ["2016-02-27T00:00:00", "a", 1]}),  # no zone
        raw({"l": "statements", "k": [12, "a", 1]}),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "A" * 3000,
    ],
)
def test_a_cursor_this_list_did_not_give_out_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(Invalid) as refused:
        decode_cursor(text, "statements", PARTS)
    assert refused.value.field == "cursor"
    assert "without a cursor" in str(refused.value)


def test_page_positions_count_from_one() -> None:
    page = Page(["c", "d"], total=5, start=2)
    assert (page.first, page.last) == (3, 4)
    assert (Page([], total=0).first, Page([], total=0).last) == (0, 0)
    assert page.map(str.upper) == Page(["C", "D"], 5, 2)


def test_limits_outside_one_to_the_maximum_are_refused() -> None:
    assert check_limit(1) == 1 and check_limit(MAX_LIMIT) == MAX_LIMIT
    for bad in (0, -1, MAX_LIMIT + 1):
        with pytest.raises(Invalid) as refused:
            check_limit(bad)
        assert refused.value.field == "limit"


def test_a_page_link_keeps_every_filter_and_replaces_the_cursor() -> None:
    query = [("speaker", "Лавров"), ("cursor", "old"), ("party", "3"), ("party", "4")]
    assert address("/statements", query, "new") == (
        "/statements?speaker=%D0%9B%D0%B0%D0%B2%D1%80%D0%BE%D0%B2&party=3&party=4&cursor=new"
    )
    assert address("/statements", query, "") == (
        "/statements?speaker=%D0%9B%D0%B0%D0%B2%D1%80%D0%BE%D0%B2&party=3&party=4"
    )
    assert address("/articles", [("cursor", "old")], "") == "/articles"
    assert address("/articles", query, None) is None


def test_walk_follows_next_until_the_last_page() -> None:
    pages = {
        None: Page([1, 2], 5, 0, "b"),
        "b": Page([3, 4], 5, 2, "c", ""),
        "c": Page([5], 5, 4, None, "b"),
    }
    asked: list[str | None] = []

    def fetch(cursor: str | None) -> Page[int]:
        asked.append(cursor)
        return pages[cursor]

    assert list(walk(fetch)) == [1, 2, 3, 4, 5]
    assert asked == [None, "b", "c"]
    assert list(walk(fetch, first=pages["b"])) == [3, 4, 5]
