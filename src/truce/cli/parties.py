"""`truce parties`: the registry of parties."""

from __future__ import annotations

import functools
import json
from typing import Annotated

import typer
from rich.table import Table

from truce.cli.base import AgreementOption, Db, console, friendly, opened
from truce.domain.parties import Status
from truce.domain.permissions import SYSTEM
from truce.services import exports

app = typer.Typer(help="The registry of parties.", no_args_is_help=True)


@app.command("list")
@friendly
def parties_list(
    q: Annotated[str | None, typer.Option("--q", "-q", help="Name in any script.")] = None,
    status: Annotated[Status | None, typer.Option(help="Only this status.")] = None,
    agreement: AgreementOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
    db: Db = None,
) -> None:
    """List the registry: status, each guarantor's view, commitment, lateness."""
    with opened(db) as truce:
        reading = functools.partial(truce.uow, write=False)
        found, _, every = exports.registry_entries(
            reading, actor=SYSTEM, agreement_id=agreement, query=q, status=status
        )
        entries = list(every)
    if as_json:
        rows = [
            {
                "id": e.id,
                "name": e.name,
                "status": e.status.value,
                "views": {k: v.value for k, v in e.views.items()},
                "pending": e.pending,
                "disputed": e.disputed,
                "late": bool(e.first_commitment and e.first_commitment.late),
            }
            for e in entries
        ]
        console.print_json(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(
        "id", "party", "guarantor", "status", "views", "committed", "late", title=found.title
    )
    for e in entries:
        first = e.first_commitment
        shown = e.disputed or e.pending
        views = " ".join(f"{k}:{v.value}" for k, v in e.views.items()) if shown else ""
        table.add_row(
            str(e.id),
            e.name,
            e.sponsor or "",
            e.status.value,
            views,
            first.committed_at.isoformat() if first else "",
            "late" if first and first.late else "",
        )
    console.print(table)
