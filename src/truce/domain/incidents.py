"""An incident: what happened once, summed up from every report of it, each source's claim kept.

Reports of one event disagree: on the hour, the place, the kind, who did it and how many died.
An incident keeps every report and sums them up without choosing a winner:

- its **time** is the window of its most precise reports (a day report and a month report of
  one event give the day), its **place** the mean point of its most precisely placed reports;
- its **kinds** are every kind its sources gave, the most reported first;
- its **casualties** are, per measure (killed, injured) and category (side A, side B,
  civilians, unknown, and their total), the range across reports: the lowest low, the median
  best and the highest high (a report giving one figure gives it as low, best and high);
- each source's **claim** stands side by side: the perpetrator and target it names, its kind,
  its toll. The **assessed** perpetrator is a separate field, set by the guarantors (two keys,
  as for statuses); None means not assessed, and the claims alone then say who did it.

Side A and side B are each report's own: the side its ``actor1`` and ``actor2`` are on. Two
reports that name the actors the other way round count them the other way round too, so the
total is the figure to compare across reports.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median_low
from typing import Any

from truce.domain.breaches import ActorFact, IncidentFacts
from truce.domain.errors import Invalid
from truce.domain.events import VIOLENCE_AGAINST_CIVILIANS, EventKind, event_kind
from truce.domain.i18n import N_
from truce.domain.parties import Status
from truce.domain.reports import (
    MEASURES,
    TOTAL,
    Casualties,
    Figure,
    GeoPrecision,
    TimePrecision,
    casualty_total,
)
from truce.domain.text import fold

TIME_PRECISIONS = tuple(TimePrecision)  # finest first
GEO_PRECISIONS = tuple(GeoPrecision)  # finest first

# How sources name civilians as a target, folded: "Civilians (Syria)" (ACLED), "Civilians"
# (UCDP), مدنيين, мирные жители.
_CIVILIAN_NAMES = ("civilian", "مدني", "mirn")


@dataclass(frozen=True)
class Account:
    """One report, as an incident sums it up: what it says happened, where, when, by whom."""

    report_id: int
    source: str
    start: datetime
    end: datetime
    time_precision: str
    event_type: str
    sub_event_type: str
    lat: float | None = None
    lon: float | None = None
    geo_precision: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    location: str | None = None
    actor1: str | None = None  # the claimed perpetrator, as the source names it
    actor1_party_id: int | None = None
    actor2: str | None = None  # the claimed target
    actor2_party_id: int | None = None
    casualties: Casualties = field(default_factory=dict)

    @property
    def kind(self) -> EventKind:
        """The report's kind, spelled as the taxonomy spells it."""
        return event_kind(self.event_type, self.sub_event_type)


@dataclass(frozen=True)
class Range:
    """A category's figures across reports: the lowest low, the median best, the highest high,
    and how many reports gave a figure."""

    low: int | None
    best: int | None
    high: int | None
    reports: int


@dataclass(frozen=True)
class Claim:
    """One source's account, as it stands beside the others."""

    report_id: int
    source: str
    perpetrator: str | None
    perpetrator_party_id: int | None
    target: str | None
    target_party_id: int | None
    event_type: str
    sub_event_type: str
    killed: int | None  # the report's best total


@dataclass(frozen=True)
class Summary:
    """What an incident's reports say together."""

    start: datetime
    end: datetime
    time_precision: str
    lat: float | None
    lon: float | None
    geo_precision: str | None
    admin1: str | None
    admin2: str | None
    location: str | None
    kinds: tuple[EventKind, ...]
    casualties: dict[tuple[str, str], Range]
    claims: tuple[Claim, ...]
    sources: tuple[str, ...]
    civilians: bool
    assessed_perpetrator: int | None = None  # set by the guarantors; None: not assessed ...
    undetermined: bool = False  # ... or assessed as undetermined: nobody can say who did it

    @property
    def assessed(self) -> bool:
        """Whether the guarantors have assessed the perpetrator (a party, or undetermined)."""
        return self.assessed_perpetrator is not None or self.undetermined

    @property
    def moment(self) -> datetime:
        """When the incident is checked against the terms: the middle of its window."""
        return self.start + (self.end - self.start) / 2

    def figure(self, measure: str, category: str = TOTAL) -> Range | None:
        """The range of one measure and category, None when no report gave it."""
        return self.casualties.get((measure, category))

    @property
    def claimed_perpetrators(self) -> tuple[int, ...]:
        """The registry parties the sources name as the perpetrator, in report order."""
        return tuple(
            dict.fromkeys(c.perpetrator_party_id for c in self.claims if c.perpetrator_party_id)
        )


