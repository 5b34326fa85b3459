"""Repositories of incidents, the reports they hold, their allegations and tombstones."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, exists, or_, select, update
from sqlalchemy.orm import Session

from truce.domain.assessments import Assessed, Assessment, IncidentRef, require_open
from truce.domain.incidents import IncidentFilters
from truce.domain.paging import KeyPart, Page
from truce.domain.proposals import ProposalState
from truce.store import paging
from truce.store.paging import Keyset, SortKey
from truce.store.tables import (
    AllegationRow,
    AssessmentRow,
    IncidentReportRow,
    IncidentRow,
    ReportRow,
    TombstoneRow,
)

_CHUNK = 500  # ids per IN (...): well below every database's limit on bound parameters


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


_INCIDENTS = Keyset(
    "incidents",
    (SortKey(IncidentRow.start, KeyPart(datetime), descending=True),
     SortKey(IncidentRow.id, KeyPart(int), descending=True)),
)  # fmt: skip
_CHANGED = Keyset(
    "incidents-changed",
    (SortKey(IncidentRow.updated_at, KeyPart(datetime)), SortKey(IncidentRow.id, KeyPart(int))),
)
_TOMBSTONES = Keyset(
    "tombstones",
    (SortKey(TombstoneRow.removed_at, KeyPart(datetime)), SortKey(TombstoneRow.id, KeyPart(int))),
)


class Incidents:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, incident_id: int) -> IncidentRow | None:
        return self.session.get(IncidentRow, incident_id)

    def ref(self, incident_id: int) -> IncidentRef | None:
        """What the two-key rule needs of an incident: whether it is live, and its assessed
        perpetrator."""
        row = self.session.get(IncidentRow, incident_id)
        if row is None:
            return None
        return IncidentRef(row.id, row.agreement_id, row.merged_into_id, assessed_of(row))

    def assess(self, incident_id: int, assessed: Assessed, at: datetime) -> None:
        """Set the incident's assessed perpetrator (a party, or undetermined)."""
        row = self.session.get(IncidentRow, incident_id)
        assert row is not None, f"incident {incident_id} vanished"
        row.assessed_perpetrator_id = assessed.party_id
        row.perpetrator_undetermined = assessed.undetermined
        row.updated_at = at
        self.session.flush()

    def rows(self, incident_ids: Iterable[int]) -> dict[int, IncidentRow]:
        ids = sorted(set(incident_ids))
        found: dict[int, IncidentRow] = {}
        for chunk in _chunks(ids):
            for row in self.session.scalars(select(IncidentRow).where(IncidentRow.id.in_(chunk))):
                found[row.id] = row
        return found

    def add(self, row: IncidentRow) -> int:
        self.session.add(row)
        self.session.flush()
        return row.id

    def add_many(self, rows: Sequence[IncidentRow]) -> None:
        self.session.add_all(rows)
        self.session.flush()

    def page(
        self, filters: IncidentFilters, cursor: str | None, limit: int
    ) -> Page[tuple[IncidentRow]]:
        """A page of live incidents (not merged away): newest first, or by the time they
        changed, oldest change first, when ``updated_since`` is given (a mirror's feed)."""
        query = select(IncidentRow).where(
            IncidentRow.merged_into_id.is_(None), *self._conditions(filters)
        )
        keyset = _CHANGED if filters.updated_since is not None else _INCIDENTS
        found = paging.page(self.session, query, keyset, cursor, limit)
        return found.map(lambda row: (row[0],))

    def _conditions(self, f: IncidentFilters) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if f.since is not None:
            where.append(IncidentRow.end >= f.since)
        if f.until is not None:
            where.append(IncidentRow.start < f.until)
        if f.bbox is not None:
            west, south, east, north = f.bbox
            where += [IncidentRow.lon >= west, IncidentRow.lon <= east,
                      IncidentRow.lat >= south, IncidentRow.lat <= north]  # fmt: skip
        if f.verdict is not None:
            where.append(IncidentRow.verdict == f.verdict)
        if f.outcome is not None:
            where.append(IncidentRow.outcome == f.outcome)
        if f.updated_since is not None:
            where.append(IncidentRow.updated_at >= f.updated_since)
        if f.event_type is not None:
            where.append(self._has_report(ReportRow.event_type == f.event_type))
        if f.source is not None:
            where.append(self._has_report(ReportRow.source == f.source))
        if f.party_id is not None:
            named = or_(ReportRow.actor1_party_id == f.party_id,
                        ReportRow.actor2_party_id == f.party_id)  # fmt: skip
            where.append(
                or_(IncidentRow.assessed_perpetrator_id == f.party_id, self._has_report(named))
            )
        return where

    @staticmethod
    def _has_report(condition: ColumnElement[bool]) -> ColumnElement[bool]:
        return exists(
            select(IncidentReportRow.report_id)
            .join(ReportRow, ReportRow.id == IncidentReportRow.report_id)
            .where(IncidentReportRow.incident_id == IncidentRow.id, condition)
        )

    def flush(self) -> None:
        """Write the changes made to the rows handed out so far (ids and checks need them)."""
        self.session.flush()

    def touch(self, incident_ids: Iterable[int], at: datetime) -> None:
        ids = sorted(set(incident_ids))
        for chunk in _chunks(ids):
            self.session.execute(
                update(IncidentRow).where(IncidentRow.id.in_(chunk)).values(updated_at=at)
            )


