"""`truce ledger`: the signed, hash-chained record of every change."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from truce.cli.base import Db, console, count, errors, friendly, opened
from truce.ledger.verify import KnownHead, Report
from truce.services import ledger

app = typer.Typer(help="The signed, hash-chained record of every change.", no_args_is_help=True)


@app.command("verify")
@friendly
def ledger_verify(
    file: Annotated[
        Path | None, typer.Option(help="Verify an export file, with no database.")
    ] = None,
    genesis: Annotated[str | None, typer.Option(help="The genesis hash you hold.")] = None,
    head: Annotated[
        list[str] | None, typer.Option(help="A head SEQ:HASH you hold (repeatable).")
    ] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes for signatures.")] = None,
    db: Db = None,
) -> None:
    """Recompute the chain, hashes, keys and signatures; name the first bad entry."""
    heads = [_head(text) for text in head or []]
    with _progress() as (progress, task):
        advance = functools.partial(progress.advance, task)
        if file is not None:
            if not file.is_file():
                raise typer.BadParameter(f"no such file: {file}")
            report = ledger.verify_file(
                file, genesis_hash=genesis, known_heads=heads, workers=workers, progress=advance
            )
        else:
            with opened(db, current=False) as truce:
                progress.update(task, total=ledger.count(truce.db))
                report = ledger.verify_database(
                    truce.db,
                    genesis_hash=genesis,
                    known_heads=heads,
                    workers=workers,
                    progress=advance,
                )
    _report(report)


def _head(text: str) -> KnownHead:
    try:
        return KnownHead.parse(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--head") from exc


@contextmanager
def _progress() -> Iterator[tuple[Progress, Any]]:
    columns = (TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=errors, transient=True) as progress:
        yield progress, progress.add_task("verify", total=None)


def _report(report: Report) -> None:
    if report.ok:
        console.print(
            f"[green]ledger OK[/green]: {report.checked} entries, head "
            f"{report.head_seq}:{report.head_hash}"
        )
        console.print(f"genesis {report.genesis_hash}")
        console.print(
            f"{count(report.authored, 'entry', 'entries')} signed by authors who hold their"
            f" own key; {count(report.server_custody, 'entry', 'entries')} rest only on keys"
            " the server holds"
        )
        return
    assert report.failure is not None
    errors.print(f"[red]ledger FAILED[/red] at entry {report.failure.seq}: {report.failure.reason}")
    errors.print(f"{count(report.checked, 'entry', 'entries')} before it verified.")
    raise typer.Exit(1)


@app.command("export")
@friendly
def ledger_export(
    file: Annotated[Path, typer.Argument(help="Where to write the JSON Lines export.")],
    db: Db = None,
) -> None:
    """Write the ledger to FILE; anyone can verify it with `truce ledger verify --file FILE`."""
    with opened(db) as truce, file.open("w", encoding="utf-8") as out:
        written = ledger.export(truce.db, out)
    console.print(f"[green]exported[/green] {count(written, 'entry', 'entries')} to {file}")


@app.command("head")
@friendly
def ledger_head(db: Db = None) -> None:
    """Print the head as SEQ:HASH, to keep and check later exports against."""
    with opened(db) as truce, truce.uow(write=False) as uow:
        seq, hash_ = uow.ledger.head()
    console.print(f"{seq}:{hash_}")
