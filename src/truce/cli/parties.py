"""`truce parties`: the registry of parties."""

from __future__ import annotations

import functools
import json
from typing import Annotated

import typer
from rich.table import Table

from truce.cli.base import (
    AgreementOption,
    AsUser,
    Db,
    KeyFile,
    actor,
    console,
    friendly,
    opened,
    party_id,
    signed_by,
)
from truce.domain.parties import Status
from truce.domain.permissions import SYSTEM
from truce.domain.proposals import Decision
from truce.services import common, exports, standing

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


@app.command("propose")
@friendly
def parties_propose(
    party: Annotated[str, typer.Argument(help="The party (slug or id).")],
    status: Annotated[Status, typer.Argument(help="The status you propose.")],
    reason: Annotated[str, typer.Option(help="Why, for the other guarantor and the record.")],
    as_user: AsUser = None,
    key: KeyFile = None,
    agreement: AgreementOption = None,
    db: Db = None,
) -> None:
    """Propose a party's status as a guarantor (--as); the other guarantor decides it."""
    with opened(db) as truce:
        with truce.uow(write=False) as uow:
            found = common.agreement(uow, agreement)
            target = party_id(uow, party)
            author = actor(uow, as_user)
        arguments = {
            "agreement": found.id,
            "party": target,
            "status": status.value,
            "reason": reason,
        }
        subject = f"party:{target}"
        with (
            signed_by(truce, key, as_user, "parties propose", subject, arguments),
            truce.uow() as uow,
        ):
            cmd = standing.ProposeStatus(found.id, target, status, reason)
            proposal = standing.propose_status(cmd, uow, actor=author)
    console.print(f"[green]proposed[/green] {status.value} (proposal {proposal.id})")


@app.command("decide")
@friendly
def parties_decide(
    proposal: Annotated[int, typer.Argument(min=1, help="The proposal's id.")],
    decision: Annotated[Decision, typer.Argument(help="approve or reject.")],
    reason: Annotated[str, typer.Option(help="Why (needed to reject).")] = "",
    as_user: AsUser = None,
    key: KeyFile = None,
    db: Db = None,
) -> None:
    """Approve or reject the other guarantor's proposal (--as)."""
    with opened(db) as truce:
        with truce.uow(write=False) as uow:
            author = actor(uow, as_user)
        arguments = {"proposal": proposal, "decision": decision.value, "reason": reason}
        subject = f"proposal:{proposal}"
        with (
            signed_by(truce, key, as_user, "parties decide", subject, arguments),
            truce.uow() as uow,
        ):
            cmd = standing.DecideProposal(proposal, decision, reason)
            decided = standing.decide_proposal(cmd, uow, actor=author)
    console.print(f"[green]{decided.state.value}[/green] proposal {decided.id}")
