"""The `truce` command: serve, demo, database, users, parties, scenarios and the ledger.

One module per command group; each calls the services and prints what they return.
"""

from __future__ import annotations

from typing import Annotated

import typer

from truce import __version__
from truce.cli import (
    db,
    demo,
    exports,
    keys,
    ledger,
    mirror,
    news,
    parties,
    reports,
    scenario,
    serve,
    sitreps,
    territory,
    users,
    webhooks,
    witness,
)
from truce.cli.base import console, opened

__all__ = ["app", "main", "opened", "reports"]

app = typer.Typer(
    help="Truce: run and monitor a ceasefire.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


@app.callback(invoke_without_command=True)
def main(
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    """Truce: who a ceasefire covers, where, what happened, and who decided: signed."""
    if version:
        console.print(f"truce {__version__}")
        raise typer.Exit()


app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("where")(territory.where)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(keys.app, name="keys")
app.add_typer(parties.app, name="parties")
app.add_typer(ledger.app, name="ledger")
app.add_typer(scenario.app, name="scenario")
app.add_typer(territory.import_app, name="import")
app.add_typer(territory.areas_app, name="areas")
app.add_typer(news.app, name="news")
app.add_typer(exports.app, name="export")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(sitreps.app, name="report")
app.add_typer(witness.app, name="witness")
app.add_typer(mirror.app, name="mirror")
