"""What the news pipeline finds in an article. Every item carries the offsets it rests on."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar

T = TypeVar("T")


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


class SpanIndex(Generic[T]):
    """Items sorted by where they start, so lookups by position cost a bisection, not a scan
    of the whole article (a 10 MB article has tens of thousands of sentences and names)."""

    def __init__(self, items: Iterable[T], span_of: Callable[[T], Span]) -> None:
        self.items = sorted(items, key=lambda item: span_of(item).start)
        self.spans = [span_of(item) for item in self.items]
        self.starts = [span.start for span in self.spans]
        self.longest = max((span.end - span.start for span in self.spans), default=0)

    def within(self, span: Span) -> list[T]:
        """The items that lie inside ``span``, in order."""
        first, stop = bisect_left(self.starts, span.start), bisect_left(self.starts, span.end)
        return [self.items[i] for i in range(first, stop) if self.spans[i].end <= span.end]

    def starting_in(self, start: int, end: int) -> list[T]:
        """The items that start at or after ``start`` and before ``end``."""
        return self.items[bisect_left(self.starts, start) : bisect_left(self.starts, end)]

    def overlapping(self, span: Span) -> list[T]:
        """The items that share a character with ``span``."""
        return [self.items[i] for i in self._near(span) if self.spans[i].overlaps(span)]

    def containing(self, span: Span) -> list[T]:
        """The items whose span holds all of ``span``."""
        return [self.items[i] for i in self._near(span) if self.spans[i].contains(span)]

    def _near(self, span: Span) -> range:
        # Only an item starting at most `longest` before the span can reach into it.
        first = bisect_left(self.starts, span.start - self.longest)
        return range(first, bisect_left(self.starts, max(span.end, span.start + 1)))


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
    # Quoted words that name or mention something rather than claim it: a coined term
    # ("humanitarian pause"), a name ("Daesh"), a title. Kept so a reader can filter them out.
    quoted_term: bool = False


PLACE_ROLES = ("territory", "actor", "metonym", "dateline")
PARTY_KINDS = ("armed", "state", "intergovernmental", "other")


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
    # What the mention names (PLACE_ROLES): land ("in Syria"), a state acting ("Russia agreed"),
    # a government by its seat ("Moscow said", "the Kremlin"), or where a story was filed.
    role: str = "territory"


@dataclass(frozen=True)
class PartyMention:
    """An armed group, force, state or body named as an actor."""

    name: str  # canonical: the registry's name when it has one
    span: Span
    party_id: int | None = None
    confidence: float = 0.5
    kind: str = "armed"  # PARTY_KINDS: an armed group or force, a state, a body of states


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
    # Places that stand for a state rather than name a place: a country acting ("Russia
    # agreed", role actor) and a seat of government ("the Kremlin", role metonym).
    states: tuple[Place, ...] = ()
