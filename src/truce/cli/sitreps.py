"""`truce report`: situation reports built from the record (docs/reports.md), and publishing
them into the ledger."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from truce.cli.base import AsUser, Db, console, errors, friendly, opened
from truce.cli.base import actor as actor_of
from truce.domain.sitreps import sha256
from truce.services import sitreps

app = typer.Typer(
    help="Situation reports: the daily bulletin and the others.", no_args_is_help=True
)

Lang = Annotated[str, typer.Option("--lang", help="ar, en or ru.")]
Format = Annotated[str, typer.Option("--format", help="html, pdf or json.")]
Out = Annotated[
    Path | None, typer.Option("--out", help="Write to this file (default: standard output).")
]
AsOf = Annotated[
    int | None,
    typer.Option("--as-of", help="Build from the record as it stood at this ledger entry."),
]


def write(data: bytes, out: Path | None) -> None:
    """The report to ``out``, or to standard output."""
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    out.write_bytes(data)
    errors.print(f"wrote {out} ({len(data):,} bytes)", highlight=False)


def build_and_write(kind: str, params: dict[str, Any], lang: str, fmt: str, out: Path | None,
                    db: str | None) -> None:  # fmt: skip
    """Build a report of ``kind`` and write it in ``fmt`` and ``lang``."""
    with opened(db) as truce, truce.uow(write=False) as uow:
        sitrep = sitreps.build(kind, params, uow)
    write(sitreps.render(sitrep, fmt, lang), out)


@app.command("daily")
@friendly
def report_daily(
    date: Annotated[str, typer.Option("--date", help="The bulletin's date, YYYY-MM-DD.")],
    lang: Lang = "en",
    fmt: Format = "html",
    out: Out = None,
    as_of: AsOf = None,
    db: Db = None,
) -> None:
    """The daily bulletin for a date: the window to the agreement's daily cut-off."""
    params: dict[str, Any] = {"date": date}
    if as_of is not None:
        params["as_of"] = as_of
    build_and_write("daily", params, lang, fmt, out, db)


@app.command("publish")
@friendly
def report_publish(
    kind: Annotated[str, typer.Argument(help="The kind of report: daily, ...")],
    date: Annotated[str | None, typer.Option("--date", help="The daily bulletin's date.")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="Another parameter, NAME=VALUE (repeat).")
    ] = None,
    as_user: AsUser = None,
    db: Db = None,
) -> None:
    """Issue a report: store it and write its digests (JSON, HTML and PDF in each language)
    into the ledger."""
    params: dict[str, Any] = dict(p.split("=", 1) for p in (param or []) if "=" in p)
    if date is not None:
        params["date"] = date
    with opened(db) as truce, truce.uow() as uow:
        issued = sitreps.publish(sitreps.Publish(kind, params), uow, actor=actor_of(uow, as_user))
    console.print(
        f"[green]published[/green] {issued.kind} report {issued.id} {issued.params} "
        f"(ledger entry {issued.entry_seq}); JSON sha256 {issued.json_digest}",
        highlight=False,
    )


@app.command("list")
@friendly
def report_list(
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="How many, newest first.")] = 50,
    db: Db = None,
) -> None:
    """The published reports, newest cut-off first."""
    with opened(db) as truce, truce.uow(write=False) as uow:
        page = sitreps.published_page(uow, kind=kind, limit=limit)
    console.print(f"{page.total} published reports", highlight=False)
    for report in page.items:
        console.print(
            f"{report.id}\t{report.kind}\t{report.params}\t{report.cutoff:%Y-%m-%dT%H:%MZ}\t"
            f"entry {report.entry_seq}\t{report.json_digest}",
            highlight=False,
        )


@app.command("check")
@friendly
def report_check(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A report's JSON, HTML or PDF.")
    ],
    report_id: Annotated[
        int | None, typer.Option("--id", min=1, help="Check against this published report only.")
    ] = None,
    ledger: Annotated[
        Path | None,
        typer.Option(
            "--ledger",
            exists=True,
            dir_okay=False,
            help="A ledger export (truce ledger export) to check against, with no database.",
        ),
    ] = None,
    db: Db = None,
) -> None:
    """Whether FILE is a report as it was issued: hash it and look for its digest in the
    ledger entries that published reports (exit 1 when it matches none)."""
    data = file.read_bytes()
    if ledger is not None:
        found = sitreps.check_against_export(data, ledger, report_id=report_id)
    else:
        with opened(db) as truce, truce.uow(write=False) as uow:
            found = sitreps.check(data, uow, report_id=report_id)
    digest = sha256(data)
    if not found:
        which = f"published report {report_id}" if report_id is not None else "published report"
        console.print(
            f"[red]no match:[/red] {file} (sha256 {digest}) is no rendering of any {which}",
            highlight=False,
        )
        raise typer.Exit(1)
    for match in found:
        lang = f" in {match.lang}" if match.lang else ""
        console.print(
            f"[green]match:[/green] {file} is published report {match.report_id}, "
            f"{match.kind} {match.params}, as {match.format}{lang}; ledger entry "
            f"{match.entry.seq} ({match.entry.action} by {match.entry.actor} at "
            f"{match.entry.at}); sha256 {digest}",
            highlight=False,
        )
