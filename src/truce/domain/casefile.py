"""A case file: everything the record holds on one incident or one allegation, up to a cut-off.

Every report of the incident (how each joined it), the applicability answer for its place and
time with the check against the terms, the terms alleged, each allegation with its requests
for information and answers, the guarantors' assessments once they are unsealed, the finding,
and the ledger entries behind all of it.

Two rules decide what the file may hold, whoever reads it:

- **Sealed assessments stay sealed.** While some guarantor has not submitted
  (``findings.sealed``), the file names only which guarantors have assessed, never what any of
  them said, not even to the guarantor that wrote one: a case file is one document for every
  reader (it is built once, its digest published), so it holds only what every reader may see.
- **Hidden reporters stay hidden.** A report whose reporter is hidden (``hide_reporter``)
  carries neither the reporter nor who filed it.

Each ledger entry is given by its seq and hash with its inclusion proof (RFC 9162) in the
ledger's Merkle tree at the file's ledger head, and the file carries that tree's root
(``ledger_root``): a reader checks each entry with ``truce.ledger.merkle.verify_inclusion``
and the root against a checkpoint the guarantors' witnesses cosigned (docs/reports.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from truce.domain.agreement import Term
from truce.domain.findings import Assessment, latest, sealed
from truce.domain.incidents import IncidentRecord, ReportLink
from truce.domain.reports import Report
from truce.domain.taskforce import AllegationRef, side_name, stamp


@dataclass(frozen=True)
class CaseRequest:
    """A request for information and its answer, as they stood at the cut-off."""

    id: int
    to_side: str
    asker_state: str
    question: str
    asked_at: datetime
    due_at: datetime
    answer: str | None  # None: unanswered at the cut-off
    answered_at: datetime | None


@dataclass(frozen=True)
class CaseAllegation(AllegationRef):
    """An allegation with all the record holds on it by the cut-off."""

    flagged: bool
    reason: Mapping[str, Any]  # a breaches.Reason as data: why it was opened, or who filed it
    evidence: str
    opened_at: datetime
    due_at: datetime
    requests: Sequence[CaseRequest]
    assessments: Sequence[Assessment]  # every version submitted by the cut-off
    finding: tuple[str, datetime] | None  # its state and when, if made by the cut-off


@dataclass(frozen=True)
class LedgerRef:
    """One ledger entry behind the file, by its place in the chain."""

    seq: int
    at: str
    action: str
    subject: str
    hash: str
    prev: str | None
    proof: InclusionPath | None  # None only for a file built before any entry (no tree)


@dataclass(frozen=True)
class InclusionPath:
    """An entry's audit path in the tree of ``tree_size`` entries (hex hashes)."""

    tree_size: int
    leaf_hash: str
    hashes: tuple[str, ...]


@dataclass(frozen=True)
class CaseRecord:
    """Everything a case file is made from, read up to the cut-off."""

    kind: str  # "incident" or "allegation"
    subject_id: int
    cutoff: datetime
    guarantors: tuple[str, ...]
    incidents: Sequence[IncidentRecord]
    reports: Sequence[tuple[ReportLink, Report]]
    applicability: Mapping[int, Mapping[str, Any] | None]  # per incident: the answer record
    terms: Sequence[Term]
    allegations: Sequence[CaseAllegation]
    ledger: Sequence[LedgerRef]
    ledger_root: tuple[int, str] | None  # the tree's size and root (hex) the proofs lead to
    party_names: Mapping[int, str] = field(default_factory=dict)  # for the sides' names


def _when(moment: datetime | None) -> str | None:
    return stamp(moment) if moment is not None else None


def _report(link: ReportLink, report: Report) -> dict[str, Any]:
    draft = report.draft
    hidden = draft.hide_reporter
    return {
        "id": report.id,
        "incident_id": link.incident_id,
        "channel": draft.channel,
        "source": draft.source,
        "source_reliability": draft.reliability,
        "source_ref": draft.source_ref,
        "received_at": _when(draft.received_at),
        "occurred_start": _when(draft.occurred_start),
        "occurred_end": _when(draft.occurred_end),
        "admin1": draft.admin1,
        "admin2": draft.admin2,
        "location": draft.location,
        "lat": draft.lat,
        "lon": draft.lon,
        "event_type": draft.event_type,
        "sub_event_type": draft.sub_event_type,
        "claimed_perpetrator": draft.actor1,
        "claimed_perpetrator_party_id": draft.actor1_party_id,
        "target": draft.actor2,
        "target_party_id": draft.actor2_party_id,
        "text": draft.text,
        "lang": draft.lang,
        "amends_id": draft.amends_id,
        "content_digest": report.content_digest,
        "reporter_hidden": hidden,
        "reporter": None if hidden else draft.reporter,
        "recorded_by": None if hidden else report.recorded_by,
        "linked_by": link.linked_by,
        "linked_at": _when(link.linked_at),
        "match_probability": link.match_probability,
    }


