"""Allegations as the guarantors work them: filed by hand or by the check, assessed (sealed),
found jointly, asked about; and the referrals that findings trip."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from truce.domain.findings import Assessment, AssessmentDraft, Conclusion, FindingState, Threat
from truce.store.tables import (
    AllegationAssessmentRow,
    AllegationFilingRow,
    AllegationRow,
    FindingRow,
    InformationRequestRow,
    ReferralRow,
)


@dataclass(frozen=True)
class Allegation:
    id: int
    key: str
    incident_id: int
    agreement_id: int
    term: int
    party_id: int | None
    flagged: bool
    reason: dict[str, Any]
    opened_at: datetime
    filed_by: str | None  # None when the check against the terms opened it
    evidence: str
    incident_ids: tuple[int, ...]


@dataclass(frozen=True)
class Finding:
    id: int
    allegation_id: int
    state: FindingState
    decided_at: datetime


@dataclass(frozen=True)
class InformationRequest:
    id: int
    allegation_id: int
    to_side: str
    question: str
    asker_state: str
    asked_by: str
    asked_at: datetime
    due_at: datetime
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    overdue_at: datetime | None


@dataclass(frozen=True)
class Referral:
    id: int
    agreement_id: int
    party_id: int
    finding_ids: tuple[int, ...]
    opened_at: datetime


def _request(r: InformationRequestRow) -> InformationRequest:
    return InformationRequest(
        r.id,
        r.allegation_id,
        r.to_side,
        r.question,
        r.asker_state,
        r.asked_by,
        r.asked_at,
        r.due_at,
        r.answer,
        r.answered_by,
        r.answered_at,
        r.overdue_at,
    )


class Findings:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- allegations -----------------------------------------------------------------------

    def _allegations(self, rows: list[AllegationRow]) -> list[Allegation]:
        filings = (
            {
                f.allegation_id: f
                for f in self.session.scalars(
                    select(AllegationFilingRow).where(
                        AllegationFilingRow.allegation_id.in_([r.id for r in rows])
                    )
                )
            }
            if rows
            else {}
        )
        found = []
        for r in rows:
            filing = filings.get(r.id)
            found.append(
                Allegation(
                    r.id,
                    r.key,
                    r.incident_id,
                    r.agreement_id,
                    r.term,
                    r.party_id,
                    r.flagged,
                    r.reason,
                    r.opened_at,
                    filing.filed_by if filing else None,
                    filing.evidence if filing else "",
                    tuple(filing.incident_ids) if filing else (r.incident_id,),
                )
            )
        return found

    def allegation(self, allegation_id: int, *, lock: bool = False) -> Allegation | None:
        """An allegation; with ``lock``, its row held to the end of the transaction so that
        guarantors submitting at once are taken one after the other (PostgreSQL)."""
        query = select(AllegationRow).where(AllegationRow.id == allegation_id)
        if lock:
            query = query.with_for_update()
        row = self.session.scalar(query)
        return self._allegations([row])[0] if row is not None else None

    def by_key(self, key: str) -> int | None:
        return self.session.scalar(select(AllegationRow.id).where(AllegationRow.key == key))

    def file(
        self,
        key: str,
        incident_ids: tuple[int, ...],
        agreement_id: int,
        term: int,
        party_id: int,
        reason: dict[str, Any],
        evidence: str,
        by: str,
        now: datetime,
    ) -> int:
        row = AllegationRow(
            key=key,
            incident_id=incident_ids[0],
            agreement_id=agreement_id,
            term=term,
            party_id=party_id,
            flagged=False,
            state="open",
            reason=reason,
            opened_at=now,
        )
        self.session.add(row)
        self.session.flush()
        self.session.add(
            AllegationFilingRow(
                allegation_id=row.id,
                incident_ids=list(incident_ids),
                evidence=evidence,
                filed_by=by,
                filed_at=now,
            )
        )
        self.session.flush()
        return row.id

    def undecided(self, agreement_id: int, limit: int, offset: int) -> tuple[list[Allegation], int]:
        """Allegations without a finding, oldest first (a page of them, and how many in all)."""
        open_ = (
            select(AllegationRow)
            .outerjoin(FindingRow, FindingRow.allegation_id == AllegationRow.id)
            .where(AllegationRow.agreement_id == agreement_id, FindingRow.id.is_(None))
        )
        total = self.session.scalar(select(func.count()).select_from(open_.subquery())) or 0
        rows = list(
            self.session.scalars(
                open_.order_by(AllegationRow.opened_at, AllegationRow.id)
                .limit(limit)
                .offset(offset)
            )
        )
        return self._allegations(rows), total

    def with_finding(
        self, agreement_id: int, state: FindingState
    ) -> list[tuple[Allegation, datetime]]:
        """Allegations whose finding is ``state``, newest finding first, with its time."""
        query = (
            select(AllegationRow, FindingRow.decided_at)
            .join(FindingRow, FindingRow.allegation_id == AllegationRow.id)
            .where(AllegationRow.agreement_id == agreement_id, FindingRow.state == state)
            .order_by(FindingRow.decided_at.desc(), FindingRow.id.desc())
        )
        rows = self.session.execute(query).all()
        found = self._allegations([row for row, _ in rows])
        return [(allegation, at) for allegation, (_, at) in zip(found, rows, strict=True)]

    def opened_before(self, agreement_id: int, moment: datetime) -> list[Allegation]:
        """Undecided allegations opened at or before ``moment`` (their deadline has passed)."""
        query = (
            select(AllegationRow)
            .outerjoin(FindingRow, FindingRow.allegation_id == AllegationRow.id)
            .where(
                AllegationRow.agreement_id == agreement_id,
                FindingRow.id.is_(None),
                AllegationRow.opened_at <= moment,
            )
            .order_by(AllegationRow.id)
        )
        return self._allegations(list(self.session.scalars(query)))

    # --- assessments -----------------------------------------------------------------------

    def assessments(self, allegation_id: int) -> list[Assessment]:
        rows = self.session.scalars(
            select(AllegationAssessmentRow)
            .where(AllegationAssessmentRow.allegation_id == allegation_id)
            .order_by(AllegationAssessmentRow.state, AllegationAssessmentRow.version)
        )
        return [
            Assessment(
                r.id,
                r.allegation_id,
                r.state,
                r.version,
                AssessmentDraft(
                    Conclusion(r.conclusion),
                    r.nature,
                    r.extent,
                    Threat(r.threat),
                    r.rationale,
                    r.evidence,
                ),
                r.submitted_by,
                r.submitted_at,
            )
            for r in rows
        ]

    def submitted_by_states(self, allegation_ids: list[int]) -> dict[int, set[str]]:
        """Which guarantors have assessed each allegation (not what they said)."""
        found: dict[int, set[str]] = {i: set() for i in allegation_ids}
        if allegation_ids:
            query = (
                select(AllegationAssessmentRow.allegation_id, AllegationAssessmentRow.state)
                .where(AllegationAssessmentRow.allegation_id.in_(allegation_ids))
                .distinct()
            )
            for allegation_id, state in self.session.execute(query):
                found[allegation_id].add(state)
        return found

    def add_assessment(
        self,
        allegation_id: int,
        state: str,
        version: int,
        draft: AssessmentDraft,
        by: str,
        now: datetime,
    ) -> int:
        row = AllegationAssessmentRow(
            allegation_id=allegation_id,
            state=state,
            version=version,
            conclusion=draft.conclusion,
            nature=draft.nature,
            extent=draft.extent,
            threat=draft.threat,
            rationale=draft.rationale,
            evidence=draft.evidence,
            submitted_by=by,
            submitted_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    # --- findings --------------------------------------------------------------------------

    def finding(self, allegation_id: int) -> Finding | None:
        row = self.session.scalar(
            select(FindingRow).where(FindingRow.allegation_id == allegation_id)
        )
        return (
            Finding(row.id, row.allegation_id, FindingState(row.state), row.decided_at)
            if row
            else None
        )

    def add_finding(self, allegation_id: int, state: FindingState, now: datetime) -> int:
        row = FindingRow(allegation_id=allegation_id, state=state, decided_at=now)
        self.session.add(row)
        self.session.flush()
        return row.id

    def confirmed_against(self, agreement_id: int, party_id: int) -> list[tuple[int, datetime]]:
        """Confirmed findings against a party: (finding id, when), oldest first."""
        query = (
            select(FindingRow.id, FindingRow.decided_at)
            .join(AllegationRow, AllegationRow.id == FindingRow.allegation_id)
            .where(
                AllegationRow.agreement_id == agreement_id,
                AllegationRow.party_id == party_id,
                FindingRow.state == FindingState.CONFIRMED,
            )
            .order_by(FindingRow.decided_at, FindingRow.id)
        )
        return [(fid, at) for fid, at in self.session.execute(query)]

    # --- requests for information ----------------------------------------------------------

    def add_request(
        self,
        allegation_id: int,
        to_side: str,
        question: str,
        state: str,
        by: str,
        now: datetime,
        due_at: datetime,
    ) -> int:
        row = InformationRequestRow(
            allegation_id=allegation_id,
            to_side=to_side,
            question=question,
            asker_state=state,
            asked_by=by,
            asked_at=now,
            due_at=due_at,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def request(self, request_id: int) -> InformationRequest | None:
        row = self.session.get(InformationRequestRow, request_id)
        return _request(row) if row is not None else None

    def requests(self, allegation_id: int) -> list[InformationRequest]:
        rows = self.session.scalars(
            select(InformationRequestRow)
            .where(InformationRequestRow.allegation_id == allegation_id)
            .order_by(InformationRequestRow.id)
        )
        return [_request(r) for r in rows]

    def requests_to(self, side: str) -> list[InformationRequest]:
        rows = self.session.scalars(
            select(InformationRequestRow)
            .where(InformationRequestRow.to_side == side)
            .order_by(InformationRequestRow.due_at)
        )
        return [_request(r) for r in rows]

    def answer(self, request_id: int, answer: str, by: str, now: datetime) -> bool:
        done = self.session.execute(
            update(InformationRequestRow)
            .where(InformationRequestRow.id == request_id, InformationRequestRow.answer.is_(None))
            .values(answer=answer, answered_by=by, answered_at=now)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    def newly_overdue(self, now: datetime) -> list[InformationRequest]:
        rows = self.session.scalars(
            select(InformationRequestRow).where(
                InformationRequestRow.answer.is_(None),
                InformationRequestRow.overdue_at.is_(None),
                InformationRequestRow.due_at <= now,
            )
        )
        return [_request(r) for r in rows]

    def mark_overdue(self, request_id: int, now: datetime) -> bool:
        done = self.session.execute(
            update(InformationRequestRow)
            .where(
                InformationRequestRow.id == request_id, InformationRequestRow.overdue_at.is_(None)
            )
            .values(overdue_at=now)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    # --- referrals -------------------------------------------------------------------------

    def referrals(self, agreement_id: int, party_id: int | None = None) -> list[Referral]:
        query = select(ReferralRow).where(ReferralRow.agreement_id == agreement_id)
        if party_id is not None:
            query = query.where(ReferralRow.party_id == party_id)
        return [
            Referral(r.id, r.agreement_id, r.party_id, tuple(r.finding_ids), r.opened_at)
            for r in self.session.scalars(query.order_by(ReferralRow.id))
        ]

    def add_referral(
        self, agreement_id: int, party_id: int, finding_ids: list[int], now: datetime
    ) -> int:
        row = ReferralRow(
            agreement_id=agreement_id, party_id=party_id, finding_ids=finding_ids, opened_at=now
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    # --- as the record stood at a cut-off (the task force pack, case files) ----------------

    def undecided_at(self, agreement_id: int, cutoff: datetime) -> list[Allegation]:
        """Allegations opened by ``cutoff`` that had no finding by then, oldest first."""
        decided = select(FindingRow.allegation_id).where(FindingRow.decided_at <= cutoff)
        query = (
            select(AllegationRow)
            .where(
                AllegationRow.agreement_id == agreement_id,
                AllegationRow.opened_at <= cutoff,
                AllegationRow.id.not_in(decided),
            )
            .order_by(AllegationRow.opened_at, AllegationRow.id)
        )
        return self._allegations(list(self.session.scalars(query)))

    def submitted_by_states_at(
        self, allegation_ids: list[int], cutoff: datetime
    ) -> dict[int, set[str]]:
        """Which guarantors had assessed each allegation by ``cutoff`` (not what they said)."""
        found: dict[int, set[str]] = {i: set() for i in allegation_ids}
        for chunk in _chunks(allegation_ids):
            query = (
                select(AllegationAssessmentRow.allegation_id, AllegationAssessmentRow.state)
                .where(
                    AllegationAssessmentRow.allegation_id.in_(chunk),
                    AllegationAssessmentRow.submitted_at <= cutoff,
                )
                .distinct()
            )
            for allegation_id, state in self.session.execute(query):
                found[allegation_id].add(state)
        return found

    def overdue_requests_at(self, agreement_id: int, cutoff: datetime) -> list[InformationRequest]:
        """Requests asked by ``cutoff``, due by then, and not answered by then."""
        query = (
            select(InformationRequestRow)
            .join(AllegationRow, AllegationRow.id == InformationRequestRow.allegation_id)
            .where(
                AllegationRow.agreement_id == agreement_id,
                InformationRequestRow.asked_at <= cutoff,
                InformationRequestRow.due_at <= cutoff,
                (InformationRequestRow.answered_at.is_(None))
                | (InformationRequestRow.answered_at > cutoff),
            )
            .order_by(InformationRequestRow.due_at, InformationRequestRow.id)
        )
        return [_request(r) for r in self.session.scalars(query)]

    def findings_at(
        self, agreement_id: int, state: FindingState, cutoff: datetime
    ) -> list[tuple[Allegation, datetime]]:
        """Allegations whose finding, made by ``cutoff``, is ``state``, oldest first."""
        query = (
            select(AllegationRow, FindingRow.decided_at)
            .join(FindingRow, FindingRow.allegation_id == AllegationRow.id)
            .where(
                AllegationRow.agreement_id == agreement_id,
                FindingRow.state == state,
                FindingRow.decided_at <= cutoff,
            )
            .order_by(FindingRow.decided_at, FindingRow.id)
        )
        rows = self.session.execute(query).all()
        found = self._allegations([row for row, _ in rows])
        return [(allegation, at) for allegation, (_, at) in zip(found, rows, strict=True)]

    def confirmed_by_party_at(
        self, agreement_id: int, cutoff: datetime
    ) -> dict[int, list[datetime]]:
        """Per party: the times of its confirmed findings made by ``cutoff``."""
        query = (
            select(AllegationRow.party_id, FindingRow.decided_at)
            .join(FindingRow, FindingRow.allegation_id == AllegationRow.id)
            .where(
                AllegationRow.agreement_id == agreement_id,
                AllegationRow.party_id.is_not(None),
                FindingRow.state == FindingState.CONFIRMED,
                FindingRow.decided_at <= cutoff,
            )
            .order_by(FindingRow.decided_at, FindingRow.id)
        )
        found: dict[int, list[datetime]] = {}
        for party_id, at in self.session.execute(query):
            if party_id is not None:
                found.setdefault(party_id, []).append(at)
        return found

    def referrals_at(self, agreement_id: int, cutoff: datetime) -> list[Referral]:
        return [r for r in self.referrals(agreement_id) if r.opened_at <= cutoff]

    def of_incidents(self, incident_ids: list[int]) -> list[Allegation]:
        """Every allegation about any of these incidents (the first it names, or any it was
        filed with)."""
        wanted = set(incident_ids)
        first = list(
            self.session.scalars(
                select(AllegationRow).where(AllegationRow.incident_id.in_(incident_ids))
            )
        )
        # Filed allegations may name several incidents (a JSON list: matched here, the same
        # way on both databases).
        filed_ids = [
            f.allegation_id
            for f in self.session.scalars(select(AllegationFilingRow))
            if wanted & set(f.incident_ids)
        ]
        known = {r.id for r in first}
        more = [i for i in filed_ids if i not in known]
        rows = first + (
            list(self.session.scalars(select(AllegationRow).where(AllegationRow.id.in_(more))))
            if more
            else []
        )
        return self._allegations(sorted(rows, key=lambda r: r.id))


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]
