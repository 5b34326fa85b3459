"""Every list pages by cursor on a real store (SQLite and PostgreSQL): a walk through every page
visits each row once, in order, even while rows are added; totals are the database's count."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select

from tests.helpers import EFFECTIVE, World, add_area, approve_status, square
from truce.bootstrap import Truce
from truce.domain.errors import Forbidden, Invalid
from truce.domain.news import NewArticle, NewStatement
from truce.domain.paging import Page
from truce.domain.parties import Status, status_at
from truce.domain.permissions import SYSTEM
from truce.domain.text import rank
from truce.services import ledger, news, parties, territory
from truce.store.tables import StatementRow

T = TypeVar("T")
DAY = datetime(2016, 2, 27, 9, 0, tzinfo=UTC)


# --- news rows, stored as ingest stores them ------------------------------------------------


def add_article(truce: Truce, published: datetime | None, title: str = "An article") -> int:
    with truce.uow() as uow:
        article_id = uow.articles.add(
            NewArticle(
                digest=f"{uow.articles.count():064d}", name="", title=title, outlet="Wire",
                url=None, published=published, source_line=None, text="text",
                extraction={"statements": [], "events": []}, ingested_by="monitor",
                ingested_at=DAY,
            )
        )  # fmt: skip
        uow.commit()
        return article_id


def add_statements(
    truce: Truce,
    article_id: int,
    said: Iterable[datetime | None],
    speaker: str = "Sergey Lavrov",
    party_id: int | None = None,
) -> list[int]:
    with truce.uow() as uow:
        statements = [
            NewStatement(
                speaker=speaker, role=None, affiliation=None, party_id=party_id,
                quote=f"quote {n}", kind="direct", cue="said", reported_by=None, start=0, end=1,
                said_at=moment, confidence=0.9,
            )
            for n, moment in enumerate(said)
        ]  # fmt: skip
        ids = uow.statements.add_all(article_id, statements)
        uow.commit()
        return ids


def pages(fetch: Callable[[str | None], Page[T]]) -> list[Page[T]]:
    """Every page of a list, following ``next`` from the first."""
    found = [fetch(None)]
    while found[-1].next:
        assert len(found) < 1000, "the walk does not end"
        found.append(fetch(found[-1].next))
    return found


def items(found: list[Page[T]]) -> list[T]:
    return [item for page in found for item in page.items]


def statement_ids(world: World, limit: int, **filters: Any) -> Callable[[str | None], Page[int]]:
    def fetch(cursor: str | None) -> Page[int]:
        with world.truce.uow(write=False) as uow:
            found = news.statements(uow, **filters, cursor=cursor, limit=limit)
        return found.map(lambda s: s.id)

    return fetch


@pytest.fixture
def said(world: World) -> list[int]:
    """23 statements: ties in time, and some with no time (they come last), newest first."""
    article = add_article(world.truce, DAY)
    times: list[datetime | None] = [DAY + timedelta(hours=n % 7) for n in range(18)]
    return add_statements(world.truce, article, [*times, None, None, None, None, None])


def newest_first(world: World) -> list[int]:
    with world.truce.uow(write=False) as uow:
        rows = uow.session.execute(select(StatementRow.id, StatementRow.said_at)).all()
    return [
        i for i, _ in sorted(rows, key=lambda r: (r[1] is None, -(r[1] or DAY).timestamp(), r[0]))
    ]


# --- statements -----------------------------------------------------------------------------


def test_walking_the_statements_visits_each_once_newest_first(
    world: World, said: list[int]
) -> None:
    walked = pages(statement_ids(world, limit=4))
    assert items(walked) == newest_first(world)
    assert sorted(items(walked)) == sorted(said)
    with world.truce.uow(write=False) as uow:
        counted = uow.session.scalar(select(func.count()).select_from(StatementRow))
    assert {page.total for page in walked} == {counted} == {23}
    assert [(page.first, page.last) for page in walked[:2]] == [(1, 4), (5, 8)]
    assert (walked[-1].first, walked[-1].last, walked[-1].next) == (21, 23, None)
    assert len(walked) == 6


def test_filters_hold_on_every_page(world: World, said: list[int]) -> None:
    fsa = world.parties["fsa"]
    article = add_article(world.truce, DAY)
    peskov = add_statements(world.truce, article, [DAY] * 9, speaker="Dmitry Peskov", party_id=fsa)
    walked = pages(statement_ids(world, limit=2, speaker="peskov"))
    assert sorted(items(walked)) == peskov and {p.total for p in walked} == {9}
    by_party = pages(statement_ids(world, limit=4, party_id=fsa))
    assert sorted(items(by_party)) == peskov
    window = {"since": DAY + timedelta(hours=2), "until": DAY + timedelta(hours=4)}
    in_window = pages(statement_ids(world, limit=3, **window))
    with world.truce.uow(write=False) as uow:
        expected = uow.session.scalars(
            select(StatementRow.id).where(
                StatementRow.said_at >= window["since"], StatementRow.said_at < window["until"]
            )
        ).all()
    assert sorted(items(in_window)) == sorted(expected) and len(expected) == 6
    assert pages(statement_ids(world, limit=3, speaker="nobody")) == [Page([], 0)]


def test_statements_added_during_a_walk_never_repeat_or_hide_a_row(
    world: World, said: list[int]
) -> None:
    fetch = statement_ids(world, limit=5)
    first = fetch(None)
    second = fetch(first.next)
    # Newer statements go to the top, some among those still to come, some with no time:
    # with an offset, the top ones would push rows already seen onto the next page again.
    article = add_article(world.truce, DAY)
    newer = add_statements(world.truce, article, [DAY + timedelta(days=1)] * 4)
    among = add_statements(world.truce, article, [DAY + timedelta(hours=1)] * 2 + [None])
    rest = items(pages(lambda cursor: fetch(cursor or second.next)))
    seen = first.items + second.items + rest
    assert len(seen) == len(set(seen))
    assert set(said) <= set(seen) and not set(newer) & set(seen)
    assert set(among) <= set(seen)  # they sort after the cursor, so the walk reaches them
    assert fetch(second.next).total == 23 + 4 + 3


def test_previous_links_walk_back_to_the_first_page(world: World, said: list[int]) -> None:
    fetch = statement_ids(world, limit=4)
    forward = pages(fetch)
    back = [forward[-1]]
    while back[-1].previous is not None:
        back.append(fetch(back[-1].previous or None))
    assert [page.items for page in back] == [page.items for page in reversed(forward)]
    assert back[-1].start == 0 and back[-2].previous == ""  # the first page: no cursor


def test_a_made_up_cursor_is_refused_naming_the_field(world: World, said: list[int]) -> None:
    statements_cursor = statement_ids(world, limit=4)(None).next
    with world.truce.uow(write=False) as uow:
        for bad in ("garbage", statements_cursor):
            with pytest.raises(Invalid) as refused:
                news.articles(uow, cursor=bad)
            assert refused.value.field == "cursor"
        with pytest.raises(Invalid) as refused:
            news.statements(uow, limit=0)
        assert refused.value.field == "limit"


def test_articles_page_newest_first_those_without_a_date_last(world: World) -> None:
    ids = [add_article(world.truce, DAY - timedelta(days=n % 4)) for n in range(9)]
    undated = [add_article(world.truce, None) for _ in range(3)]

    def fetch(cursor: str | None) -> Page[int]:
        with world.truce.uow(write=False) as uow:
            return news.articles(uow, cursor=cursor, limit=5).map(lambda row: row.id)

    walked = pages(fetch)
    by_day = sorted(ids, key=lambda i: (ids.index(i) % 4, -i))
    assert items(walked) == by_day + sorted(undated, reverse=True)
    assert {page.total for page in walked} == {12}


# --- the registry ---------------------------------------------------------------------------


@pytest.fixture
def crowded(world: World) -> World:
    """The world's three parties and 22 more, some committed, some excluded."""
    with world.truce.uow() as uow:
        for n in range(22):
            cmd = parties.NewParty(f"Brigade {n:02d}", aliases=((f"Liwa {n:02d}", "en"),))
            world.parties[f"b{n}"] = parties.create_party(cmd, uow, actor=SYSTEM)
    for n in range(0, 22, 3):
        approve_status(world, f"b{n}", Status.COMMITTED)
    approve_status(world, "b1", Status.EXCLUDED)
    approve_status(world, "b1", Status.COMMITTED, at=EFFECTIVE + timedelta(days=10))
    return world


