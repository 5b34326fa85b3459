"""Reports, the imports they came in, their rejected rows and their attachments.

Reports are written once and never updated. The same account is not stored twice: a source's
own id (``source``, ``source_ref``) and the content digest are unique, and a batch is inserted
with ``ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL alike), so that what was already there is
counted, not stored again, whoever stored it first.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from truce.domain.news import NewReport
from truce.domain.paging import KeyPart, Page
from truce.domain.reports import (
    ActorMatch,
    Report,
    ReportDraft,
    casualties_from_record,
    casualties_record,
    casualty_total,
)
from truce.store import paging
from truce.store.paging import Keyset, SortKey
from truce.store.tables import (
    AttachmentRow,
    ImportRejectRow,
    ImportRow,
    ReportAttachmentRow,
    ReportRow,
)

_REPORTS = cast(Table, ReportRow.__table__)
_REJECTS = cast(Table, ImportRejectRow.__table__)
_NEWEST_FIRST = Keyset(
    "reports",
    (SortKey(ReportRow.occurred_start, KeyPart(datetime, nullable=True), descending=True),
     SortKey(ReportRow.id, KeyPart(int), descending=True)),
)  # fmt: skip


@dataclass(frozen=True)
class ImportState:
    """Where an import stands."""

    id: int
    sha256: str
    kind: str
    file_name: str
    source: str
    state: str  # running | finished
    last_row: int
    stored: int
    duplicates: int
    rejected: int
    started_by: str
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Reject:
    """A row of a file that was not stored."""

    row: int
    column: str
    reason: str
    values: list[str]


@dataclass(frozen=True)
class Attachment:
    sha256: str
    media_type: str
    size: int
    name: str


def report_values(
    draft: ReportDraft,
    *,
    digest: str | None,
    received_at: datetime,
    recorded_by: str | None,
    matches: Sequence[ActorMatch] = (),
    raw: list[str] | None = None,
    import_id: int | None = None,
    import_row: int | None = None,
) -> dict[str, Any]:
    """The columns of one report row, from a checked draft."""
    killed = casualty_total(draft.casualties, "killed")
    injured = casualty_total(draft.casualties, "injured")
    return {
        "channel": draft.channel,
        "source": draft.source,
        "source_reliability": draft.reliability,
        "source_ref": draft.source_ref,
        "reporter": draft.reporter,
        "hide_reporter": draft.hide_reporter,
        "received_at": received_at,
        "occurred_start": draft.occurred_start,
        "occurred_end": draft.occurred_end,
        "time_precision": draft.time_precision,
        "lat": draft.lat,
        "lon": draft.lon,
        "location": draft.location,
        "geo_precision": draft.geo_precision,
        "country": draft.country,
        "admin1": draft.admin1,
        "admin2": draft.admin2,
        "event_type": draft.event_type,
        "sub_event_type": draft.sub_event_type,
        "weapon_class": draft.weapon_class,
        "actor1": draft.actor1,
        "actor2": draft.actor2,
        "actor1_party_id": draft.actor1_party_id,
        "actor2_party_id": draft.actor2_party_id,
        "fatalities": killed.central if killed else None,
        "injured": injured.central if injured else None,
        "casualties": casualties_record(draft.casualties) or None,
        "text": draft.text,
        "lang": draft.lang,
        "content_digest": digest,
        "actor_matches": [m.record() for m in matches] or None,
        "raw": raw,
        "amends_id": draft.amends_id,
        "import_id": import_id,
        "import_row": import_row,
        "recorded_by": recorded_by,
    }


def report_of(row: ReportRow, attachments: tuple[str, ...] = ()) -> Report:
    """A stored report row as the domain's record."""
    casualties = casualties_from_record(row.casualties)
    if not casualties and row.fatalities is not None:  # news reports stored before 0005
        casualties = casualties_from_record({"killed": {"unknown": [None, row.fatalities, None]}})
    draft = ReportDraft(
        channel=row.channel,
        source=row.source,
        event_type=row.event_type,
        sub_event_type=row.sub_event_type,
        occurred_start=row.occurred_start,
        occurred_end=row.occurred_end,
        time_precision=row.time_precision,
        reliability=row.source_reliability or "F",
        source_ref=row.source_ref,
        reporter=row.reporter,
        hide_reporter=bool(row.hide_reporter),
        received_at=row.received_at,
        lat=row.lat,
        lon=row.lon,
        location=row.location,
        geo_precision=row.geo_precision,
        country=row.country,
        admin1=row.admin1,
        admin2=row.admin2,
        weapon_class=row.weapon_class,
        actor1=row.actor1,
        actor1_party_id=row.actor1_party_id,
        actor2=row.actor2,
        actor2_party_id=row.actor2_party_id,
        casualties=casualties,
        text=row.text,
        lang=row.lang,
        attachments=attachments,
        amends_id=row.amends_id,
    )
    matches = tuple(ActorMatch(*item) for item in row.actor_matches or ())
    return Report(row.id, draft, row.content_digest, row.recorded_by, matches, row.import_id,
                  row.import_row, row.article_id)  # fmt: skip


