"""Scoring extractions against hand labels: precision, recall and F1 per kind and article.

Matching rules (docs/news-labels.md): statements by speaker and overlapping quote; places
within 25 km; parties by folded name; events by type, sub-type, place within 25 km and date
within a day. Each label matches at most one extracted item.

A :class:`Subset` keeps, on both sides, only the items of a kind whose field takes one of some
values ("statements.kind=direct,mixed", "places.roles=territory"), so any slice can be scored.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from truce.domain.text import fold
from truce.news.model import Extraction

KINDS = ("statements", "places", "parties", "events")
NEAR_KM = 25.0
SUBSET_FIELDS = {
    "statements": ("kind", "quoted_term"),
    "places": ("kind", "roles"),
    "parties": ("kind",),
    "events": ("type", "sub_type"),
}


@dataclass(frozen=True)
class Subset:
    """Items of one kind whose ``field`` takes one of ``values`` (both sides are filtered)."""

    kind: str
    field: str
    values: frozenset[str]

    @classmethod
    def parse(cls, text: str) -> Subset:
        """ "statements.kind=direct,mixed"; ValueError saying what is wrong and what fits."""
        head, sep, values = text.partition("=")
        kind, dot, name = head.strip().partition(".")
        if not sep or not dot or not values.strip():
            raise ValueError(
                f"--only {text!r}: write KIND.FIELD=VALUE[,VALUE], e.g. places.roles=territory"
            )
        if kind not in SUBSET_FIELDS or name not in SUBSET_FIELDS[kind]:
            fields = ", ".join(f"{k}.{f}" for k, fs in SUBSET_FIELDS.items() for f in fs)
            raise ValueError(f"--only {text!r}: no such field; the fields are {fields}")
        return cls(kind, name, frozenset(v.strip().lower() for v in values.split(",") if v.strip()))

    def keeps(self, value: object) -> bool:
        """Whether an item with this field value (a list: any of them) is kept."""
        items = value if isinstance(value, list | tuple | set | frozenset) else [value]
        return any(str(item).lower() in self.values for item in items)

    def __str__(self) -> str:
        return f"{self.kind}.{self.field}={','.join(sorted(self.values))}"


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


def _match_places(labels: Sequence[dict[str, Any]], found: Sequence[Any]) -> Tally:
    """Places pair nearest first, so that a missed town does not take a neighbour's match."""
    pairs = sorted(
        (km((label["lat"], label["lon"]), (item.lat, item.lon)), li, fi)
        for li, label in enumerate(labels)
        for fi, item in enumerate(found)
    )
    taken_labels: set[int] = set()
    taken_found: set[int] = set()
    for distance, li, fi in pairs:
        if distance > NEAR_KM:
            break
        if li not in taken_labels and fi not in taken_found:
            taken_labels.add(li)
            taken_found.add(fi)
    return Tally(len(taken_labels), len(found), len(labels))


def _names_match(label: str, found: str) -> bool:
    """Same name, or the same surname with one name inside the other; a label naming several
    speakers ("Vladimir Putin and Barack Obama") matches any one of them."""
    if " and " in label:
        return any(_names_match(part, found) for part in label.split(" and "))
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


def _party(label: dict[str, Any], item: Any) -> bool:
    return fold(label["name"]) == fold(item.name)


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


@dataclass(frozen=True)
class _Found:
    """An extracted place or party once per article, with what its mentions say of it."""

    name: str
    lat: float = 0.0
    lon: float = 0.0
    kind: str = ""
    roles: tuple[str, ...] = ()


Kinds = Callable[[str], str]  # a party's kind by its canonical name


