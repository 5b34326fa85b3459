"""Ingesting news: articles, their statements, and each event as a report (channel ``news``)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any, TypedDict

from sqlalchemy import func, select

from truce.domain.errors import NotFound
from truce.domain.i18n import N_
from truce.domain.paging import DEFAULT_LIMIT, KeyPart, Page
from truce.domain.permissions import Action, Actor, require
from truce.domain.reports import Figure, casualties_record
from truce.domain.sources import headline, web_url
from truce.domain.text import name_matches
from truce.ledger.canonical import canonical_text
from truce.news.extract import Extractor, Outcome
from truce.news.model import Event, Extraction, Statement
from truce.news.parties import PartyBook, book_from_registry
from truce.news.present import as_record
from truce.services import common
from truce.store import paging
from truce.store.ledger_store import Change
from truce.store.paging import Keyset, SortKey
from truce.store.tables import ArticleRow, ReportRow, StatementRow
from truce.store.uow import UnitOfWork

GEO_PRECISION = {
    "city": "near",
    "region": "near",
    "admin2": "district",
    "admin1": "province",
    "country": "country",
}


@dataclass(frozen=True)
class Ingested:
    """What became of one article."""

    source: str
    status: str  # ingested | already | failed
    article_id: int | None = None
    statements: int = 0
    reports: int = 0
    error: str | None = None
    warnings: tuple[str, ...] = ()


def registry_extractor(uow: UnitOfWork) -> Extractor:
    """An extractor whose party book is this database's registry: ids and every alias."""
    rows = uow.parties.all_rows()
    aliases = uow.parties.aliases([row.id for row in rows])
    return Extractor(
        book_from_registry((row.id, row.name, [a.text for a in aliases[row.id]]) for row in rows)
    )


def ingest(outcome: Outcome, book: PartyBook, uow: UnitOfWork, *, actor: Actor) -> Ingested:
    """Store one extracted article, its statements and reports, and one ledger entry; once."""
    require(actor, Action.INGEST_NEWS)
    if outcome.extraction is None or outcome.article is None:
        return Ingested(outcome.source, "failed", error=outcome.error)
    found, warnings = _as_published(outcome.extraction)
    existing = uow.session.scalar(select(ArticleRow.id).where(ArticleRow.digest == found.digest))
    if existing is not None:
        return Ingested(outcome.source, "already", article_id=existing)
    article = _article(found, outcome, actor, uow.now())
    uow.session.add(article)
    uow.session.flush()
    statements = [_statement(s, article, book) for s in found.statements]
    reports = [
        _report(e, number, found, article, book, uow.now())
        for number, e in enumerate(found.events, start=1)
    ]
    uow.session.add_all([*statements, *reports])
    uow.session.flush()
    payload = _payload(article, statements, reports)
    if warnings:
        payload["refused_url"] = outcome.extraction.url  # kept as text, never as a link
    uow.record(actor, Change("news.article_ingested", f"article:{article.id}", payload))
    uow.commit()
    return Ingested(
        outcome.source, "ingested", article.id, len(statements), len(reports), warnings=warnings
    )


def _as_published(found: Extraction) -> tuple[Extraction, tuple[str, ...]]:
    """The extraction as it is stored: a web address only, the title without its outlet."""
    title = headline(found.title, found.outlet)
    if found.url is None or web_url(found.url) is not None:
        return replace(found, title=title, url=web_url(found.url)), ()
    warning = f"the URL {found.url[:200]!r} is not an http(s) address: kept as text, not linked"
    return replace(found, title=title, url=None), (warning,)


def _article(found: Extraction, outcome: Outcome, actor: Actor, now: datetime) -> ArticleRow:
    article = outcome.article
    assert article is not None
    return ArticleRow(
        digest=found.digest,
        name=found.name[:300],
        title=found.title[:2000],
        outlet=found.outlet,
        url=found.url,
        published=found.published,
        source_line=found.source_line,
        text=article.text,
        extraction=as_record(found),
        ingested_by=actor.username,
        ingested_at=now,
    )


def _party_id(book: PartyBook, name: str | None) -> int | None:
    if not name:
        return None
    for mention in book.find(name):
        if mention.party_id is not None and mention.party_id > 0:
            return mention.party_id
    return None


def _statement(statement: Statement, article: ArticleRow, book: PartyBook) -> StatementRow:
    return StatementRow(
        article_id=article.id,
        speaker=statement.speaker[:300],
        role=statement.role,
        affiliation=statement.affiliation,
        party_id=_party_id(book, statement.affiliation) or _party_id(book, statement.speaker),
        quote=statement.quote,
        kind=statement.kind,
        cue=statement.cue[:60],
        reported_by=statement.reported_by,
        start=statement.quote_span.start,
        end=statement.quote_span.end,
        said_at=article.published,
        confidence=statement.confidence,
    )


def _report(
    event: Event, number: int, found: Extraction, article: ArticleRow, book: PartyBook,
    now: datetime,
) -> ReportRow:  # fmt: skip
    start = datetime.combine(event.date, time(), UTC) if event.date else None
    actors = [*event.actors, None, None]
    place = event.place
    return ReportRow(
        channel="news",
        source=found.outlet or found.name,
        # One article, several events: each report is the article's event it tells.
        source_ref=f"{found.url or f'article:{found.digest[:16]}'}#event-{number}",
        received_at=now,
        occurred_start=start,
        occurred_end=start + timedelta(days=1) - timedelta(microseconds=1) if start else None,
        time_precision="day",
        lat=place.lat if place else None,
        lon=place.lon if place else None,
        location=place.name if place else None,
        geo_precision=GEO_PRECISION.get(place.kind) if place else None,
        event_type=event.type,
        sub_event_type=event.sub_type,
        actor1=actors[0],
        actor2=actors[1],
        actor1_party_id=_party_id(book, actors[0]),
        actor2_party_id=_party_id(book, actors[1]),
        fatalities=event.fatalities,
        casualties=_killed(event.fatalities),
        text=event.span.of(article.text),
        article_id=article.id,
        evidence_start=event.span.start,
        evidence_end=event.span.end,
        confidence=event.confidence,
    )


