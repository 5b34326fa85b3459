"""The news repositories: articles, statements and reports; records in, records out."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, fields
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from truce.domain.news import NewArticle, NewStatement, StatementView, StoredArticle
from truce.domain.paging import KeyPart, Page
from truce.store import paging
from truce.store.paging import Keyset, SortKey
from truce.store.tables import ArticleRow, StatementRow

_ARTICLES = Keyset(
    "articles",
    (SortKey(ArticleRow.published, KeyPart(datetime, nullable=True), descending=True),
     SortKey(ArticleRow.id, KeyPart(int), descending=True)),
)  # fmt: skip
_STATEMENTS = Keyset(
    "statements",
    (SortKey(StatementRow.said_at, KeyPart(datetime, nullable=True), descending=True),
     SortKey(StatementRow.id, KeyPart(int))),
)  # fmt: skip
_ARTICLE_FIELDS = tuple(f.name for f in fields(StoredArticle))


def _article(row: ArticleRow) -> StoredArticle:
    return StoredArticle(**{name: getattr(row, name) for name in _ARTICLE_FIELDS})


class Articles:
    def __init__(self, session: Session) -> None:
        self.session = session

    def id_of(self, digest: str) -> int | None:
        """The id of the article whose text has this digest, if it is stored."""
        return self.session.scalar(select(ArticleRow.id).where(ArticleRow.digest == digest))

    def add(self, article: NewArticle) -> int:
        row = ArticleRow(**asdict(article))
        self.session.add(row)
        self.session.flush()
        return row.id

    def get(self, article_id: int) -> StoredArticle | None:
        row = self.session.get(ArticleRow, article_id)
        return _article(row) if row else None

    def page(self, cursor: str | None, limit: int) -> Page[StoredArticle]:
        """A page of articles, newest first (undated ones last)."""
        found = paging.page(self.session, select(ArticleRow), _ARTICLES, cursor, limit)
        return found.map(lambda row: _article(row[0]))

    def count(self) -> int:
        return self.session.scalar(select(func.count(ArticleRow.id))) or 0


class Statements:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_all(self, article_id: int, statements: Sequence[NewStatement]) -> list[int]:
        """Store an article's statements; their ids, in the order given."""
        rows = [StatementRow(article_id=article_id, **asdict(s)) for s in statements]
        self.session.add_all(rows)
        self.session.flush()
        return [row.id for row in rows]

    def speakers(self) -> list[str]:
        """Every speaker named in a stored statement, once each."""
        return list(self.session.scalars(select(StatementRow.speaker).distinct()))

    def page(
        self,
        *,
        speakers: Collection[str] | None = None,
        party_id: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        cursor: str | None = None,
        limit: int,
    ) -> Page[StatementView]:
        """A page of statements, newest first, with their article's title and outlet; only
        those of ``speakers`` (when given), of the party, said from ``since`` to before
        ``until``."""
        query = select(StatementRow, ArticleRow.title, ArticleRow.outlet).join(
            ArticleRow, ArticleRow.id == StatementRow.article_id
        )
        if speakers is not None:
            query = query.where(StatementRow.speaker.in_(speakers))
        if party_id is not None:
            query = query.where(StatementRow.party_id == party_id)
        if since is not None:
            query = query.where(StatementRow.said_at >= since)
        if until is not None:
            query = query.where(StatementRow.said_at < until)
        found = paging.page(self.session, query, _STATEMENTS, cursor, limit)
        return found.map(lambda found_row: _statement_view(*found_row))

    def count(self) -> int:
        return self.session.scalar(select(func.count(StatementRow.id))) or 0


def _statement_view(row: StatementRow, title: str, outlet: str | None) -> StatementView:
    return StatementView(row.id, row.article_id, title, outlet, row.speaker, row.role,
                         row.party_id, row.quote, row.kind, row.cue, row.reported_by,
                         row.said_at)  # fmt: skip