class IncidentReports:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_many(self, rows: Sequence[IncidentReportRow]) -> None:
        self.session.add_all(rows)
        self.session.flush()

    def of(
        self, incident_ids: Iterable[int]
    ) -> dict[int, list[tuple[IncidentReportRow, ReportRow]]]:
        """Each incident's reports, with how they joined it, by report id."""
        ids = sorted(set(incident_ids))
        found: dict[int, list[tuple[IncidentReportRow, ReportRow]]] = defaultdict(list)
        for chunk in _chunks(ids):
            rows = self.session.execute(
                select(IncidentReportRow, ReportRow)
                .join(ReportRow, ReportRow.id == IncidentReportRow.report_id)
                .where(IncidentReportRow.incident_id.in_(chunk))
                .order_by(IncidentReportRow.report_id)
            )
            for link, report in rows:
                found[link.incident_id].append((link, report))
        return found

    def incident_of(self, report_ids: Iterable[int]) -> dict[int, int]:
        """The incident each of these reports is in (those in none are left out)."""
        ids = sorted(set(report_ids))
        found: dict[int, int] = {}
        for chunk in _chunks(ids):
            rows = self.session.execute(
                select(IncidentReportRow.report_id, IncidentReportRow.incident_id).where(
                    IncidentReportRow.report_id.in_(chunk)
                )
            )
            found.update({report: incident for report, incident in rows})
        return found

    def linked(self, report_ids: Iterable[int]) -> set[int]:
        """Which of these reports already belong to an incident."""
        ids = sorted(set(report_ids))
        found: set[int] = set()
        for chunk in _chunks(ids):
            found.update(
                self.session.scalars(
                    select(IncidentReportRow.report_id).where(
                        IncidentReportRow.report_id.in_(chunk)
                    )
                )
            )
        return found

    def unlinked_reports(self, report_ids: Sequence[int] | None = None) -> list[ReportRow]:
        """Reports in no incident yet (of ``report_ids``, when given), by id."""
        query = select(ReportRow).where(
            ~exists(
                select(IncidentReportRow.report_id).where(
                    IncidentReportRow.report_id == ReportRow.id
                )
            )
        )
        if report_ids is None:
            return list(self.session.scalars(query.order_by(ReportRow.id)))
        found: list[ReportRow] = []
        for chunk in _chunks(sorted(set(report_ids))):
            found += self.session.scalars(query.where(ReportRow.id.in_(chunk)))
        return sorted(found, key=lambda row: row.id)

    def near(self, start: datetime, end: datetime) -> list[tuple[ReportRow, int]]:
        """Linked reports whose window meets [start, end], with their incident."""
        rows = self.session.execute(
            select(ReportRow, IncidentReportRow.incident_id)
            .join(IncidentReportRow, IncidentReportRow.report_id == ReportRow.id)
            .where(ReportRow.occurred_start <= end, ReportRow.occurred_end >= start)
        )
        return [(report, incident) for report, incident in rows]

    def move(self, report_ids: Sequence[int], incident_id: int, by: str, at: datetime) -> None:
        """Put reports into another incident, by a person's decision: the link that put them
        where they were no longer explains where they are, so its score is cleared (the links
        scored for them are kept)."""
        for chunk in _chunks(list(report_ids)):
            self.session.execute(
                update(IncidentReportRow)
                .where(IncidentReportRow.report_id.in_(chunk))
                .values(incident_id=incident_id, linked_to=None, match_probability=None,
                        match_weight=None, comparisons=[], linked_by=by, linked_at=at)
            )  # fmt: skip


