"""Counts as each source counts them: the "two ledgers" of 2016, side by side with the merged view.

In 2016 the Russian centre "registered" 6 to 55 violations a day, the opposition and the NGOs
counted others, and nobody could say whether two counts were of the same events. Truce counts
both ways at once, per day and per key (a province, an event type, or the party a source
attributes the event to):

- **per source**: the reports each source gave (a report counts once, under its own source,
  its own day, province, type and claimed perpetrator, as the source coded them);
- **merged**: the incidents those reports were merged into (an incident counts once per day
  and key; by party, once under each party its sources claim, or under the party the
  guarantors assessed when they did, so the parties' counts of one day may add up to more than
  that day's incidents).

The difference between the two is what merging found: two sources that count the same 540
events give 540 reports each and 540 incidents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from truce.domain.errors import Invalid
from truce.domain.i18n import N_

MAX_DAYS = 3660  # ten years of days at most in one answer
MERGED = "merged"  # the name of the merged view beside the sources', in charts


class CountBy(StrEnum):
    """What a count is kept by, besides the day."""

    PROVINCE = "admin1"
    EVENT_TYPE = "event_type"
    PARTY = "party"


@dataclass(frozen=True)
class CountFilters:
    """What narrows the counts: days from ``since`` to ``until`` (both included), a province,
    an event type, the party a source attributes it to (the claimed perpetrator), a source.
    ``recorded_by``: only reports linked and incidents made by then (a report's record: the
    time of the ledger head it is built from, so that a later import changes nothing)."""

    by: CountBy = CountBy.PROVINCE
    since: date | None = None
    until: date | None = None
    admin1: str | None = None
    event_type: str | None = None
    party_id: int | None = None
    source: str | None = None
    recorded_by: datetime | None = None


@dataclass(frozen=True)
class CountRow:
    """One day and key: how many reports each source gave, and how many incidents they make."""

    day: date
    key: str | None  # None: no province, or no registry party named
    label: str | None  # the key in words (a party's name), else the key
    by_source: dict[str, int] = field(default_factory=dict)
    merged: int = 0


@dataclass(frozen=True)
class Counts:
    """The counts under some filters: the rows, the sources seen, and each day's totals."""

    filters: CountFilters
    sources: tuple[str, ...]
    rows: tuple[CountRow, ...]

    def daily(self) -> list[tuple[date, dict[str, int], int]]:
        """Per day: each source's reports and the incidents, over every key. By party, the
        merged figure is that day's incidents counted once per party, as the rows count it."""
        days: dict[date, tuple[dict[str, int], list[int]]] = {}
        for row in self.rows:
            sources, merged = days.setdefault(row.day, ({}, [0]))
            for source, n in row.by_source.items():
                sources[source] = sources.get(source, 0) + n
            merged[0] += row.merged
        return [(day, sources, merged[0]) for day, (sources, merged) in sorted(days.items())]

    def totals(self) -> tuple[dict[str, int], int]:
        """Each source's reports and the incidents, over every day and key."""
        sources: dict[str, int] = {}
        merged = 0
        for row in self.rows:
            for source, n in row.by_source.items():
                sources[source] = sources.get(source, 0) + n
            merged += row.merged
        return sources, merged


class IncidentClaim(NamedTuple):
    """One report of a live incident, beside what the incident is counted by: its first day
    (the first a report of it counts on), province, type (the most reported) and the
    perpetrator the guarantors assessed, and the report's source and claimed perpetrator.
    A tuple: a count can read hundreds of thousands."""

    incident_id: int
    day: date
    admin1: str | None
    event_type: str
    assessed_id: int | None
    source: str
    claimed_id: int | None


# (day, key, incidents)
MergedCount = tuple[date, str | None, int]


class MergedTally:
    """Incidents per day and key, for each key asked for, tallied from a stream of claims
    (domain/counts.py's module text says how each is counted), so that a count over the whole
    record holds only the incidents' ids, never every report at once."""

    def __init__(self, bys: Iterable[CountBy], party_id: int | None = None, *,
                 sources: bool = False) -> None:  # fmt: skip
        self.party_id = party_id
        self._keyed: dict[CountBy, defaultdict[tuple[date, str | None], set[int]]] = {
            by: defaultdict(set) for by in bys
        }
        self._sources: set[tuple[int, date, str]] | None = set() if sources else None

    def add_all(self, claims: Iterable[IncidentClaim]) -> MergedTally:
        for claim in claims:
            for by, keyed in self._keyed.items():
                for key in self._keys(claim, by):
                    keyed[(claim.day, key)].add(claim.incident_id)
            if self._sources is not None:
                self._sources.add((claim.incident_id, claim.day, claim.source))
        return self

    def _keys(self, claim: IncidentClaim, by: CountBy) -> tuple[str | None, ...]:
        """On its first day, in its province, under its type. By party: once under the party
        the guarantors assessed, else under each party its reports claim as perpetrator (and
        under no party when one of them names none); with ``party_id``, only under that party
        (not the parties claimed beside it)."""
        if by is CountBy.PROVINCE:
            return (claim.admin1,)
        if by is CountBy.EVENT_TYPE:
            return (claim.event_type,)
        if claim.assessed_id is not None:
            return (str(claim.assessed_id),)
        if self.party_id is not None and claim.claimed_id != self.party_id:
            return ()
        return (None if claim.claimed_id is None else str(claim.claimed_id),)

    def counts(self, by: CountBy) -> list[MergedCount]:
        return [(day, key, len(ids)) for (day, key), ids in self._keyed[by].items()]

    def incident_sources(self) -> list[tuple[int, date, str]]:
        """(incident, day, source) for each source that gave a report of an incident, by
        incident and source: which incidents one source counted, and which two or more
        counted alike (only when tallied with ``sources``)."""
        if self._sources is None:
            raise ValueError("tallied without sources")
        return sorted(self._sources)


def check_filters(filters: CountFilters) -> CountFilters:
    """The filters as given, or Invalid naming the field at fault."""
    if filters.since and filters.until:
        if filters.until < filters.since:
            raise Invalid(N_("until is before since: the days must not end before they start."),
                          field="until")  # fmt: skip
        if filters.until - filters.since > timedelta(days=MAX_DAYS):
            raise Invalid(N_("Ask for at most {most} days at once."), field="until",
                          most=MAX_DAYS)  # fmt: skip
    if filters.party_id is not None and filters.party_id < 1:
        raise Invalid(N_("party_id must be a party id from the registry."), field="party_id")
    for name in ("admin1", "event_type", "source"):
        value = getattr(filters, name)
        if value is not None and not value.strip():
            raise Invalid(N_("{name} is empty: leave it out, or give a value."), field=name,
                          name=name)  # fmt: skip
        if value is not None and not value.isprintable():
            raise Invalid(N_("{name} must not hold control characters."), field=name,
                          name=name)  # fmt: skip
    return filters


__all__ = [
    "MERGED",
    "CountBy",
    "CountFilters",
    "CountRow",
    "Counts",
    "IncidentClaim",
    "MergedCount",
    "MergedTally",
    "check_filters",
]
