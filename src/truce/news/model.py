"""What the news pipeline finds in an article. Every item carries the offsets it rests on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Span:
    """Characters ``start`` to ``end`` (exclusive) of the article's text."""

    start: int
    end: int

    def of(self, text: str) -> str:
        """The characters this span covers."""
        return text[self.start : self.end]

    def overlaps(self, other: Span) -> bool:
        """Whether the two spans share a character."""
        return self.start < other.end and other.start < self.end

    def contains(self, other: Span) -> bool:
        """Whether ``other`` lies within this span."""
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True)
class Sentence:
    """A sentence: its span, and the paragraph it belongs to (numbered from 0)."""

    span: Span
    paragraph: int


@dataclass(frozen=True)
class Quote:
    """Words between quotation marks; ``closed`` is False when the closing mark is missing."""

    span: Span  # the words, without the marks
    outer: Span  # the words with the marks
    closed: bool = True


@dataclass(frozen=True)
class Person:
    """A person named in the article, with the role and affiliation given beside the name."""

    name: str
    span: Span
    role: str | None = None
    affiliation: str | None = None


@dataclass(frozen=True)
class Statement:
    """Who said what: the speaker, the words, how they are reported, and who reported them."""

    speaker: str
    quote: str
    quote_span: Span
    kind: str  # direct | mixed | indirect
    cue: str
    speaker_span: Span | None = None
    cue_span: Span | None = None
    role: str | None = None
    affiliation: str | None = None
    reported_by: str | None = None
    confidence: float = 0.5


@dataclass(frozen=True)
class Place:
    """A place named in the article, resolved to a gazetteer entry."""

    name: str  # as written
    span: Span
    lat: float
    lon: float
    country: str | None  # ISO 3166-1 alpha-2
    entry: str  # the gazetteer's name for it
    kind: str  # country | admin1 | admin2 | city | region
    geonameid: int | None = None
    confidence: float = 0.5


@dataclass(frozen=True)
class PartyMention:
    """An armed group, force, state or body named as an actor."""

    name: str  # canonical: the registry's name when it has one
    span: Span
    party_id: int | None = None
    confidence: float = 0.5


@dataclass(frozen=True)
class Event:
    """Something that happened, typed with ACLED's event types."""

    type: str
    sub_type: str
    span: Span  # the sentence that reports it
    trigger: str
    date: date | None = None
    date_span: Span | None = None
    place: Place | None = None
    actors: tuple[str, ...] = ()
    fatalities: int | None = None
    confidence: float = 0.5


@dataclass(frozen=True)
class Extraction:
    """Everything found in one article."""

    name: str
    title: str
    outlet: str | None
    url: str | None
    published: datetime | None
    source_line: str | None
    digest: str
    statements: tuple[Statement, ...] = ()
    places: tuple[Place, ...] = ()
    parties: tuple[PartyMention, ...] = ()
    events: tuple[Event, ...] = ()
    people: tuple[Person, ...] = field(default=())
