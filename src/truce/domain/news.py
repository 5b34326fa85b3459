"""What is kept of the news: articles, the statements in them and the events they report.

Plain records that the news service hands to the store and the store hands back to the pages
and the API; offsets (``start``/``end``, ``evidence_start``/``evidence_end``) point into the
article's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class NewArticle:
    """An article as received, with what the extractor found in it (``extraction``)."""

    digest: str  # SHA-256 of the text: the same article is stored once
    name: str
    title: str
    outlet: str | None
    url: str | None  # an http(s) address or nothing
    published: datetime | None
    source_line: str | None
    text: str
    extraction: dict[str, Any]
    ingested_by: str
    ingested_at: datetime


@dataclass(frozen=True, kw_only=True)
class StoredArticle(NewArticle):
    """An article as stored, with its id."""

    id: int


@dataclass(frozen=True)
class NewStatement:
    """Who said what in an article, and where in its text the quote is."""

    speaker: str
    role: str | None
    affiliation: str | None
    party_id: int | None
    quote: str
    kind: str
    cue: str
    reported_by: str | None
    start: int
    end: int
    said_at: datetime | None
    confidence: float


@dataclass(frozen=True)
class NewReport:
    """One account of an event, from one source, with the text it rests on."""

    channel: str
    source: str
    source_ref: str | None
    received_at: datetime
    occurred_start: datetime | None
    occurred_end: datetime | None
    time_precision: str
    lat: float | None
    lon: float | None
    location: str | None
    geo_precision: str | None
    event_type: str
    sub_event_type: str
    actor1: str | None
    actor2: str | None
    actor1_party_id: int | None
    actor2_party_id: int | None
    fatalities: int | None
    text: str
    evidence_start: int | None
    evidence_end: int | None
    confidence: float | None
    casualties: dict[str, Any] | None = None  # the report record's, as domain.reports stores it


@dataclass(frozen=True)
class StatementView:
    """A statement as listed: with the title and outlet of the article it comes from."""

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