class Allegations:
    def __init__(self, session: Session) -> None:
        self.session = session

    def keys(self, incident_ids: Iterable[int]) -> set[str]:
        ids = sorted(set(incident_ids))
        found: set[str] = set()
        for chunk in _chunks(ids):
            found.update(
                self.session.scalars(
                    select(AllegationRow.key).where(AllegationRow.incident_id.in_(chunk))
                )
            )
        return found

    def add_many(self, rows: Sequence[AllegationRow]) -> None:
        self.session.add_all(rows)
        self.session.flush()

    def of(self, incident_id: int) -> list[AllegationRow]:
        return list(
            self.session.scalars(
                select(AllegationRow)
                .where(AllegationRow.incident_id == incident_id)
                .order_by(AllegationRow.id)
            )
        )

    def has(self, key: str) -> bool:
        return (
            self.session.scalar(select(AllegationRow.id).where(AllegationRow.key == key))
            is not None
        )


def assessed_of(row: IncidentRow) -> Assessed | None:
    """The perpetrator the guarantors assessed for a stored incident, None when unassessed."""
    if row.assessed_perpetrator_id is not None:
        return Assessed(row.assessed_perpetrator_id)
    return Assessed(None) if row.perpetrator_undetermined else None


class Assessments:
    """Two-key assessments of incidents' perpetrators: proposed, then closed exactly once."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def _domain(row: AssessmentRow) -> Assessment:
        return Assessment(
            id=row.id,
            incident_id=row.incident_id,
            agreement_id=row.agreement_id,
            party_id=row.party_id,
            reason=row.reason,
            proposed_by=row.proposed_by,
            proposer_state=row.proposer_state,
            proposed_at=row.proposed_at,
            state=ProposalState(row.state),
            decided_by=row.decided_by,
            decider_state=row.decider_state,
            decided_at=row.decided_at,
            decision_reason=row.decision_reason,
        )

    def get(self, assessment_id: int) -> Assessment | None:
        row = self.session.get(AssessmentRow, assessment_id)
        return self._domain(row) if row else None

    def of(self, incident_id: int, state: ProposalState | None = None) -> list[Assessment]:
        """An incident's assessments, oldest first (only those in ``state``, when given)."""
        query = (
            select(AssessmentRow)
            .where(AssessmentRow.incident_id == incident_id)
            .order_by(AssessmentRow.proposed_at, AssessmentRow.id)
        )
        if state is not None:
            query = query.where(AssessmentRow.state == state.value)
        return [self._domain(row) for row in self.session.scalars(query)]

    def add(self, assessment: Assessment) -> int:
        row = AssessmentRow(
            incident_id=assessment.incident_id,
            agreement_id=assessment.agreement_id,
            party_id=assessment.party_id,
            reason=assessment.reason,
            proposed_by=assessment.proposed_by,
            proposer_state=assessment.proposer_state,
            proposed_at=assessment.proposed_at,
            state=assessment.state.value,
            decision_reason="",
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def close(self, assessment: Assessment) -> None:
        """Store how an assessment ended, only if it is still open: it closes once, so two
        answers racing each other cannot both land."""
        closing = (
            update(AssessmentRow)
            .where(AssessmentRow.id == assessment.id, AssessmentRow.state == "open")
            .values(
                state=assessment.state.value,
                decided_by=assessment.decided_by,
                decider_state=assessment.decider_state,
                decided_at=assessment.decided_at,
                decision_reason=assessment.decision_reason,
            )
        )
        if cast(CursorResult[Any], self.session.execute(closing)).rowcount == 1:
            return
        row = self.session.get(AssessmentRow, assessment.id, populate_existing=True)
        assert row is not None, f"assessment {assessment.id} vanished"
        require_open(self._domain(row))  # raises, naming who closed it first
        raise AssertionError(f"assessment {assessment.id} is open but was not closed")


class Tombstones:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: TombstoneRow) -> int:
        self.session.add(row)
        self.session.flush()
        return row.id

    def of(self, incident_id: int) -> TombstoneRow | None:
        return self.session.scalar(
            select(TombstoneRow).where(TombstoneRow.incident_id == incident_id)
        )

    def page(
        self, since: datetime | None, cursor: str | None, limit: int
    ) -> Page[tuple[TombstoneRow]]:
        """Removed incidents in the order they were removed (from ``since``, when given)."""
        query = select(TombstoneRow)
        if since is not None:
            query = query.where(TombstoneRow.removed_at >= since)
        found = paging.page(self.session, query, _TOMBSTONES, cursor, limit)
        return found.map(lambda row: (row[0],))