@dataclass(frozen=True)
class IncidentFilters:
    """What narrows the incidents list. Times are UTC; ``bbox`` is (west, south, east, north)."""

    since: datetime | None = None  # the incident's window ends at or after this
    until: datetime | None = None  # ... and starts before this
    bbox: tuple[float, float, float, float] | None = None
    party_id: int | None = None  # claimed by a source (either actor) or assessed
    event_type: str | None = None  # among the kinds its sources gave
    verdict: str | None = None  # applicability at its place and time
    outcome: str | None = None  # the check against the terms
    source: str | None = None  # one of its reports comes from this source
    updated_since: datetime | None = None


def is_civilians(name: str | None) -> bool:
    """Whether a source names civilians (in English, Arabic or Russian)."""
    folded = fold(name or "")
    return any(folded.startswith(prefix) for prefix in _CIVILIAN_NAMES)


def summarise(
    accounts: Sequence[Account],
    assessed_perpetrator: int | None = None,
    *,
    undetermined: bool = False,
) -> Summary:
    """An incident's summary from its reports (at least one), with the perpetrator the
    guarantors assessed (a party, or ``undetermined``) when they have."""
    if not accounts:
        raise Invalid(N_("An incident needs at least one report."), field="reports")
    ordered = sorted(accounts, key=lambda a: a.report_id)
    start, end, time_precision = _window(ordered)
    casualties = _casualties(ordered)
    civilian_toll = any(
        (casualties.get((m, "civilians")) or Range(None, None, None, 0)).high for m in MEASURES
    )
    return Summary(
        start,
        end,
        time_precision,
        *_place(ordered),
        kinds=_kinds(ordered),
        casualties=casualties,
        claims=tuple(_claim(a) for a in ordered),
        sources=tuple(dict.fromkeys(a.source for a in ordered)),
        civilians=bool(civilian_toll)
        or any(is_civilians(a.actor2) for a in ordered)
        or any(a.kind.event_type == VIOLENCE_AGAINST_CIVILIANS for a in ordered),
        assessed_perpetrator=assessed_perpetrator,
        undetermined=undetermined and assessed_perpetrator is None,
    )


def _window(accounts: Sequence[Account]) -> tuple[datetime, datetime, str]:
    finest = min(accounts, key=lambda a: _rank(a.time_precision, TIME_PRECISIONS)).time_precision
    best = [a for a in accounts if a.time_precision == finest]
    return min(a.start for a in best), max(a.end for a in best), finest


def _place(
    accounts: Sequence[Account],
) -> tuple[float | None, float | None, str | None, str | None, str | None, str | None]:
    placed = [a for a in accounts if a.lat is not None and a.lon is not None] or list(accounts)
    finest = min(placed, key=lambda a: _rank(a.geo_precision, GEO_PRECISIONS)).geo_precision
    best = [a for a in placed if a.geo_precision == finest]
    points = [(a.lat, a.lon) for a in best if a.lat is not None and a.lon is not None]
    lat = round(sum(p[0] for p in points) / len(points), 6) if points else None
    lon = round(sum(p[1] for p in points) / len(points), 6) if points else None
    return (
        lat,
        lon,
        finest,
        _most_common(a.admin1 for a in best),
        _most_common(a.admin2 for a in best),
        _most_common(a.location for a in best),
    )


def _rank(value: str | None, order: tuple[str, ...]) -> int:
    return order.index(value) if value in order else len(order)


def _most_common(values: Iterable[str | None]) -> str | None:
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    top = max(counts.values())
    return next(v for v in counts if counts[v] == top)


def _kinds(accounts: Sequence[Account]) -> tuple[EventKind, ...]:
    counts = Counter(a.kind for a in accounts)
    return tuple(kind for kind, _ in counts.most_common())


def _casualties(accounts: Sequence[Account]) -> dict[tuple[str, str], Range]:
    figures: dict[tuple[str, str], list[Figure]] = defaultdict(list)
    for account in accounts:
        for (measure, category), figure in account.casualties.items():
            if category != TOTAL and figure.given():
                figures[(measure, category)].append(figure)
        for measure in MEASURES:
            total = casualty_total(account.casualties, measure)
            if total is not None and total.given():
                figures[(measure, TOTAL)].append(total)
    return {key: _range(found) for key, found in sorted(figures.items())}