def _incident(row: IncidentRecord, applicability: Mapping[str, Any] | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "start": _when(row.start),
        "end": _when(row.end),
        "admin1": row.admin1,
        "admin2": row.admin2,
        "location": row.location,
        "lat": row.lat,
        "lon": row.lon,
        "event_type": row.event_type,
        "sub_event_type": row.sub_event_type,
        "killed": {"low": row.killed_low, "best": row.killed_best, "high": row.killed_high},
        "assessed_perpetrator_id": row.assessed_perpetrator_id,
        "perpetrator_undetermined": row.perpetrator_undetermined,
        "verdict": row.verdict,
        "outcome": row.outcome,
        "outcome_reason": dict(row.outcome_reason) if row.outcome_reason else None,
        "checked_at": _when(row.checked_at),
        "merged_into_id": row.merged_into_id,
        "applicability": dict(applicability) if applicability is not None else None,
    }


def assessments_shown(
    guarantors: Sequence[str], assessments: Sequence[Assessment]
) -> dict[str, Any]:
    """The assessments as a case file may show them: who has assessed, always; what they
    said, only once none is sealed."""
    is_sealed = sealed(guarantors, assessments)
    submitted = sorted(latest(assessments))
    if is_sealed:
        return {"sealed": True, "submitted": submitted, "items": []}
    items = [
        {
            "id": a.id,
            "state": a.state,
            "version": a.version,
            "submitted_at": stamp(a.submitted_at),
            "conclusion": a.draft.conclusion.value,
            "nature": a.draft.nature,
            "extent": a.draft.extent,
            "threat": a.draft.threat.value,
            "rationale": a.draft.rationale,
            "evidence": a.draft.evidence,
        }
        for a in sorted(assessments, key=lambda a: (a.state, a.version))
    ]
    return {"sealed": False, "submitted": submitted, "items": items}


def _allegation(
    item: CaseAllegation, guarantors: Sequence[str], party_names: Mapping[int, str]
) -> dict[str, Any]:
    return {
        **item.head(),
        "flagged": item.flagged,
        "reason": dict(item.reason),
        "evidence": item.evidence,
        "opened_at": stamp(item.opened_at),
        "due_at": stamp(item.due_at),
        "requests": [
            {
                "id": r.id,
                "to_side": r.to_side,
                "to_name": side_name(r.to_side, party_names),
                "asker_state": r.asker_state,
                "question": r.question,
                "asked_at": stamp(r.asked_at),
                "due_at": stamp(r.due_at),
                "answer": r.answer,
                "answered_at": _when(r.answered_at),
            }
            for r in sorted(item.requests, key=lambda r: r.id)
        ],
        "assessments": assessments_shown(guarantors, item.assessments),
        "finding": (
            {"state": item.finding[0], "decided_at": stamp(item.finding[1])}
            if item.finding
            else None
        ),
    }


def case_file(record: CaseRecord) -> dict[str, Any]:
    """The case file's content as JSON-ready data, in a fixed order."""
    incidents = sorted(record.incidents, key=lambda i: i.id)
    reports = sorted(record.reports, key=lambda pair: (pair[0].incident_id, pair[1].id))
    return {
        "subject": {"kind": record.kind, "id": record.subject_id},
        "cutoff": stamp(record.cutoff),
        "guarantors": list(record.guarantors),
        "incidents": [_incident(i, record.applicability.get(i.id)) for i in incidents],
        "reports": [_report(link, report) for link, report in reports],
        "terms": [
            {"number": t.number, "title": t.title, "text": t.text}
            for t in sorted(record.terms, key=lambda t: t.number)
        ],
        "allegations": [
            _allegation(a, record.guarantors, record.party_names)
            for a in sorted(record.allegations, key=lambda a: a.id)
        ],
        "ledger": [
            {
                "seq": e.seq,
                "at": e.at,
                "action": e.action,
                "subject": e.subject,
                "hash": e.hash,
                "prev": e.prev,
                "proof": _proof(e.proof),
            }
            for e in sorted(record.ledger, key=lambda e: e.seq)
        ],
        "ledger_root": (
            {"tree_size": record.ledger_root[0], "root": record.ledger_root[1]}
            if record.ledger_root
            else None
        ),
    }


def _proof(path: InclusionPath | None) -> dict[str, Any] | None:
    if path is None:
        return None
    return {"tree_size": path.tree_size, "leaf_hash": path.leaf_hash, "hashes": list(path.hashes)}