def registry(world: World, limit: int, **filters: Any) -> Callable[[str | None], Page[Any]]:
    def fetch(cursor: str | None) -> Page[Any]:
        with world.truce.uow(write=False) as uow:
            _, found = parties.registry(uow, actor=None, **filters, cursor=cursor, limit=limit)
        return found

    return fetch


def test_the_registry_pages_by_name(crowded: World) -> None:
    walked = pages(registry(crowded, limit=4))
    names = [entry.name for entry in items(walked)]
    with crowded.truce.uow(write=False) as uow:
        stored = [row.name for row in uow.parties.all_rows()]
    assert names == stored and len(names) == 25 and {p.total for p in walked} == {25}


@pytest.mark.parametrize("moment", [EFFECTIVE + timedelta(days=1), EFFECTIVE + timedelta(days=20)])
def test_the_status_filter_agrees_with_the_status_each_entry_shows(
    crowded: World, moment: datetime
) -> None:
    everyone = items(pages(registry(crowded, limit=7, at=moment)))
    with crowded.truce.uow(write=False) as uow:
        history = uow.status_changes.by_party(crowded.agreement_id)
    for entry in everyone:
        assert entry.status is status_at(history.get(entry.id, []), moment)
    for wanted in Status:
        walked = pages(registry(crowded, limit=3, at=moment, status=wanted))
        assert [e.id for e in items(walked)] == [e.id for e in everyone if e.status is wanted]
        assert {p.total for p in walked} == {len(items(walked))}
    committed = items(pages(registry(crowded, limit=3, at=moment, status=Status.COMMITTED)))
    assert (crowded.parties["b1"] in [e.id for e in committed]) is (
        moment > EFFECTIVE + timedelta(days=10)
    )