def _range(figures: Sequence[Figure]) -> Range:
    """The lowest low, the median best and the highest high (a report that gives one figure
    gives it as all three)."""
    given = [f.given() for f in figures]
    bests = [f.central for f in figures if f.central is not None]
    return Range(
        min(g[0] for g in given),
        median_low(bests) if bests else None,
        max(g[-1] for g in given),
        len(figures),
    )


def _claim(account: Account) -> Claim:
    killed = casualty_total(account.casualties, "killed")
    return Claim(
        account.report_id,
        account.source,
        account.actor1,
        account.actor1_party_id,
        account.actor2,
        account.actor2_party_id,
        account.event_type,
        account.sub_event_type,
        killed.central if killed else None,
    )


def facts_of(
    summary: Summary,
    status_of: Callable[[int, datetime], Status],
    name_of: Callable[[int], str],
    sides: Mapping[int, str] | None = None,
) -> IncidentFacts:
    """What the terms are checked against: the assessed perpetrator once there is one (none
    when the guarantors assessed it as undetermined), else every claimed one; every claimed
    target but civilians (who count as ``civilians``); each party with its status at the
    middle of the incident's window. ``sides`` gives each
    party's side: no party breaches a term against its own side."""
    at = summary.moment

    def actor(party_id: int | None, name: str | None) -> ActorFact:
        if party_id is None:
            return ActorFact(None, name or "")
        return ActorFact(party_id, name_of(party_id), status_of(party_id, at))

    if summary.assessed_perpetrator is not None:
        perpetrators: tuple[ActorFact, ...] = (actor(summary.assessed_perpetrator, None),)
    elif summary.undetermined:
        perpetrators = ()  # the guarantors set the claims aside and name nobody
    else:
        perpetrators = tuple(
            actor(c.perpetrator_party_id, c.perpetrator)
            for c in summary.claims
            if c.perpetrator_party_id is not None or c.perpetrator
        )
    targets = tuple(
        actor(c.target_party_id, c.target)
        for c in summary.claims
        if (c.target_party_id is not None or c.target) and not is_civilians(c.target)
    )
    return IncidentFacts(
        at,
        summary.kinds,
        perpetrators,
        targets,
        summary.civilians,
        dict(sides or {}),
        undetermined=summary.undetermined,
    )


# --- the records the store keeps --------------------------------------------------------------


@dataclass(frozen=True)
class IncidentRecord:
    """A stored incident: its summary as stored, its check against the terms, and whether a
    merge removed it."""

    id: int
    start: datetime
    end: datetime
    time_precision: str
    lat: float | None
    lon: float | None
    geo_precision: str | None
    admin1: str | None
    admin2: str | None
    location: str | None
    event_type: str
    sub_event_type: str
    kinds: tuple[tuple[str, str], ...]
    killed_low: int | None
    killed_best: int | None
    killed_high: int | None
    casualties: tuple[Mapping[str, Any], ...]  # {measure, category, low, best, high, reports}
    reports: int
    created_at: datetime
    updated_at: datetime
    agreement_id: int | None = None
    assessed_perpetrator_id: int | None = None
    perpetrator_undetermined: bool = False
    verdict: str | None = None
    outcome: str | None = None
    outcome_reason: Mapping[str, Any] | None = None  # a breaches.Reason as data
    checked_at: datetime | None = None
    merged_into_id: int | None = None


@dataclass(frozen=True)
class ReportLink:
    """A report's place in an incident, and the link that put it there (its score and the
    comparisons behind it), or the person who moved it."""

    report_id: int
    incident_id: int
    linked_by: str  # "linkage", or the user who moved it
    linked_at: datetime
    linked_to: int | None = None  # the report it was linked to
    match_probability: float | None = None
    match_weight: float | None = None
    comparisons: tuple[Mapping[str, Any], ...] = ()  # {comparison, level, bayes_factor}
    links: tuple[Mapping[str, Any], ...] = ()  # every link scored for it, with its outcome


@dataclass(frozen=True)
class Allegation:
    """A claim that an incident breached a term by a party (None: no party named), opened by
    the check against the terms."""

    id: int
    key: str  # incident:agreement:term:party
    incident_id: int
    agreement_id: int
    term: int
    party_id: int | None
    flagged: bool
    state: str
    reason: Mapping[str, Any]  # a breaches.Reason as data
    opened_at: datetime


@dataclass(frozen=True)
class Tombstone:
    """An incident removed by a merge: into which, when, by whom and why."""

    id: int
    incident_id: int
    merged_into_id: int
    reason: str
    removed_by: str
    removed_at: datetime