@dataclass(frozen=True)
class ReportFilters:
    """What narrows a list of reports."""

    channel: str | None = None
    source: str | None = None
    since: datetime | None = None  # occurred at or after
    until: datetime | None = None  # occurred before
    party_id: int | None = None  # as claimed perpetrator or target
    import_id: int | None = None


class Reports:
    def __init__(self, session: Session) -> None:
        self.session = session

    def existing(self, source: str, source_ref: str | None, digest: str) -> int | None:
        """The id of the report with this source's id, or with this content, if stored."""
        same_ref = (ReportRow.source == source) & (ReportRow.source_ref == source_ref)
        query = select(ReportRow.id).where(
            or_(ReportRow.content_digest == digest, same_ref) if source_ref else
            ReportRow.content_digest == digest
        )  # fmt: skip
        return self.session.scalar(query.limit(1))

    def add_all(self, article_id: int | None, reports: Sequence[NewReport]) -> list[int]:
        """Store the news pipeline's reports (from one article, when ``article_id`` is given);
        their ids in order."""
        rows = [ReportRow(article_id=article_id, **asdict(r)) for r in reports]
        self.session.add_all(rows)
        self.session.flush()
        return [row.id for row in rows]

    def add(self, values: dict[str, Any]) -> int:
        row = ReportRow(**values)
        self.session.add(row)
        self.session.flush()
        return row.id

    def insert_new(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert the rows whose account is not stored yet (the others are left out)."""
        if not rows:
            return
        dialect = postgresql if self.session.bind.dialect.name == "postgresql" else sqlite  # type: ignore[union-attr]
        self.session.execute(dialect.insert(_REPORTS).on_conflict_do_nothing(), list(rows))

    def of_import(self, import_id: int, first: int, last: int) -> list[tuple[int, str]]:
        """(id, content digest) of the reports an import stored from rows first to last."""
        found = self.session.execute(
            select(ReportRow.id, ReportRow.content_digest)
            .where(ReportRow.import_id == import_id, ReportRow.import_row.between(first, last))
            .order_by(ReportRow.id)
        )
        return [(int(i), str(d)) for i, d in found]

    def many(self, report_ids: Sequence[int]) -> list[Report]:
        """These reports, by id (without their attachments' digests)."""
        query = select(ReportRow).where(ReportRow.id.in_(report_ids)).order_by(ReportRow.id)
        return [report_of(row) for row in self.session.scalars(query)]

    def get(self, report_id: int) -> Report | None:
        row = self.session.get(ReportRow, report_id)
        if row is None:
            return None
        return report_of(row, tuple(a.sha256 for a in self.attachments_of(report_id)))

    def _filtered(self, filters: ReportFilters) -> Select[Any]:
        query = select(ReportRow)
        if filters.channel:
            query = query.where(ReportRow.channel == filters.channel)
        if filters.source:
            query = query.where(ReportRow.source == filters.source)
        if filters.since is not None:
            query = query.where(ReportRow.occurred_start >= filters.since)
        if filters.until is not None:
            query = query.where(ReportRow.occurred_start < filters.until)
        if filters.party_id is not None:
            query = query.where(
                or_(
                    ReportRow.actor1_party_id == filters.party_id,
                    ReportRow.actor2_party_id == filters.party_id,
                )
            )
        if filters.import_id is not None:
            query = query.where(ReportRow.import_id == filters.import_id)
        return query

    def page(self, filters: ReportFilters, cursor: str | None, limit: int) -> Page[Report]:
        """A page of reports, the latest events first."""
        found = paging.page(self.session, self._filtered(filters), _NEWEST_FIRST, cursor, limit)
        return found.map(lambda item: report_of(item[0]))

    def count(self, filters: ReportFilters | None = None, *, channel: str | None = None) -> int:
        """How many reports are stored (those the filters or the channel keep, when given)."""
        filters = filters or ReportFilters()
        if channel is not None:
            filters = replace(filters, channel=channel)
        return paging.count(self.session, self._filtered(filters))

    def raw_row(self, report_id: int) -> dict[str, str] | None:
        """The row an imported report came from, by the file's columns (None: not imported)."""
        found = self.session.execute(
            select(ReportRow.raw, ImportRow.columns)
            .join(ImportRow, ImportRow.id == ReportRow.import_id)
            .where(ReportRow.id == report_id)
        ).first()
        if found is None or found[0] is None:
            return None
        return dict(zip(found[1], found[0], strict=False))

    def by_source_ref(self, source: str, source_ref: str) -> Report | None:
        row = self.session.scalar(
            select(ReportRow).where(ReportRow.source == source, ReportRow.source_ref == source_ref)
        )
        return report_of(row) if row else None

    # -- attachments ---------------------------------------------------------------------------

    def add_attachment(self, attachment: Attachment, content: bytes, by: str, at: datetime) -> bool:
        """Store an attachment once; False when its content was already stored."""
        if self.session.get(AttachmentRow, attachment.sha256) is not None:
            return False
        self.session.add(
            AttachmentRow(sha256=attachment.sha256, media_type=attachment.media_type,
                          size=attachment.size, name=attachment.name, content=content,
                          stored_by=by, stored_at=at)
        )  # fmt: skip
        self.session.flush()
        return True

    def known_attachments(self, digests: Sequence[str]) -> set[str]:
        if not digests:
            return set()
        found = self.session.scalars(
            select(AttachmentRow.sha256).where(AttachmentRow.sha256.in_(list(digests)))
        )
        return set(found)

    def attach(self, report_id: int, digests: Sequence[str]) -> None:
        self.session.add_all(ReportAttachmentRow(report_id=report_id, sha256=d) for d in digests)
        self.session.flush()

    def attachments_of(self, report_id: int) -> list[Attachment]:
        rows = self.session.execute(
            select(AttachmentRow.sha256, AttachmentRow.media_type, AttachmentRow.size,
                   AttachmentRow.name)
            .join(ReportAttachmentRow, ReportAttachmentRow.sha256 == AttachmentRow.sha256)
            .where(ReportAttachmentRow.report_id == report_id)
            .order_by(AttachmentRow.sha256)
        )  # fmt: skip
        return [Attachment(*row) for row in rows]

    def attachment_content(self, sha256: str) -> tuple[Attachment, bytes] | None:
        row = self.session.get(AttachmentRow, sha256)
        if row is None:
            return None
        return Attachment(row.sha256, row.media_type, row.size, row.name), row.content


def _state(row: ImportRow) -> ImportState:
    return ImportState(row.id, row.sha256, row.kind, row.file_name, row.source, row.state,
                       row.last_row, row.stored, row.duplicates, row.rejected, row.started_by,
                       row.started_at, row.finished_at)  # fmt: skip


class Imports:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, sha256: str, kind: str) -> ImportState | None:
        row = self.session.scalar(
            select(ImportRow).where(ImportRow.sha256 == sha256, ImportRow.kind == kind)
        )
        return _state(row) if row else None

    def get(self, import_id: int) -> ImportState | None:
        row = self.session.get(ImportRow, import_id)
        return _state(row) if row else None

    def start(
        self, sha256: str, kind: str, file_name: str, source: str, columns: list[str], by: str,
        at: datetime,
    ) -> ImportState:  # fmt: skip
        row = ImportRow(sha256=sha256, kind=kind, file_name=file_name[:300], source=source,
                        columns=columns,
                        state="running", last_row=0, stored=0, duplicates=0, rejected=0,
                        started_by=by, started_at=at)  # fmt: skip
        self.session.add(row)
        self.session.flush()
        return _state(row)

    def advance(self, import_id: int, last_row: int, stored: int, duplicates: int,
                rejected: int) -> None:  # fmt: skip
        """Move the import past ``last_row``, adding to its counts."""
        self.session.execute(
            update(ImportRow)
            .where(ImportRow.id == import_id)
            .values(
                last_row=last_row,
                stored=ImportRow.stored + stored,
                duplicates=ImportRow.duplicates + duplicates,
                rejected=ImportRow.rejected + rejected,
            )
        )

    def finish(self, import_id: int, at: datetime) -> None:
        self.session.execute(
            update(ImportRow).where(ImportRow.id == import_id).values(state="finished",
                                                                     finished_at=at)
        )  # fmt: skip

    def add_rejects(self, import_id: int, rejects: Sequence[Reject]) -> None:
        if not rejects:
            return
        dialect = postgresql if self.session.bind.dialect.name == "postgresql" else sqlite  # type: ignore[union-attr]
        rows = [{"import_id": import_id, "row": r.row, "column": r.column[:100],
                 "reason": r.reason, "values": r.values} for r in rejects]  # fmt: skip
        self.session.execute(dialect.insert(_REJECTS).on_conflict_do_nothing(), rows)

    def reject_ids(self, import_id: int, first: int, last: int) -> list[int]:
        """The ids of an import's rejects of rows first to last."""
        query = select(ImportRejectRow.id).where(
            ImportRejectRow.import_id == import_id, ImportRejectRow.row.between(first, last)
        )
        return [int(i) for i in self.session.scalars(query)]

    def rejects(self, import_id: int) -> Iterator[Reject]:
        """The rejected rows of an import, in file order."""
        rows = self.session.execute(
            select(ImportRejectRow.row, ImportRejectRow.column, ImportRejectRow.reason,
                   ImportRejectRow.values)
            .where(ImportRejectRow.import_id == import_id)
            .order_by(ImportRejectRow.row)
            .execution_options(yield_per=1000)
        )  # fmt: skip
        for row in rows:
            yield Reject(*row)

    def reject_count(self, import_id: int) -> int:
        query = select(func.count()).where(ImportRejectRow.import_id == import_id)
        return self.session.scalar(query) or 0
