"""Scoring extractions against hand labels: precision, recall and F1 per kind and article.

Matching rules (docs/news-labels.md): statements by speaker and overlapping quote; places
within 25 km; parties by folded name; events by type, sub-type, place within 25 km and date
within a day. Each label matches at most one extracted item.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from truce.domain.text import fold
from truce.news.model import Extraction

KINDS = ("statements", "places", "parties", "events")
NEAR_KM = 25.0


@dataclass
class Tally:
    """Counts for one kind: true positives, extracted, labelled."""

    hits: int = 0
    found: int = 0
    labelled: int = 0

    def add(self, other: Tally) -> None:
        self.hits += other.hits
        self.found += other.found
        self.labelled += other.labelled

    @property
    def precision(self) -> float:
        return self.hits / self.found if self.found else 1.0 if not self.labelled else 0.0

    @property
    def recall(self) -> float:
        return self.hits / self.labelled if self.labelled else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class ArticleScore:
    id: str
    tallies: dict[str, Tally] = field(default_factory=dict)
    error: str | None = None


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def _match(labels: Sequence[Any], found: Sequence[Any], same: Callable[[Any, Any], bool]) -> Tally:
    used: set[int] = set()
    hits = 0
    for label in labels:
        for index, item in enumerate(found):
            if index not in used and same(label, item):
                used.add(index)
                hits += 1
                break
    return Tally(hits, len(found), len(labels))


def _names_match(label: str, found: str) -> bool:
    a, b = fold(label), fold(found)
    if not a or not b:
        return False
    return a == b or (a.split()[-1] == b.split()[-1] and (a in b or b in a))


def _quotes_overlap(label: str, found: str) -> bool:
    a, b = " ".join(label.split()), " ".join(found.split())
    if not a or not b:
        return False
    block = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return block.size >= 0.8 * min(len(a), len(b))


def _statement(label: dict[str, Any], item: Any) -> bool:
    return _names_match(label["speaker"], item.speaker) and _quotes_overlap(
        label["quote"], item.quote
    )


def _place(label: dict[str, Any], item: Any) -> bool:
    return km((label["lat"], label["lon"]), (item.lat, item.lon)) <= NEAR_KM


def _party(label: str, item: Any) -> bool:
    return fold(label) == fold(item.name)


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    return date.fromisoformat(value) if isinstance(value, str) else None


def _event(label: dict[str, Any], item: Any) -> bool:
    if (label["type"], label["sub_type"]) != (item.type, item.sub_type):
        return False
    labelled, found = _day(label.get("date")), item.date
    if labelled is None or found is None or abs((labelled - found).days) > 1:
        return False
    place = label.get("place")
    if place is None or item.place is None:
        return place is None and item.place is None
    return km((place["lat"], place["lon"]), (item.place.lat, item.place.lon)) <= NEAR_KM


def score(label: dict[str, Any], extraction: Extraction) -> dict[str, Tally]:
    """Tallies for one article."""
    return {
        "statements": _match(label.get("statements", []), extraction.statements, _statement),
        "places": _match(label.get("places", []), _unique_places(extraction), _place),
        "parties": _match(label.get("parties", []), _unique_parties(extraction), _party),
        "events": _match(label.get("events", []), extraction.events, _event),
    }


def _unique_places(extraction: Extraction) -> list[Any]:
    seen: set[tuple[float, float]] = set()
    unique = []
    for place in extraction.places:
        key = (round(place.lat, 3), round(place.lon, 3))
        if key not in seen:
            seen.add(key)
            unique.append(place)
    return unique


def _unique_parties(extraction: Extraction) -> list[Any]:
    seen: set[str] = set()
    unique = []
    for party in extraction.parties:
        if fold(party.name) not in seen:
            seen.add(fold(party.name))
            unique.append(party)
    return unique


def load_labels(path: Path) -> dict[str, Any]:
    """The labels file; ValueError naming what is wrong."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("articles"), list):
        raise ValueError(f"{path}: expected an object with an 'articles' list")
    return data


def published_of(label: dict[str, Any]) -> datetime | None:
    """The publication time a label gives, which overrides the article's own."""
    value = label.get("published")
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def evaluate(
    labels: Iterable[dict[str, Any]], extract: Callable[[dict[str, Any]], Extraction]
) -> tuple[list[ArticleScore], dict[str, Tally]]:
    """Score every labelled article; an article that fails is scored as finding nothing."""
    scores = []
    overall = {kind: Tally() for kind in KINDS}
    for label in labels:
        entry = ArticleScore(label["id"])
        try:
            entry.tallies = score(label, extract(label))
        except Exception as exc:
            entry.error = f"{type(exc).__name__}: {exc}"
            entry.tallies = {k: Tally(0, 0, len(label.get(k, []))) for k in KINDS}
        for kind in KINDS:
            overall[kind].add(entry.tallies[kind])
        scores.append(entry)
    return scores, overall