def _killed(fatalities: int | None) -> dict[str, Any] | None:
    # A toll in the news says how many died, not on which side.
    if fatalities is None:
        return None
    return casualties_record({("killed", "unknown"): Figure(best=fatalities)})


def _digest(rows: Iterable[Any], fields: tuple[str, ...]) -> str:
    records = [{f: _value(getattr(row, f)) for f in fields} for row in rows]
    return hashlib.sha256(canonical_text(records).encode("utf-8")).hexdigest()


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return common.stamp(value)
    if isinstance(value, float):
        return repr(value)
    return value


def _payload(
    article: ArticleRow, statements: list[StatementRow], reports: list[ReportRow]
) -> dict[str, Any]:
    return {
        "article_id": article.id,
        "digest": article.digest,
        "title": article.title[:300],
        "outlet": article.outlet,
        "url": article.url,
        "published": common.stamp(article.published),
        "statement_ids": [s.id for s in statements],
        "statements_sha256": _digest(
            statements, ("speaker", "quote", "kind", "cue", "start", "end")
        ),
        "report_ids": [r.id for r in reports],
        "reports_sha256": _digest(
            reports,
            (
                "event_type",
                "sub_event_type",
                "occurred_start",
                "lat",
                "lon",
                "actor1",
                "actor2",
                "fatalities",
            ),
        ),
    }


def counts(uow: UnitOfWork) -> tuple[int, int, int]:
    """How many articles, statements and news reports are stored."""
    session = uow.session
    return (
        session.scalar(select(func.count(ArticleRow.id))) or 0,
        session.scalar(select(func.count(StatementRow.id))) or 0,
        session.scalar(select(func.count(ReportRow.id)).where(ReportRow.channel == "news")) or 0,
    )


@dataclass(frozen=True)
class StatementView:
    id: int
    article_id: int
    article_title: str
    outlet: str | None
    speaker: str
    role: str | None
    party_id: int | None
    quote: str
    kind: str
    cue: str
    reported_by: str | None
    said_at: datetime | None


_STATEMENTS = Keyset(
    "statements",
    (SortKey(StatementRow.said_at, KeyPart(datetime, nullable=True), descending=True),
     SortKey(StatementRow.id, KeyPart(int))),
)  # fmt: skip
_ARTICLES = Keyset(
    "articles",
    (SortKey(ArticleRow.published, KeyPart(datetime, nullable=True), descending=True),
     SortKey(ArticleRow.id, KeyPart(int), descending=True)),
)  # fmt: skip


class StatementFilters(TypedDict, total=False):
    """What narrows the statements (the keywords of ``statements``)."""

    speaker: str | None
    party_id: int | None
    since: datetime | None
    until: datetime | None


def statements(
    uow: UnitOfWork,
    *,
    speaker: str | None = None,
    party_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[StatementView]:
    """A page of statements, newest first, narrowed by speaker (any part of the name, in any
    script), party and date."""
    query = select(StatementRow, ArticleRow.title, ArticleRow.outlet).join(
        ArticleRow, ArticleRow.id == StatementRow.article_id
    )
    if speaker and not speaker.isprintable():
        return Page([], 0)  # no extracted name holds a control character (PostgreSQL refuses NUL)
    if speaker:
        query = query.where(StatementRow.speaker.in_(_speakers_named(uow, speaker)))
    if party_id is not None:
        query = query.where(StatementRow.party_id == party_id)
    if since is not None:
        query = query.where(StatementRow.said_at >= since)
    if until is not None:
        query = query.where(StatementRow.said_at < until)
    found = paging.page(uow.session, query, _STATEMENTS, cursor, limit)
    return found.map(lambda found_row: _statement_view(*found_row))


def _statement_view(row: StatementRow, title: str, outlet: str | None) -> StatementView:
    return StatementView(row.id, row.article_id, title, outlet, row.speaker, row.role,
                         row.party_id, row.quote, row.kind, row.cue, row.reported_by,
                         row.said_at)  # fmt: skip


def _speakers_named(uow: UnitOfWork, query: str) -> list[str]:
    """The stored speakers a search names: "Lavrov", "Лавров" and "لافروف" find Sergei Lavrov.

    Folding and sounds are Python (domain/text.py), so they run over the distinct speakers, a
    few hundred names, rather than in SQL."""
    known = uow.session.scalars(select(StatementRow.speaker).distinct())
    return [name for name in known if name_matches(query, name)]


def article(uow: UnitOfWork, article_id: int) -> ArticleRow:
    """One stored article with its extraction."""
    row = uow.session.get(ArticleRow, article_id)
    if row is None:
        raise NotFound(N_("There is no article {id}."), field="article_id", id=article_id)
    return row


def articles(
    uow: UnitOfWork, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[ArticleRow]:
    """A page of stored articles, newest first."""
    found = paging.page(uow.session, select(ArticleRow), _ARTICLES, cursor, limit)
    return found.map(lambda row: row[0])
