"""Importing a file of reports (UCDP GED, ACLED, Truce's CSV template): every row stored or
rejected with its column and reason, in batches that each commit with a ledger entry.

An import is known by the file's SHA-256 and its kind. Each batch of rows commits in one
transaction with the import's progress (``last_row``) and one ``reports.imported`` entry, so a
run that is killed leaves whole batches behind, and the next run of the same file goes on after
the last one. A finished import is not run again (``import.finished`` closes it). Rows whose
account is already stored, by this file or another (the same ``source`` and ``source_ref``, or
the same content), are counted as duplicates and not stored twice.
"""

from __future__ import annotations

import csv
import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from truce.domain.errors import Invalid
from truce.domain.i18n import N_
from truce.domain.permissions import Action, Actor, require
from truce.domain.reports import Problem, ReportDraft, content_digest, normalise, problems
from truce.importers import acled, template, ucdp
from truce.importers.actors import ActorMatcher
from truce.importers.exports import digest_of_ref
from truce.importers.geocode import Geocoder, geocoder
from truce.importers.rows import Cells, CsvFile, Format, Row, file_sha256, missing_columns
from truce.services import common, incidents
from truce.services.reports import matcher_for, with_parties
from truce.store.ledger_store import Change
from truce.store.reports import ImportState, Reject, report_values
from truce.store.uow import UnitOfWork

FORMATS: dict[str, Format] = {f.kind: f for f in (ucdp.FORMAT, acled.FORMAT, template.FORMAT)}
BATCH = 2000
Progress = Callable[[int, int], None]  # (rows read, bytes read)


@dataclass(frozen=True)
class ImportFile:
    """What to import: a file, its kind (``ucdp``, ``acled`` or ``reports``), where to write
    its rejected rows, and how many rows a batch commits."""

    path: Path
    kind: str
    rejects: Path | None = None
    batch: int = BATCH
    link: bool = True  # put the new reports into incidents once the import has finished


@dataclass(frozen=True)
class ImportSummary:
    """What an import did; ``already`` when the file had been imported whole before."""

    import_id: int
    sha256: str
    kind: str
    rows: int  # rows the file holds, as far as the import has read
    stored: int
    duplicates: int
    rejected: int
    resumed_after: int  # the row a resumed import went on after (0 for a fresh start)
    already: bool
    rejects: Path | None
    seconds: float


