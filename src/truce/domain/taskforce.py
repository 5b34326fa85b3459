"""The task force pack: what the weekly meeting has to decide, as the record stood at a cut-off.

Open allegations by age, requests for information and hotline acknowledgements gone overdue,
findings the guarantors did not agree on (disputed), parties close to the referral rule,
the areas the guarantors' maps disagree on that day, and the condition clocks. Everything here
is a pure function of records the service read up to the cut-off, so the same record gives the
same pack, byte for byte: lists are sorted, times are written as UTC text, ages are whole
hours and days counted from the cut-off (never from the clock on the wall).

The pack never carries hotline text or an assessment's content: counts, sides and deadlines
only (the hotline is the sides'; assessments are sealed, see ``findings``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from truce.domain.findings import FindingRules

# Upper edges (days, exclusive) of the age buckets of open allegations; the last is open-ended.
AGE_EDGES = (1, 3, 7, 14, 30)


def stamp(moment: datetime) -> str:
    """A time as the pack writes it: UTC, to the second, with a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def age_days(since: datetime, cutoff: datetime) -> int:
    """Whole days from ``since`` to the cut-off (0 for less than a day)."""
    return max(0, (cutoff - since) // timedelta(days=1))


def hours_late(due_at: datetime, cutoff: datetime) -> int:
    """Whole hours past a deadline at the cut-off."""
    return max(0, (cutoff - due_at) // timedelta(hours=1))


def bucket_of(days: int) -> str:
    """The age bucket's label for an age in days: "0-1", "1-3", ... "30+"."""
    low = 0
    for edge in AGE_EDGES:
        if days < edge:
            return f"{low}-{edge}"
        low = edge
    return f"{AGE_EDGES[-1]}+"


BUCKETS = tuple(bucket_of(low) for low in (0, *AGE_EDGES))


@dataclass(frozen=True)
class AllegationRef:
    """What names an allegation wherever the pack or a case file lists one: its id, the
    incidents, the party alleged to have breached which term."""

    id: int
    incident_ids: tuple[int, ...]
    party_id: int | None
    party_name: str | None
    term: int
    # Where and when its first incident began: what the meeting knows an allegation by.
    admin1: str | None = field(default=None, kw_only=True)
    occurred_at: datetime | None = field(default=None, kw_only=True)

    def head(self) -> dict[str, Any]:
        """The allegation's names as JSON-ready data, the first keys of every row about it."""
        return {
            "id": self.id,
            "incident_ids": list(self.incident_ids),
            "party_id": self.party_id,
            "party_name": self.party_name,
            "term": self.term,
            "admin1": self.admin1,
            "occurred_at": stamp(self.occurred_at) if self.occurred_at else None,
        }


def side_name(side: str, party_names: Mapping[int, str]) -> str:
    """A side as the reader knows it: ``party:9`` is the party's name, ``state:US`` the
    state's code; anything else as it is written."""
    kind, _, rest = side.partition(":")
    if kind == "party" and rest.isdigit():
        return party_names.get(int(rest), side)
    if kind == "state" and rest:
        return rest
    return side


@dataclass(frozen=True)
class OpenAllegation(AllegationRef):
    """An allegation without a finding at the cut-off."""

    opened_at: datetime
    due_at: datetime  # the assessment deadline
    submitted: tuple[str, ...]  # the guarantors that had assessed (never what)


@dataclass(frozen=True)
class OverdueRequest:
    """A request for information unanswered at the cut-off, past its deadline."""

    id: int
    allegation_id: int
    to_side: str
    asker_state: str
    asked_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class OverdueAcknowledgement:
    """A hotline message a receiving side had not acknowledged by its deadline (no text)."""

    message_id: int
    thread_id: int
    side: str  # the side that owes the acknowledgement
    author_side: str
    priority: str
    sent_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class DisputedFinding(AllegationRef):
    """An allegation whose finding, made by the cut-off, is disputed."""

    decided_at: datetime


@dataclass(frozen=True)
class PartyRecord:
    """A party's confirmed findings (their times) and referrals up to the cut-off."""

    party_id: int
    name: str
    confirmed_at: tuple[datetime, ...]
    referrals: tuple[datetime, ...]  # when each referral was opened


@dataclass(frozen=True)
class AreaDisagreement:
    """Where the guarantors' maps disagree on the day (``geo.disagreements``, as data)."""

    kind: str
    area_ids: tuple[int, ...]
    party_ids: tuple[int, ...]
    guarantors: tuple[str, ...]
    lat: float | None  # a point inside it, for the map
    lon: float | None


@dataclass(frozen=True)
class ClockReading:
    """A condition clock on the cut-off's day."""

    key: str
    name: str
    days: int  # calm days the condition needs
    calm_days: int
    running: bool
    met: bool
    started_on: date | None
    stopped_on: date | None
    open_reset: bool  # a reset proposed and not yet decided


@dataclass(frozen=True)
class PackRecord:
    """Everything the pack is made from, as read up to the cut-off."""

    agreement_id: int
    agreement_title: str
    guarantors: tuple[str, ...]
    cutoff: datetime
    rules: FindingRules
    open_allegations: Sequence[OpenAllegation]
    overdue_requests: Sequence[OverdueRequest]
    overdue_acknowledgements: Sequence[OverdueAcknowledgement]
    disputed: Sequence[DisputedFinding]
    parties: Sequence[PartyRecord]
    disagreements: Sequence[AreaDisagreement]
    clocks: Sequence[ClockReading]
    party_names: Mapping[int, str] = field(default_factory=dict)  # for the sides' names


def near_referral(party: PartyRecord, cutoff: datetime, rules: FindingRules) -> dict[str, Any]:
    """Where a party stands against the referral rule at the cut-off: its confirmed findings in
    the rule's window, how many more would refer it, whether it has been referred."""
    window = [at for at in party.confirmed_at if cutoff - rules.referral_within <= at <= cutoff]
    return {
        "party_id": party.party_id,
        "name": party.name,
        "confirmed_in_window": len(window),
        "threshold": rules.referral_findings,
        "more_to_refer": max(0, rules.referral_findings - len(window)),
        "referred": bool(party.referrals),
        "last_referral_at": stamp(max(party.referrals)) if party.referrals else None,
        # The window closes on the oldest finding in it: after that one more would be needed.
        "window_eases_at": stamp(min(window) + rules.referral_within) if window else None,
    }


def _allegation(
    item: OpenAllegation, cutoff: datetime, guarantors: Sequence[str]
) -> dict[str, Any]:
    days = age_days(item.opened_at, cutoff)
    return {
        **item.head(),
        "opened_at": stamp(item.opened_at),
        "due_at": stamp(item.due_at),
        "age_days": days,
        "age_bucket": bucket_of(days),
        "past_deadline": cutoff >= item.due_at,
        "submitted": sorted(item.submitted),
        "awaiting": sorted(set(guarantors) - set(item.submitted)),
    }


def pack(record: PackRecord) -> dict[str, Any]:
    """The pack's content: every section as JSON-ready data, oldest and most urgent first."""
    cutoff = record.cutoff
    allegations = sorted(record.open_allegations, key=lambda a: (a.opened_at, a.id))
    by_age = {bucket: 0 for bucket in BUCKETS}
    rows = [_allegation(a, cutoff, record.guarantors) for a in allegations]
    for row in rows:
        by_age[row["age_bucket"]] += 1
    parties = [near_referral(p, cutoff, record.rules) for p in record.parties]
    parties = [p for p in parties if p["confirmed_in_window"] or p["referred"]]
    parties.sort(key=lambda p: (p["more_to_refer"], -p["confirmed_in_window"], p["party_id"]))
    return {
        "agreement": {"id": record.agreement_id, "title": record.agreement_title},
        "guarantors": list(record.guarantors),
        "cutoff": stamp(cutoff),
        "rules": {
            "assess_within_days": record.rules.assess_within.days,
            "answer_within_days": record.rules.answer_within.days,
            "referral_findings": record.rules.referral_findings,
            "referral_within_days": record.rules.referral_within.days,
        },
        "totals": {
            "open_allegations": len(rows),
            "past_deadline": sum(1 for r in rows if r["past_deadline"]),
            "overdue_requests": len(record.overdue_requests),
            "overdue_acknowledgements": len(record.overdue_acknowledgements),
            "disputed_findings": len(record.disputed),
            "parties_near_referral": sum(1 for p in parties if p["more_to_refer"] <= 1),
            "disagreements": len(record.disagreements),
        },
        "open_allegations": {"by_age": by_age, "items": rows},
        "overdue_requests": [
            _request(r, cutoff, record.party_names) for r in _by_due(record.overdue_requests)
        ],
        "overdue_acknowledgements": _acknowledgements(
            record.overdue_acknowledgements, cutoff, record.party_names
        ),
        "disputed_findings": [_disputed(d) for d in _by_decision(record.disputed)],
        "referral": parties,
        "disagreements": _disagreements(record.disagreements),
        "clocks": [_clock(c) for c in sorted(record.clocks, key=lambda c: c.key)],
    }


def _by_due(requests: Sequence[OverdueRequest]) -> list[OverdueRequest]:
    return sorted(requests, key=lambda r: (r.due_at, r.id))


def _request(
    item: OverdueRequest, cutoff: datetime, party_names: Mapping[int, str]
) -> dict[str, Any]:
    return {
        "id": item.id,
        "allegation_id": item.allegation_id,
        "to_side": item.to_side,
        "to_name": side_name(item.to_side, party_names),
        "asker_state": item.asker_state,
        "asked_at": stamp(item.asked_at),
        "due_at": stamp(item.due_at),
        "hours_late": hours_late(item.due_at, cutoff),
    }


def _acknowledgements(
    items: Sequence[OverdueAcknowledgement], cutoff: datetime, party_names: Mapping[int, str]
) -> dict[str, Any]:
    ordered = sorted(items, key=lambda a: (a.due_at, a.message_id, a.side))
    by_side: dict[str, int] = {}
    for item in ordered:
        by_side[item.side] = by_side.get(item.side, 0) + 1
    return {
        "by_side": dict(sorted(by_side.items())),
        "side_names": {side: side_name(side, party_names) for side in sorted(by_side)},
        "items": [
            {
                "message_id": a.message_id,
                "thread_id": a.thread_id,
                "side": a.side,
                "side_name": side_name(a.side, party_names),
                "author_side": a.author_side,
                "author_name": side_name(a.author_side, party_names),
                "priority": a.priority,
                "sent_at": stamp(a.sent_at),
                "due_at": stamp(a.due_at),
                "hours_late": hours_late(a.due_at, cutoff),
            }
            for a in ordered
        ],
    }


def _by_decision(items: Sequence[DisputedFinding]) -> list[DisputedFinding]:
    return sorted(items, key=lambda d: (d.decided_at, d.id))


def _disputed(item: DisputedFinding) -> dict[str, Any]:
    return {**item.head(), "decided_at": stamp(item.decided_at)}


def _disagreements(items: Sequence[AreaDisagreement]) -> dict[str, Any]:
    ordered = sorted(items, key=lambda d: (d.kind, d.area_ids, d.party_ids, d.guarantors))
    by_kind: dict[str, int] = {}
    for item in ordered:
        by_kind[item.kind] = by_kind.get(item.kind, 0) + 1
    return {
        "by_kind": dict(sorted(by_kind.items())),
        "disputed_areas": sorted({i for d in ordered if d.kind == "disputed" for i in d.area_ids}),
        "items": [
            {
                "kind": d.kind,
                "area_ids": list(d.area_ids),
                "party_ids": list(d.party_ids),
                "guarantors": list(d.guarantors),
                "lat": None if d.lat is None else round(d.lat, 5),
                "lon": None if d.lon is None else round(d.lon, 5),
            }
            for d in ordered
        ],
    }


def _clock(reading: ClockReading) -> dict[str, Any]:
    return {
        "key": reading.key,
        "name": reading.name,
        "days": reading.days,
        "calm_days": reading.calm_days,
        "running": reading.running,
        "met": reading.met,
        "started_on": reading.started_on.isoformat() if reading.started_on else None,
        "stopped_on": reading.stopped_on.isoformat() if reading.stopped_on else None,
        "open_reset": reading.open_reset,
    }
