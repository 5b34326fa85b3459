"""Repositories of incidents, the reports they hold, their allegations and tombstones: domain
records in, domain records out (``truce.domain.incidents``, ``truce.domain.reports``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, exists, or_, select, update
from sqlalchemy.orm import Session

from truce.domain.assessments import Assessed, Assessment, IncidentRef, require_open
from truce.domain.breaches import Check
from truce.domain.incidents import (
    Allegation,
    IncidentFilters,
    IncidentRecord,
    ReportLink,
    Summary,
    Tombstone,
)
from truce.domain.paging import KeyPart, Page
from truce.domain.proposals import ProposalState
from truce.domain.reports import Report
from truce.store import paging
from truce.store.paging import Keyset, SortKey
from truce.store.reports import report_of
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


def _incident(row: IncidentRow) -> IncidentRecord:
    return IncidentRecord(
        id=row.id,
        start=row.start,
        end=row.end,
        time_precision=row.time_precision,
        lat=row.lat,
        lon=row.lon,
        geo_precision=row.geo_precision,
        admin1=row.admin1,
        admin2=row.admin2,
        location=row.location,
        event_type=row.event_type,
        sub_event_type=row.sub_event_type,
        kinds=tuple((k[0], k[1]) for k in row.kinds),
        killed_low=row.killed_low,
        killed_best=row.killed_best,
        killed_high=row.killed_high,
        casualties=tuple(row.casualties),
        reports=row.reports,
        created_at=row.created_at,
        updated_at=row.updated_at,
        agreement_id=row.agreement_id,
        assessed_perpetrator_id=row.assessed_perpetrator_id,
        perpetrator_undetermined=bool(row.perpetrator_undetermined),
        verdict=row.verdict,
        outcome=row.outcome,
        outcome_reason=row.outcome_reason,
        checked_at=row.checked_at,
        merged_into_id=row.merged_into_id,
    )


def _apply(row: IncidentRow, summary: Summary, reports: int) -> None:
    """Store an incident's summary of its reports on its row."""
    kind = summary.kinds[0]
    killed = summary.figure("killed")
    row.start, row.end, row.time_precision = summary.start, summary.end, summary.time_precision
    row.lat, row.lon, row.geo_precision = summary.lat, summary.lon, summary.geo_precision
    row.admin1, row.admin2, row.location = summary.admin1, summary.admin2, summary.location
    row.event_type, row.sub_event_type = kind.event_type, kind.sub_event_type
    row.kinds = [[k.event_type, k.sub_event_type] for k in summary.kinds]
    row.killed_low = killed.low if killed else None
    row.killed_best = killed.best if killed else None
    row.killed_high = killed.high if killed else None
    row.casualties = [
        {"measure": m, "category": c, "low": r.low, "best": r.best, "high": r.high,
         "reports": r.reports}
        for (m, c), r in sorted(summary.casualties.items())
    ]  # fmt: skip
    row.reports = reports


