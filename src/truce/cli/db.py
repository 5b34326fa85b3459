"""`truce db`: the database schema."""

from __future__ import annotations

import typer

from truce.bootstrap import prepare
from truce.cli.base import Db, console, friendly, settings

app = typer.Typer(help="The database schema.", no_args_is_help=True)


@app.command("upgrade")
@friendly
def db_upgrade(db: Db = None) -> None:
    """Create or migrate the schema, and write the ledger's genesis entry once."""
    truce = prepare(settings(db))
    try:
        with truce.uow(write=False) as uow:
            seq, head = uow.ledger.head()
        console.print(f"[green]database ready[/green] at {truce.db.display_url()}")
        console.print(f"ledger head {seq}:{head}")
    finally:
        truce.close()
