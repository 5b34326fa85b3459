"""The news repositories on the unit of work, on SQLite and PostgreSQL: records in, the same
records out; each article once; statements narrowed and paged in the database."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from tests.helpers import World
from truce.domain.news import NewArticle, NewReport, NewStatement, StatementView, StoredArticle
from truce.services import news

DAY = datetime(2016, 2, 27, 9, 0, tzinfo=UTC)
ARTICLE = NewArticle(
    digest="a" * 64,
    name="talks.txt",
    title="Talks in Geneva",
    outlet="Wire",
    url="https://example.org/talks",
    published=DAY,
    source_line="GENEVA",
    text='Lavrov said: "We agreed." Peskov said: "Talks go on."',
    extraction={"statements": [{"speaker": "Sergey Lavrov"}], "events": [], "title": "Talks"},
    ingested_by="monitor",
    ingested_at=DAY + timedelta(hours=1),
)


def said(speaker: str, at: datetime | None, *, party_id: int | None = None) -> NewStatement:
    return NewStatement(
        speaker=speaker, role=None, affiliation=None, party_id=party_id, quote="We agreed.",
        kind="direct", cue="said", reported_by=None, start=13, end=23, said_at=at,
        confidence=0.9,
    )  # fmt: skip


def report(channel: str = "news", event: int = 1) -> NewReport:
    # Each event of an article has its own reference (the ingest numbers them).
    return NewReport(
        channel=channel, source="Wire", source_ref=f"https://example.org/talks#event-{event}",
        received_at=DAY,
        occurred_start=DAY, occurred_end=None, time_precision="day", lat=35.0, lon=38.0,
        location="Syria", geo_precision="country", event_type="Strategic developments",
        sub_event_type="Agreement", actor1="Russia", actor2=None, actor1_party_id=None,
        actor2_party_id=None, fatalities=None, text="We agreed.", evidence_start=13,
        evidence_end=23, confidence=0.8,
    )  # fmt: skip


def store_article(world: World, article: NewArticle = ARTICLE) -> int:
    with world.truce.uow() as uow:
        article_id = uow.articles.add(article)
        uow.commit()
    return article_id


def test_an_article_comes_back_as_it_was_stored(world: World) -> None:
    article_id = store_article(world)
    with world.truce.uow(write=False) as uow:
        found = uow.articles.get(article_id)
        assert uow.articles.id_of(ARTICLE.digest) == article_id
        assert uow.articles.id_of("b" * 64) is None
        assert uow.articles.get(article_id + 1) is None
    assert isinstance(found, StoredArticle)
    assert found == StoredArticle(**asdict(ARTICLE), id=article_id)
    assert found.published is not None and found.published.utcoffset() == timedelta(0)


def test_the_same_text_is_refused_a_second_row(world: World) -> None:
    store_article(world)
    with world.truce.uow() as uow, pytest.raises(IntegrityError):
        uow.articles.add(replace(ARTICLE, title="Another title"))
    with world.truce.uow(write=False) as uow:
        assert uow.articles.count() == 1


def test_articles_page_newest_first_undated_last(world: World) -> None:
    dates = [DAY, None, DAY + timedelta(days=2), DAY - timedelta(days=1), DAY + timedelta(days=2)]
    ids = [
        store_article(world, replace(ARTICLE, digest=f"{n:064d}", published=when))
        for n, when in enumerate(dates)
    ]
    with world.truce.uow(write=False) as uow:
        first = uow.articles.page(None, 2)
        assert first.next is not None
        rest = uow.articles.page(first.next, 10)
    listed = [a.id for a in first.items + rest.items]
    # Newest first; the two of the same day by id, higher first; the undated one last.
    assert listed == [ids[4], ids[2], ids[0], ids[3], ids[1]]
    assert (first.total, rest.total, rest.next) == (5, 5, None)


def test_statements_and_reports_are_stored_under_their_article(world: World) -> None:
    article_id = store_article(world)
    fsa = world.parties["fsa"]
    with world.truce.uow() as uow:
        statement_ids = uow.statements.add_all(
            article_id,
            [
                said("Sergey Lavrov", DAY),
                said("Dmitry Peskov", DAY + timedelta(hours=2), party_id=fsa),
                said("Sergey Lavrov", None),
            ],
        )
        report_ids = uow.reports.add_all(article_id, [report(event=1), report(event=2)])
        uow.reports.add_all(None, [report(channel="field", event=3)])
        uow.commit()
    assert len(set(statement_ids)) == 3 and statement_ids == sorted(statement_ids)
    assert len(set(report_ids)) == 2
    with world.truce.uow(write=False) as uow:
        assert news.counts(uow) == (1, 3, 2)
        assert uow.reports.count() == 3
        assert sorted(uow.statements.speakers()) == ["Dmitry Peskov", "Sergey Lavrov"]
        everything = uow.statements.page(limit=10)
    lavrov, peskov, undated = statement_ids
    assert [s.id for s in everything.items] == [peskov, lavrov, undated]  # newest, undated last
    assert everything.items[0] == StatementView(
        peskov, article_id, "Talks in Geneva", "Wire", "Dmitry Peskov", None, fsa,
        "We agreed.", "direct", "said", None, DAY + timedelta(hours=2),
    )  # fmt: skip


def test_statements_are_narrowed_in_the_database(world: World) -> None:
    article_id = store_article(world)
    fsa = world.parties["fsa"]
    times = [DAY - timedelta(days=1), DAY, DAY + timedelta(days=1)]
    with world.truce.uow() as uow:
        lavrov = uow.statements.add_all(article_id, [said("Sergey Lavrov", t) for t in times])
        [peskov] = uow.statements.add_all(article_id, [said("Dmitry Peskov", DAY, party_id=fsa)])
        uow.commit()

    def found(**filters: object) -> list[int]:
        with world.truce.uow(write=False) as uow:
            page = uow.statements.page(**filters, limit=100)  # type: ignore[arg-type]
        assert page.total == len(page.items)
        return sorted(s.id for s in page.items)

    assert found(speakers=["Sergey Lavrov"]) == lavrov
    assert found(speakers=[]) == []  # a search that names nobody finds nothing
    assert found(speakers=None) == sorted([*lavrov, peskov])
    assert found(party_id=fsa) == [peskov]
    assert found(since=DAY) == sorted([lavrov[1], lavrov[2], peskov])  # from `since` on
    assert found(until=DAY) == [lavrov[0]]  # before `until`
    assert found(speakers=["Sergey Lavrov"], since=DAY, until=DAY + timedelta(days=1)) == [
        lavrov[1]
    ]