class Incidents:
    def __init__(self, session: Session) -> None:
        self.session = session
        # The rows this unit of work created or read, held so that the writes that follow
        # (a summary, a check) find them without a query each: the session holds them weakly.
        self._held: dict[int, IncidentRow] = {}

    def _row(self, incident_id: int) -> IncidentRow:
        row = self._held.get(incident_id)
        if row is None:
            row = self.session.get(IncidentRow, incident_id)
            assert row is not None, f"incident {incident_id} vanished"
            self._held[incident_id] = row
        return row

    def get(self, incident_id: int) -> IncidentRecord | None:
        row = self.session.get(IncidentRow, incident_id)
        return _incident(row) if row else None

    def ref(self, incident_id: int) -> IncidentRef | None:
        """What the two-key rule needs of an incident: whether it is live, and its assessed
        perpetrator."""
        row = self.session.get(IncidentRow, incident_id)
        if row is None:
            return None
        return IncidentRef(row.id, row.agreement_id, row.merged_into_id, assessed_of(row))

    def assess(self, incident_id: int, assessed: Assessed, at: datetime) -> None:
        """Set the incident's assessed perpetrator (a party, or undetermined)."""
        row = self._row(incident_id)
        row.assessed_perpetrator_id = assessed.party_id
        row.perpetrator_undetermined = assessed.undetermined
        row.updated_at = at
        self.session.flush()

    def many(self, incident_ids: Iterable[int]) -> dict[int, IncidentRecord]:
        """These incidents, by id (the rows stay in the unit of work for the writes after)."""
        ids = sorted(set(incident_ids))
        found: dict[int, IncidentRecord] = {}
        for chunk in _chunks(ids):
            for row in self.session.scalars(select(IncidentRow).where(IncidentRow.id.in_(chunk))):
                self._held[row.id] = row
                found[row.id] = _incident(row)
        return found

    def create(self, summaries: Sequence[tuple[Summary, int]], at: datetime) -> list[int]:
        """New incidents, each from the summary of its reports and how many they are; their
        ids, in order."""
        rows = []
        for summary, reports in summaries:
            row = IncidentRow(created_at=at, updated_at=at)
            _apply(row, summary, reports)
            rows.append(row)
        self.session.add_all(rows)
        self.session.flush()
        self._held.update((row.id, row) for row in rows)
        return [row.id for row in rows]

    def store_summary(self, incident_id: int, summary: Summary, reports: int, at: datetime) -> None:
        """An incident's summary again, from its reports now."""
        row = self._row(incident_id)
        _apply(row, summary, reports)
        row.updated_at = at

    def store_check(self, incident_id: int, agreement_id: int, found: Check, at: datetime) -> None:
        """The outcome of an incident's check against an agreement's terms; it counts as a
        change (``updated_at``) only when the outcome differs."""
        row = self._row(incident_id)
        reason = found.reason.data()
        if (row.verdict, row.outcome, row.outcome_reason) != (found.verdict, found.outcome, reason):
            row.updated_at = at
        row.agreement_id = agreement_id
        row.verdict, row.outcome, row.outcome_reason = found.verdict.value, found.outcome, reason
        row.checked_at = at

    def merged(self, incident_ids: Sequence[int], into: int, at: datetime) -> None:
        """Mark incidents as merged into another one (their rows stay, for their ids)."""
        for incident_id in incident_ids:
            row = self._row(incident_id)
            row.merged_into_id, row.updated_at = into, at
        self.session.flush()

    def page(
        self, filters: IncidentFilters, cursor: str | None, limit: int
    ) -> Page[IncidentRecord]:
        """A page of live incidents (not merged away): newest first, or by the time they
        changed, oldest change first, when ``updated_since`` is given (a mirror's feed)."""
        query = select(IncidentRow).where(
            IncidentRow.merged_into_id.is_(None), *self._conditions(filters)
        )
        keyset = _CHANGED if filters.updated_since is not None else _INCIDENTS
        found = paging.page(self.session, query, keyset, cursor, limit)
        return found.map(lambda row: _incident(row[0]))

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


def _link(row: IncidentReportRow) -> ReportLink:
    return ReportLink(
        report_id=row.report_id,
        incident_id=row.incident_id,
        linked_by=row.linked_by,
        linked_at=row.linked_at,
        linked_to=row.linked_to,
        match_probability=row.match_probability,
        match_weight=row.match_weight,
        comparisons=tuple(row.comparisons),
        links=tuple(row.links),
    )