@dataclass
class _Batch:
    first: int = 0
    last: int = 0
    drafts: list[tuple[Row, ReportDraft, str]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def _format(kind: str) -> Format:
    if kind not in FORMATS:
        raise Invalid(N_("Unknown kind of file {kind!r}: use one of {known}."), field="kind",
                      kind=kind, known=", ".join(FORMATS))  # fmt: skip
    return FORMATS[kind]


def _reason(fmt: Format, found: Sequence[Problem]) -> tuple[str, str]:
    """The column at fault first, and every problem as "column: message"."""
    columns = [fmt.column(p.field) for p in found]
    reasons = "; ".join(f"{column}: {p.render()}" for column, p in zip(columns, found, strict=True))
    return columns[0], reasons


class _Importer:
    """One run over one file."""

    def __init__(self, cmd: ImportFile, fmt: Format, open_uow: Callable[[], UnitOfWork],
                 actor: Actor, progress: Progress | None, now: datetime) -> None:  # fmt: skip
        self.cmd, self.fmt, self.open_uow, self.actor = cmd, fmt, open_uow, actor
        self.progress, self.now = progress, now
        self.places: Geocoder = geocoder()
        with open_uow() as uow:
            self.matcher: ActorMatcher = matcher_for(uow)
            self.parties = set(uow.parties.ids())
        self.totals = {"stored": 0, "duplicates": 0, "rejected": 0}
        self.rows = 0

    def read(self, state: ImportState, source: CsvFile) -> Iterator[_Batch]:
        batch = _Batch()
        for item in source.rows(after=state.last_row):
            number = item.number if isinstance(item, Row) else item[0]
            batch.first = batch.first or number
            batch.last = number
            self._take(batch, item)
            self.rows = number
            if batch.last - batch.first + 1 >= self.cmd.batch:
                yield batch
                if self.progress:
                    self.progress(number, source.position)
                batch = _Batch()
        if batch.last:
            yield batch

    def _take(self, batch: _Batch, item: Row | tuple[int, list[str], Problem]) -> None:
        if not isinstance(item, Row):
            number, as_read, problem = item
            column, reason = _reason(self.fmt, [problem])
            batch.rejects.append(Reject(number, column, reason, as_read))
            return
        cells = Cells(item.values)
        draft = self.fmt.parse(cells)
        found = cells.problems or problems(draft, received_at=self.now)
        found = found or self._references(draft)
        if found:
            column, reason = _reason(self.fmt, found)
            batch.rejects.append(Reject(item.number, column, reason, item.cells))
            return
        checked = normalise(draft, received_at=self.now)
        # A row of a Truce export names the report it came from by its digest: stored under
        # that digest, it is found already stored (importers/exports.py).
        digest = digest_of_ref(checked.source_ref) or content_digest(checked)
        batch.drafts.append((item, checked, digest))

    def _references(self, draft: ReportDraft) -> list[Problem]:
        found = []
        for role in ("actor1", "actor2"):
            party = getattr(draft, f"{role}_party_id")
            if party is not None and party not in self.parties:
                found.append(Problem(f"{role}_party_id", N_("There is no party {id}."),
                                     {"id": party}))  # fmt: skip
        return found

    def store(self, state: ImportState, batch: _Batch) -> None:
        """Place, match and store one batch, with its rejects, progress and ledger entry."""
        placed = self.places.place([draft for _, draft, _ in batch.drafts])
        values: list[dict[str, Any]] = []
        rejects = list(batch.rejects)
        for (row, _, digest), where in zip(batch.drafts, placed, strict=True):
            if isinstance(where, Problem):
                column, reason = _reason(self.fmt, [where])
                rejects.append(Reject(row.number, column, reason, row.cells))
                continue
            enriched, matches = with_parties(where, self.matcher)
            values.append(report_values(
                enriched, digest=digest, received_at=self.now, recorded_by=self.actor.username,
                matches=matches, raw=row.cells, import_id=state.id, import_row=row.number,
            ))  # fmt: skip
        with self.open_uow() as uow:
            uow.reports.insert_new(values)
            stored = uow.reports.of_import(state.id, batch.first, batch.last)
            uow.imports.add_rejects(state.id, rejects)
            duplicates = len(values) - len(stored)
            uow.imports.advance(state.id, batch.last, len(stored), duplicates, len(rejects))
            payload = {
                "import_id": state.id,
                "sha256": state.sha256,
                "rows": [batch.first, batch.last],
                "stored": len(stored),
                "duplicates": duplicates,
                "rejected": len(rejects),
                "report_ids": _ranges([report_id for report_id, _ in stored]),
                "reports_sha256": _digest_of([digest for _, digest in stored]),
                # The rows as stored, for replay: a batch's reports are in its entry.
                "images": {
                    "imports": uow.images("imports", [state.id]),
                    "reports": uow.images("reports", [report_id for report_id, _ in stored]),
                    "import_rejects": uow.images(
                        "import_rejects", uow.imports.reject_ids(state.id, batch.first, batch.last)
                    ),
                },
            }
            uow.record(self.actor, Change("reports.imported", f"import:{state.id}", payload))
            uow.commit()
        self.totals["stored"] += len(stored)
        self.totals["duplicates"] += duplicates
        self.totals["rejected"] += len(rejects)


def _ranges(ids: Sequence[int]) -> list[list[int]]:
    """Ids as [first, last] runs: [[5, 9], [12, 12]]."""
    runs: list[list[int]] = []
    for number in sorted(ids):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return runs


def _digest_of(digests: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(digests).encode("ascii")).hexdigest()


def _begin(
    cmd: ImportFile, sha256: str, fmt: Format, header: list[str], uow: UnitOfWork, actor: Actor
) -> ImportState:
    found = uow.imports.find(sha256, fmt.kind)
    if found is not None:
        return found
    state = uow.imports.start(sha256, fmt.kind, cmd.path.name, fmt.source, header,
                              actor.username, uow.now())  # fmt: skip
    payload = {"import_id": state.id, "sha256": sha256, "kind": fmt.kind,
               "file_name": state.file_name,
               "images": {"imports": uow.images("imports", [state.id])}}  # fmt: skip
    uow.record(actor, Change("import.started", f"import:{state.id}", payload))
    uow.commit()
    return state


def import_file(
    cmd: ImportFile,
    open_uow: Callable[[], UnitOfWork],
    *,
    actor: Actor,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import a file, resuming after an interruption; a file imported before adds nothing."""
    require(actor, Action.IMPORT_REPORTS)
    fmt = _format(cmd.kind)
    began = time.monotonic()
    if not cmd.path.is_file():
        raise Invalid(N_("There is no file {path}."), field="file", path=str(cmd.path))
    sha256 = file_sha256(cmd.path)
    with CsvFile(cmd.path) as source:
        missing = missing_columns(source.header, fmt.required)
        if missing:
            raise Invalid(
                N_("The file lacks the columns {missing} that a file of kind {kind} has: is it "
                   "one?"),
                field=missing[0], missing=", ".join(missing), kind=fmt.kind,
            )  # fmt: skip
        with open_uow() as uow:
            require(actor, Action.IMPORT_REPORTS)
            state = _begin(cmd, sha256, fmt, source.header, uow, actor)
            now = uow.now()
        if state.state == "finished":
            if cmd.link:  # in case the run that finished it was stopped before linking
                with open_uow() as uow:
                    incidents.link_reports(uow)
            return _summary(cmd, state, open_uow, began, already=True, resumed_after=0,
                            header=source.header)  # fmt: skip
        run = _Importer(cmd, fmt, open_uow, actor, progress, now)
        for batch in run.read(state, source):
            run.store(state, batch)
        with open_uow() as uow:
            uow.imports.finish(state.id, uow.now())
            final = uow.imports.get(state.id)
            assert final is not None
            payload = {
                "import_id": state.id,
                "sha256": sha256,
                "kind": fmt.kind,
                "last_row": final.last_row,
                "stored": final.stored,
                "duplicates": final.duplicates,
                "rejected": final.rejected,
                "finished_at": common.stamp(uow.now()),
                "images": {"imports": uow.images("imports", [state.id])},
            }
            uow.record(actor, Change("import.finished", f"import:{state.id}", payload))
            uow.commit()
        if cmd.link:
            with open_uow() as uow:
                incidents.link_reports(uow)
        if progress:
            progress(final.last_row, source.size)
    return _summary(cmd, final, open_uow, began, already=False, resumed_after=state.last_row,
                    header=source.header)  # fmt: skip


def _summary(
    cmd: ImportFile,
    state: ImportState,
    open_uow: Callable[[], UnitOfWork],
    began: float,
    *,
    already: bool,
    resumed_after: int,
    header: list[str],
) -> ImportSummary:
    written = None
    if cmd.rejects is not None and state.rejected:
        with open_uow() as uow:
            write_rejects(cmd.rejects, header, uow.imports.rejects(state.id))
        written = cmd.rejects
    return ImportSummary(state.id, state.sha256, state.kind, state.last_row, state.stored,
                         state.duplicates, state.rejected, resumed_after, already, written,
                         time.monotonic() - began)  # fmt: skip


def write_rejects(path: Path, header: list[str], rejects: Iterator[Reject]) -> int:
    """Write the rejected rows: their number, the column at fault, why, then the row itself
    under the file's own header (so that, fixed, the rows import as they are)."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["row", "column", "reason", *header])
        for reject in rejects:
            writer.writerow([reject.row, reject.column, reject.reason, *reject.values])
            count += 1
    return count