def score(
    label: dict[str, Any],
    extraction: Extraction,
    subsets: Sequence[Subset] = (),
    party_kind: Kinds | None = None,
) -> dict[str, Tally]:
    """Tallies for one article, on the items every subset keeps."""
    labels = labelled_items(label, party_kind)
    found = found_items(extraction)
    roleless = not any("roles" in place for place in label.get("places", []))
    for subset in subsets:
        if subset.field == "roles" and roleless:
            # Labels without roles (the synthetic set) list places named as places, in any
            # role but a state acting: compare them with every such extracted place.
            found["places"] = [i for i in found["places"] if set(i.roles) - {"actor"}]
            continue
        labels[subset.kind] = [i for i in labels[subset.kind] if subset.keeps(_field(i, subset))]
        found[subset.kind] = [i for i in found[subset.kind] if subset.keeps(_field(i, subset))]
    same = {"statements": _statement, "parties": _party, "events": _event}
    tallies = {kind: _match(labels[kind], found[kind], same[kind]) for kind in same}
    tallies["places"] = _match_places(labels["places"], found["places"])
    return {kind: tallies[kind] for kind in KINDS}


def _field(item: Any, subset: Subset) -> Any:
    return item.get(subset.field) if isinstance(item, dict) else getattr(item, subset.field)


def labelled_items(label: dict[str, Any], party_kind: Kinds | None = None) -> dict[str, list[Any]]:
    """The labels of one article, with the fields subsets filter on filled in: a statement is
    a claim unless marked a quoted term; a place without roles names territory (the synthetic
    set labels no acting countries; a roles subset compares such labels with every extracted
    place that is not a state acting) and its level comes from the gazetteer; a party given
    by name alone takes the kind its name has in the party book."""
    kind_of = party_kind or (lambda name: "armed")
    statements = [{"quoted_term": False, **item} for item in label.get("statements", [])]
    places = [
        {
            **item,
            "roles": item.get("roles") or ["territory"],
            "kind": item.get("kind") or _level(item),
        }
        for item in label.get("places", [])
    ]
    parties = [
        {"name": item, "kind": kind_of(item)}
        if isinstance(item, str)
        else {"kind": kind_of(item["name"]), **item}
        for item in label.get("parties", [])
    ]
    return {
        "statements": statements,
        "places": places,
        "parties": parties,
        "events": list(label.get("events", [])),
    }


def _level(place: dict[str, Any]) -> str:
    """A labelled place's level when the label does not say: a country if its point is the
    gazetteer's point for that country, else below country."""
    from truce.news.gazetteer import gazetteer

    for hit in gazetteer().find(fold(place.get("name", ""))):
        if (
            hit.entry.kind == "country"
            and km((place["lat"], place["lon"]), (hit.entry.lat, hit.entry.lon)) <= NEAR_KM
        ):
            return "country"
    return "city"


def found_items(extraction: Extraction) -> dict[str, list[Any]]:
    """The extracted items of one article: places and parties once each, with every role
    their mentions take."""
    places: dict[tuple[float, float], _Found] = {}
    for place in (*extraction.places, *extraction.states):
        key = (round(place.lat, 3), round(place.lon, 3))
        seen = places.get(key)
        if seen is None:
            places[key] = _Found(place.name, place.lat, place.lon, place.kind, (place.role,))
        elif place.role not in seen.roles:
            places[key] = replace(seen, roles=(*seen.roles, place.role))
    parties: dict[str, _Found] = {}
    for party in extraction.parties:
        parties.setdefault(fold(party.name), _Found(party.name, kind=party.kind))
    return {
        "statements": list(extraction.statements),
        "places": list(places.values()),
        "parties": list(parties.values()),
        "events": list(extraction.events),
    }


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
    labels: Iterable[dict[str, Any]],
    extract: Callable[[dict[str, Any]], Extraction],
    subsets: Sequence[Subset] = (),
    party_kind: Kinds | None = None,
) -> tuple[list[ArticleScore], dict[str, Tally]]:
    """Score every labelled article; an article that fails is scored as finding nothing."""
    scores = []
    overall = {kind: Tally() for kind in KINDS}
    for label in labels:
        entry = ArticleScore(label["id"])
        try:
            entry.tallies = score(label, extract(label), subsets, party_kind)
        except Exception as exc:
            entry.error = f"{type(exc).__name__}: {exc}"
            entry.tallies = {k: Tally(0, 0, len(label.get(k, []))) for k in KINDS}
        for kind in KINDS:
            overall[kind].add(entry.tallies[kind])
        scores.append(entry)
    return scores, overall