class IncidentReports:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_many(self, links: Sequence[ReportLink]) -> None:
        rows = [
            IncidentReportRow(
                report_id=link.report_id,
                incident_id=link.incident_id,
                linked_to=link.linked_to,
                match_probability=link.match_probability,
                match_weight=link.match_weight,
                comparisons=[dict(c) for c in link.comparisons],
                links=[dict(item) for item in link.links],
                linked_by=link.linked_by,
                linked_at=link.linked_at,
            )
            for link in links
        ]
        self.session.add_all(rows)
        self.session.flush()

    def of(self, incident_ids: Iterable[int]) -> dict[int, list[tuple[ReportLink, Report]]]:
        """Each incident's reports, with how they joined it, by report id."""
        ids = sorted(set(incident_ids))
        found: dict[int, list[tuple[ReportLink, Report]]] = defaultdict(list)
        for chunk in _chunks(ids):
            rows = self.session.execute(
                select(IncidentReportRow, ReportRow)
                .join(ReportRow, ReportRow.id == IncidentReportRow.report_id)
                .where(IncidentReportRow.incident_id.in_(chunk))
                .order_by(IncidentReportRow.report_id)
            )
            for link, report in rows:
                found[link.incident_id].append((_link(link), report_of(report)))
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

    def unlinked_reports(self, report_ids: Sequence[int] | None = None) -> list[Report]:
        """Reports in no incident yet (of ``report_ids``, when given), by id."""
        query = select(ReportRow).where(
            ~exists(
                select(IncidentReportRow.report_id).where(
                    IncidentReportRow.report_id == ReportRow.id
                )
            )
        )
        if report_ids is None:
            return [report_of(row) for row in self.session.scalars(query.order_by(ReportRow.id))]
        found: list[ReportRow] = []
        for chunk in _chunks(sorted(set(report_ids))):
            found += self.session.scalars(query.where(ReportRow.id.in_(chunk)))
        return [report_of(row) for row in sorted(found, key=lambda row: row.id)]

    def near(self, start: datetime, end: datetime) -> list[tuple[Report, int]]:
        """Linked reports whose window meets [start, end], with their incident."""
        rows = self.session.execute(
            select(ReportRow, IncidentReportRow.incident_id)
            .join(IncidentReportRow, IncidentReportRow.report_id == ReportRow.id)
            .where(ReportRow.occurred_start <= end, ReportRow.occurred_end >= start)
        )
        return [(report_of(report), incident) for report, incident in rows]

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


def _allegation(row: AllegationRow) -> Allegation:
    return Allegation(row.id, row.key, row.incident_id, row.agreement_id, row.term, row.party_id,
                      row.flagged, row.state, row.reason, row.opened_at)  # fmt: skip


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

    def add_many(self, allegations: Sequence[Allegation]) -> list[Allegation]:
        """Store new allegations; them with their ids."""
        rows = [
            AllegationRow(key=a.key, incident_id=a.incident_id, agreement_id=a.agreement_id,
                          term=a.term, party_id=a.party_id, flagged=a.flagged, state=a.state,
                          reason=dict(a.reason), opened_at=a.opened_at)
            for a in allegations
        ]  # fmt: skip
        self.session.add_all(rows)
        self.session.flush()
        return [_allegation(row) for row in rows]

    def of(self, incident_id: int) -> list[Allegation]:
        query = (
            select(AllegationRow)
            .where(AllegationRow.incident_id == incident_id)
            .order_by(AllegationRow.id)
        )
        return [_allegation(row) for row in self.session.scalars(query)]

    def move(self, allegation_id: int, incident_id: int, key: str) -> None:
        """Give an allegation to another incident (a merge), under its key there."""
        self.session.execute(
            update(AllegationRow)
            .where(AllegationRow.id == allegation_id)
            .values(incident_id=incident_id, key=key)
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


def _tombstone(row: TombstoneRow) -> Tombstone:
    return Tombstone(row.id, row.incident_id, row.merged_into_id, row.reason, row.removed_by,
                     row.removed_at)  # fmt: skip


class Tombstones:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, stone: Tombstone) -> int:
        row = TombstoneRow(incident_id=stone.incident_id, merged_into_id=stone.merged_into_id,
                           reason=stone.reason, removed_by=stone.removed_by,
                           removed_at=stone.removed_at)  # fmt: skip
        self.session.add(row)
        self.session.flush()
        return row.id

    def of(self, incident_id: int) -> Tombstone | None:
        row = self.session.scalar(
            select(TombstoneRow).where(TombstoneRow.incident_id == incident_id)
        )
        return _tombstone(row) if row else None

    def page(self, since: datetime | None, cursor: str | None, limit: int) -> Page[Tombstone]:
        """Removed incidents in the order they were removed (from ``since``, when given)."""
        query = select(TombstoneRow)
        if since is not None:
            query = query.where(TombstoneRow.removed_at >= since)
        found = paging.page(self.session, query, _TOMBSTONES, cursor, limit)
        return found.map(lambda row: _tombstone(row[0]))