def test_a_search_pages_best_match_first(crowded: World) -> None:
    for query in ("liwa 1", "brigade", "b", "nusra", "al"):
        walked = pages(registry(crowded, limit=2, query=query))
        found = [e.id for e in items(walked)]
        with crowded.truce.uow(write=False) as uow:
            aliases = uow.parties.aliases(found)
            names = {row.id: row.name for row in uow.parties.all_rows()}
        grade = {pid: min(rank(query, a.text) for a in aliases[pid]) for pid in found}
        assert found == sorted(found, key=lambda pid: (grade[pid], names[pid], pid)), query
        assert max(grade.values(), default=0) < 3 and {p.total for p in walked} == {len(found)}
        with crowded.truce.uow(write=False) as uow:
            assert parties.search(uow, query) == found
    assert pages(registry(crowded, limit=2, query="brigade", status=Status.EXCLUDED)) == [
        Page([], 0)
    ]
    assert pages(registry(crowded, limit=2, query="-.-")) == [Page([], 0)]


# --- the ledger -----------------------------------------------------------------------------


def test_the_ledger_pages_both_ways_for_signed_in_users(crowded: World) -> None:
    def fetch(newest_first: bool, after: int = 0) -> Callable[[str | None], Page[int]]:
        def read(cursor: str | None) -> Page[int]:
            with crowded.truce.uow(write=False) as uow:
                found = ledger.entries(
                    uow,
                    actor=crowded.actors["monitor"],
                    after=after,
                    newest_first=newest_first,
                    cursor=cursor,
                    limit=9,
                )
            return found.map(lambda e: e.seq)

        return read

    with crowded.truce.uow(write=False) as uow:
        head = uow.ledger.head()[0]
    assert items(pages(fetch(False))) == list(range(1, head + 1))
    assert items(pages(fetch(True))) == list(range(head, 0, -1))
    assert items(pages(fetch(False, after=head - 3))) == [head - 2, head - 1, head]
    assert fetch(False, after=head - 3)(None).total == 3
    with crowded.truce.uow(write=False) as uow, pytest.raises(Forbidden):
        ledger.entries(uow, actor=None)


# --- areas ----------------------------------------------------------------------------------


@pytest.fixture
def areas(world: World) -> World:
    """Areas that start, end and are replaced at different times, for both guarantors (Nusra
    is excluded by its designation)."""
    approve_status(world, "fsa", Status.COMMITTED)
    for n in range(7):
        add_area(world, "us", "fsa", square(36 + n / 10, 35, 36.05 + n / 10, 35.05))
        add_area(world, "ru", "nusra", square(37 + n / 10, 35, 37.05 + n / 10, 35.05),
                 valid_from=EFFECTIVE + timedelta(days=n))  # fmt: skip
    ending = add_area(world, "us", "ahrar", square(38, 35, 38.1, 35.1),
                      valid_to=EFFECTIVE + timedelta(days=3))  # fmt: skip
    replaced = add_area(world, "ru", "ahrar", square(38, 36, 38.1, 36.1))
    add_area(world, "ru", "ahrar", square(38, 36, 38.2, 36.2), supersedes_id=replaced,
             valid_from=EFFECTIVE + timedelta(days=5))  # fmt: skip
    world.ending = ending  # type: ignore[attr-defined]
    return world


@pytest.mark.parametrize("days", [-1, 0, 2, 4, 6, 30])
@pytest.mark.parametrize("guarantor", [None, "US", "RU"])
def test_the_areas_of_a_day_page_as_the_engine_answers(
    areas: World, days: int, guarantor: str | None
) -> None:
    moment = EFFECTIVE + timedelta(days=days, hours=1)

    def fetch(cursor: str | None) -> Page[tuple[int, Status]]:
        with areas.truce.uow(write=False) as uow:
            _, found = territory.areas_page(uow, moment, guarantor=guarantor, cursor=cursor,
                                            limit=2)  # fmt: skip
        return found.map(lambda item: (item[0].id, item[1]))

    walked = pages(fetch)
    with areas.truce.uow(write=False) as uow:
        _, engine = territory.areas_at(uow, moment, guarantor=guarantor)
    assert items(walked) == [(area.id, status) for area, status in engine]
    assert {page.total for page in walked} == {len(engine)}
    if days >= 0:
        assert engine  # every day after the start has areas to page through


def test_an_area_list_of_another_agreements_guarantor_is_refused(areas: World) -> None:
    with areas.truce.uow(write=False) as uow, pytest.raises(Invalid) as refused:
        territory.areas_page(uow, EFFECTIVE, guarantor="GB")
    assert refused.value.field == "guarantor"
