"""Ingesting news: articles, their statements, and each event as a report (channel ``news``)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any, TypedDict

from truce.domain.errors import NotFound
from truce.domain.i18n import N_
from truce.domain.news import NewArticle, NewReport, NewStatement, StatementView, StoredArticle
from truce.domain.paging import DEFAULT_LIMIT, Page
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
from truce.store.ledger_store import Change
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
    return Extractor(
        book_from_registry((p.id, p.name, [a.text for a in p.aliases]) for p in uow.parties.all())
    )


@dataclass(frozen=True)
class Ingest:
    """One article as the extractor read it, and the party book it matched parties in."""

    outcome: Outcome
    book: PartyBook


def ingest(cmd: Ingest, uow: UnitOfWork, *, actor: Actor) -> Ingested:
    """Store one extracted article, its statements and reports, and one ledger entry; once."""
    require(actor, Action.INGEST_NEWS)
    outcome, book = cmd.outcome, cmd.book
    if outcome.extraction is None or outcome.article is None:
        return Ingested(outcome.source, "failed", error=outcome.error)
    found, warnings = _as_published(outcome.extraction)
    existing = uow.articles.id_of(found.digest)
    if existing is not None:
        return Ingested(outcome.source, "already", article_id=existing)
    article = _article(found, outcome, actor, uow.now())
    article_id = uow.articles.add(article)
    statements = [_statement(s, article, book) for s in found.statements]
    reports = [
        _report(e, number, found, article, book, uow.now())
        for number, e in enumerate(found.events, start=1)
    ]
    stored = _Stored(
        article_id,
        uow.statements.add_all(article_id, statements),
        uow.reports.add_all(article_id, reports),
    )
    payload = _payload(article, stored, statements, reports)
    if warnings:
        payload["refused_url"] = outcome.extraction.url  # kept as text, never as a link
    payload["images"] = {  # the rows as stored, for replay
        "articles": uow.images("articles", [article_id]),
        "statements": uow.images("statements", stored.statement_ids),
        "reports": uow.images("reports", stored.report_ids),
    }
    uow.record(actor, Change("news.article_ingested", f"article:{article_id}", payload))
    uow.commit()
    return Ingested(
        outcome.source, "ingested", article_id, len(statements), len(reports), warnings=warnings
    )


@dataclass(frozen=True)
class _Stored:
    """The ids an ingested article and its statements and reports were stored under."""

    article_id: int
    statement_ids: list[int]
    report_ids: list[int]


def _as_published(found: Extraction) -> tuple[Extraction, tuple[str, ...]]:
    """The extraction as it is stored: a web address only, the title without its outlet."""
    title = headline(found.title, found.outlet)
    if found.url is None or web_url(found.url) is not None:
        return replace(found, title=title, url=web_url(found.url)), ()
    warning = f"the URL {found.url[:200]!r} is not an http(s) address: kept as text, not linked"
    return replace(found, title=title, url=None), (warning,)


def _article(found: Extraction, outcome: Outcome, actor: Actor, now: datetime) -> NewArticle:
    article = outcome.article
    assert article is not None
    return NewArticle(
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


def _statement(statement: Statement, article: NewArticle, book: PartyBook) -> NewStatement:
    return NewStatement(
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
    event: Event, number: int, found: Extraction, article: NewArticle, book: PartyBook,
    now: datetime,
) -> NewReport:  # fmt: skip
    start = datetime.combine(event.date, time(), UTC) if event.date else None
    actors = [*event.actors, None, None]
    place = event.place
    return NewReport(
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
    article: NewArticle,
    stored: _Stored,
    statements: list[NewStatement],
    reports: list[NewReport],
) -> dict[str, Any]:
    return {
        "article_id": stored.article_id,
        "digest": article.digest,
        "title": article.title[:300],
        "outlet": article.outlet,
        "url": article.url,
        "published": common.stamp(article.published),
        "statement_ids": stored.statement_ids,
        "statements_sha256": _digest(
            statements, ("speaker", "quote", "kind", "cue", "start", "end")
        ),
        "report_ids": stored.report_ids,
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
    return uow.articles.count(), uow.statements.count(), uow.reports.count(channel="news")


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
    if speaker and not speaker.isprintable():
        return Page([], 0)  # no extracted name holds a control character (PostgreSQL refuses NUL)
    speakers = _speakers_named(uow, speaker) if speaker else None
    return uow.statements.page(
        speakers=speakers,
        party_id=party_id,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )


def _speakers_named(uow: UnitOfWork, query: str) -> list[str]:
    """The stored speakers a search names: "Lavrov", "Лавров" and "لافروف" find Sergei Lavrov.

    Folding and sounds are Python (domain/text.py), so they run over the distinct speakers, a
    few hundred names, rather than in SQL."""
    return [name for name in uow.statements.speakers() if name_matches(query, name)]


def article(uow: UnitOfWork, article_id: int) -> StoredArticle:
    """One stored article with its extraction."""
    found = uow.articles.get(article_id)
    if found is None:
        raise NotFound(N_("There is no article {id}."), field="article_id", id=article_id)
    return found


def articles(
    uow: UnitOfWork, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Page[StoredArticle]:
    """A page of stored articles, newest first."""
    return uow.articles.page(cursor, limit)
