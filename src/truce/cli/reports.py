"""`truce import acled|ucdp|reports FILE`: report files in, with a progress bar and a summary.

The commands join the `truce import` group (truce.cli.territory.import_app); the demo set-up
calls :func:`import_demo_events`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from truce.cli.base import KeyFile, friendly, opened, signed_by
from truce.cli.base import actor as actor_of
from truce.cli.territory import import_app
from truce.services.imports import BATCH, ImportFile, ImportSummary, import_file

DEMO_EVENTS = Path(__file__).resolve().parents[3] / "data" / "ucdp"
KINDS = {
    "ucdp": "A UCDP GED file (GED 19.1 columns): each row an event, its `id` kept.",
    "acled": "An ACLED export: each row an event, its `event_id_cnty` kept.",
    "reports": "Truce's CSV template of reports (docs/incidents.md; data/reports-template.csv).",
}
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

File = Annotated[Path, typer.Argument(help="The CSV file.", exists=True, dir_okay=False)]
Rejects = Annotated[
    Path | None,
    typer.Option(help="Where to write the rejected rows. Default: FILE's name + .rejects.csv "
                 "in the current folder, when a row is rejected."),
]  # fmt: skip
BatchSize = Annotated[
    int, typer.Option("--batch-size", min=1, max=100_000, help="Rows per committed batch.")
]
AsUser = Annotated[str | None, typer.Option("--as", help="Import as this user (default: system).")]
Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="TRUCE_DATABASE_URL",
        show_envvar=True,
        help="Database URL or SQLite file path. Default: var/truce.db.",
    ),
]


def run_import(truce: Any, cmd: ImportFile, actor: Any, *, quiet: bool = False) -> ImportSummary:
    """Import with a progress bar (bytes of the file read), on standard error."""
    columns = (TextColumn(f"importing {cmd.path.name}"), BarColumn(), DownloadColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=errors, transient=True, disable=quiet) as progress:
        task = progress.add_task("import", total=cmd.path.stat().st_size)

        def advance(_rows: int, read: int) -> None:
            progress.update(task, completed=read)

        return import_file(cmd, truce.uow, actor=actor, progress=advance)


def print_summary(summary: ImportSummary, out: Console = console) -> None:
    """What the import did, in a few lines."""
    if summary.already:
        out.print(f"[dim]already imported[/dim] (import {summary.import_id}): nothing added")
    elif summary.resumed_after:
        out.print(f"resumed after row {summary.resumed_after} (import {summary.import_id})")
    table = Table("rows", "stored", "already stored", "rejected", "seconds",
                  title=f"{summary.kind} import {summary.import_id}")  # fmt: skip
    table.add_row(f"{summary.rows:,}", f"{summary.stored:,}", f"{summary.duplicates:,}",
                  f"{summary.rejected:,}", f"{summary.seconds:.1f}")  # fmt: skip
    out.print(table)
    if summary.rejects is not None:
        out.print(f"[yellow]rejected rows[/yellow] (row, column, reason, the row): "
                  f"{summary.rejects}")  # fmt: skip


def _command(kind: str) -> None:
    def command(
        file: File,
        rejects: Rejects = None,
        batch_size: BatchSize = BATCH,
        as_user: AsUser = None,
        key: KeyFile = None,
        db: Db = None,
    ) -> None:
        target = rejects or Path.cwd() / f"{file.name}.rejects.csv"
        cmd = ImportFile(file, kind, rejects=target, batch=batch_size)
        with opened(db) as truce:
            with truce.uow(write=False) as uow:
                actor = actor_of(uow, as_user)
            # Each batch commits on its own, so each carries an intent of its own.
            arguments = {"kind": kind, "batch_size": batch_size}
            with signed_by(truce, key, as_user, f"import {kind}", file.name, arguments):
                summary = run_import(truce, cmd, actor)
            print_summary(summary)

    command.__doc__ = f"{KINDS[kind]} Every row is stored or rejected with its reason, in " \
        "batches; run again after an interruption, it goes on where it stopped."  # fmt: skip
    import_app.command(kind)(friendly(command))


for _kind in KINDS:
    _command(_kind)


def import_demo_events(truce: Any, actor: Any) -> ImportSummary | None:
    """The demo's real events: UCDP GED Syria, 27 February – 31 March 2016 (data/ucdp/)."""
    files = sorted(DEMO_EVENTS.glob("*.csv")) if DEMO_EVENTS.is_dir() else []
    summary = None
    for file in files:
        summary = run_import(truce, ImportFile(file, "ucdp"), actor)
        console.print(f"Events: {summary.stored:,} UCDP GED reports from {file.name}.")
    return summary
