"""What the situation reports read (each a few GROUP BY-free range queries on indexed times,
the same on SQLite and PostgreSQL), and the published reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from truce.domain.paging import KeyPart, Page
from truce.store import paging
from truce.store.paging import Keyset, SortKey
from truce.store.tables import (
    AllegationRow,
    CommitmentRow,
    FindingRow,
    HotlineMessageRow,
    HotlineReceiptRow,
    IncidentReportRow,
    IncidentRow,
    LedgerEntryRow,
    PartyRow,
    PublishedReportRow,
    ReportRow,
    StatusChangeRow,
)


@dataclass(frozen=True)
class WindowIncident:
    id: int
    start: datetime
    lat: float | None
    lon: float | None
    admin1: str | None
    admin2: str | None
    location: str | None
    event_type: str
    sub_event_type: str
    killed_best: int | None


@dataclass(frozen=True)
class Claim:
    """What one report of an incident says of who did it (its source, never its reporter)."""

    incident_id: int
    report_id: int
    source: str
    actor1: str | None
    party_id: int | None


@dataclass(frozen=True)
class Published:
    id: int
    kind: str
    params: dict[str, Any]
    cutoff: datetime
    ledger_seq: int
    ledger_hash: str | None
    json_digest: str
    digests: dict[str, Any]
    content: str
    entry_seq: int | None
    published_by: str
    published_at: datetime


_PUBLISHED = Keyset(
    "published-reports",
    (SortKey(PublishedReportRow.cutoff, KeyPart(datetime), descending=True),
     SortKey(PublishedReportRow.id, KeyPart(int), descending=True)),
)  # fmt: skip


def _published(row: PublishedReportRow) -> Published:
    return Published(
        id=row.id, kind=row.kind, params=row.params, cutoff=row.cutoff,
        ledger_seq=row.ledger_seq, ledger_hash=row.ledger_hash, json_digest=row.json_digest,
        digests=row.digests, content=row.content, entry_seq=row.entry_seq,
        published_by=row.published_by, published_at=row.published_at,
    )  # fmt: skip


class Sitreps:
    """The record as the reports read it: every query takes the time the record ends at
    (``recorded_by``: the time of the ledger head a report is built from), so a row written
    after that head is never read, whenever the report is rebuilt."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- the ledger head -----------------------------------------------------------------

    def entry_time(self, seq: int) -> tuple[str, str] | None:
        """The time (RFC 3339) and hash of ledger entry ``seq``."""
        row = self.session.execute(
            select(LedgerEntryRow.at, LedgerEntryRow.hash).where(LedgerEntryRow.seq == seq)
        ).first()
        return (row[0], row[1]) if row else None

    # --- incidents -----------------------------------------------------------------------

    def incidents(
        self, since: datetime, until: datetime, recorded_by: datetime
    ) -> list[WindowIncident]:
        """Live incidents that began in [since, until), recorded by ``recorded_by``, in time
        order."""
        query = (
            select(IncidentRow.id, IncidentRow.start, IncidentRow.lat, IncidentRow.lon,
                   IncidentRow.admin1, IncidentRow.admin2, IncidentRow.location,
                   IncidentRow.event_type, IncidentRow.sub_event_type, IncidentRow.killed_best)
            .where(IncidentRow.start >= since, IncidentRow.start < until,
                   IncidentRow.merged_into_id.is_(None), IncidentRow.created_at <= recorded_by)
            .order_by(IncidentRow.start, IncidentRow.id)
        )  # fmt: skip
        return [WindowIncident(*row) for row in self.session.execute(query)]  # type: ignore[call-arg]

    def claims(self, since: datetime, until: datetime, recorded_by: datetime) -> list[Claim]:
        """The reports of those incidents (linked by ``recorded_by``): source and claimed
        perpetrator, by incident and report id."""
        query = (
            select(IncidentReportRow.incident_id, ReportRow.id, ReportRow.source,
                   ReportRow.actor1, ReportRow.actor1_party_id)
            .join(IncidentRow, IncidentRow.id == IncidentReportRow.incident_id)
            .join(ReportRow, ReportRow.id == IncidentReportRow.report_id)
            .where(IncidentRow.start >= since, IncidentRow.start < until,
                   IncidentRow.merged_into_id.is_(None), IncidentRow.created_at <= recorded_by,
                   IncidentReportRow.linked_at <= recorded_by)
            .order_by(IncidentReportRow.incident_id, ReportRow.id)
        )  # fmt: skip
        return [Claim(*row) for row in self.session.execute(query)]

    def incident_starts(
        self, since: datetime, until: datetime, recorded_by: datetime
    ) -> list[datetime]:
        """When each live incident of [since, until) began, in order: for daily series."""
        query = (
            select(IncidentRow.start)
            .where(IncidentRow.start >= since, IncidentRow.start < until,
                   IncidentRow.merged_into_id.is_(None), IncidentRow.created_at <= recorded_by)
            .order_by(IncidentRow.start)
        )  # fmt: skip
        return list(self.session.scalars(query))

    def newest_incident_start(self) -> datetime | None:
        """When the newest live incident began (the index page offers its bulletin)."""
        return self.session.scalar(
            select(func.max(IncidentRow.start)).where(IncidentRow.merged_into_id.is_(None))
        )

    # --- the agreement's business --------------------------------------------------------

    def commitments(
        self, since: datetime, until: datetime, recorded_by: datetime
    ) -> list[tuple[int, str, str, datetime, bool]]:
        """Commitments made in the window: party id, party name, guarantor, when, late."""
        query = (
            select(CommitmentRow.party_id, PartyRow.name, CommitmentRow.guarantor_state,
                   CommitmentRow.committed_at, CommitmentRow.late)
            .join(PartyRow, PartyRow.id == CommitmentRow.party_id)
            .where(CommitmentRow.committed_at >= since, CommitmentRow.committed_at < until,
                   CommitmentRow.recorded_at <= recorded_by)
            .order_by(CommitmentRow.committed_at, CommitmentRow.id)
        )  # fmt: skip
        return [tuple(row) for row in self.session.execute(query)]  # type: ignore[misc]

    def status_changes(
        self, since: datetime, until: datetime, recorded_by: datetime
    ) -> list[tuple[int, str, str, datetime, str]]:
        """Status changes effective in the window: party id, name, status, when, cause."""
        query = (
            select(StatusChangeRow.party_id, PartyRow.name, StatusChangeRow.status,
                   StatusChangeRow.effective_at, StatusChangeRow.cause)
            .join(PartyRow, PartyRow.id == StatusChangeRow.party_id)
            .where(StatusChangeRow.effective_at >= since, StatusChangeRow.effective_at < until,
                   StatusChangeRow.recorded_at <= recorded_by)
            .order_by(StatusChangeRow.effective_at, StatusChangeRow.id)
        )  # fmt: skip
        return [tuple(row) for row in self.session.execute(query)]  # type: ignore[misc]

    def allegations(
        self, since: datetime, until: datetime
    ) -> list[tuple[int, int, int, int | None, bool, datetime]]:
        """Allegations opened in the window: id, incident, term, party, flagged, when."""
        query = (
            select(AllegationRow.id, AllegationRow.incident_id, AllegationRow.term,
                   AllegationRow.party_id, AllegationRow.flagged, AllegationRow.opened_at)
            .where(AllegationRow.opened_at >= since, AllegationRow.opened_at < until)
            .order_by(AllegationRow.opened_at, AllegationRow.id)
        )  # fmt: skip
        return [tuple(row) for row in self.session.execute(query)]  # type: ignore[misc]

    def findings(self, since: datetime, until: datetime) -> list[tuple[int, int, str, datetime]]:
        """Findings reached in the window: id, allegation, state, when."""
        query = (
            select(FindingRow.id, FindingRow.allegation_id, FindingRow.state,
                   FindingRow.decided_at)
            .where(FindingRow.decided_at >= since, FindingRow.decided_at < until)
            .order_by(FindingRow.decided_at, FindingRow.id)
        )  # fmt: skip
        return [tuple(row) for row in self.session.execute(query)]  # type: ignore[misc]

    def hotline_counts(self, since: datetime, until: datetime) -> dict[str, int]:
        """Hotline activity in the window, counts only: messages sent (urgent, routine),
        acknowledgements, and receipts found overdue."""
        sent = dict(
            self.session.execute(
                select(HotlineMessageRow.priority, func.count())
                .where(HotlineMessageRow.sent_at >= since, HotlineMessageRow.sent_at < until)
                .group_by(HotlineMessageRow.priority)
            ).all()
        )
        acknowledged = self.session.scalar(
            select(func.count())
            .select_from(HotlineReceiptRow)
            .where(
                HotlineReceiptRow.acknowledged_at >= since,
                HotlineReceiptRow.acknowledged_at < until,
            )
        )
        overdue = self.session.scalar(
            select(func.count())
            .select_from(HotlineReceiptRow)
            .where(HotlineReceiptRow.overdue_at >= since, HotlineReceiptRow.overdue_at < until)
        )
        return {
            "urgent": int(sent.get("urgent", 0)),
            "routine": int(sent.get("routine", 0)),
            "acknowledged": int(acknowledged or 0),
            "overdue": int(overdue or 0),
        }

    # --- published reports ---------------------------------------------------------------

    def publish(self, row: dict[str, Any]) -> int | None:
        """Store a published report; None when one of the same kind and parameters is there
        already (another worker published it first: its insert is undone, nothing else)."""
        try:
            with self.session.begin_nested():
                published = PublishedReportRow(**row)
                self.session.add(published)
                self.session.flush()
        except IntegrityError:
            return None
        return published.id

    def set_entry(self, report_id: int, seq: int) -> None:
        row = self.session.get(PublishedReportRow, report_id)
        if row is not None:
            row.entry_seq = seq

    def published_by_key(self, params_key: str) -> Published | None:
        row = self.session.scalar(
            select(PublishedReportRow).where(PublishedReportRow.params_key == params_key)
        )
        return _published(row) if row else None

    def published_by_id(self, report_id: int) -> Published | None:
        row = self.session.get(PublishedReportRow, report_id)
        return _published(row) if row else None

    def all_published(self) -> list[Published]:
        """Every published report, oldest first (one a day or so: a short list)."""
        rows = self.session.scalars(select(PublishedReportRow).order_by(PublishedReportRow.id))
        return [_published(row) for row in rows]

    def published(self, kind: str | None, cursor: str | None, limit: int) -> Page[Published]:
        """A page of the published reports, newest cut-off first, with the total."""
        query = select(PublishedReportRow)
        if kind is not None:
            query = query.where(PublishedReportRow.kind == kind)
        found = paging.page(self.session, query, _PUBLISHED, cursor, limit)
        return found.map(lambda row: _published(row[0]))
