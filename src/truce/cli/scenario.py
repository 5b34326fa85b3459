"""`truce scenario`: an agreement with its parties and history, loaded in one go."""

from __future__ import annotations

from typing import Annotated

import typer

from truce.bootstrap import prepare
from truce.cli.base import Db, console, friendly, settings
from truce.domain.permissions import SYSTEM
from truce.services import scenario

app = typer.Typer(
    help="Scenarios: an agreement with its parties and history.", no_args_is_help=True
)


@app.command("load")
@friendly
def scenario_load(
    name: Annotated[
        str, typer.Argument(help="syria-2016, or a scenario JSON file.")
    ] = "syria-2016",
    db: Db = None,
) -> None:
    """Load a scenario in one transaction: all of it, or nothing."""
    truce = prepare(settings(db))
    try:
        with console.status(f"Loading {name}…"), truce.uow() as uow:
            agreement_id = scenario.load_scenario(scenario.read_scenario(name), uow, actor=SYSTEM)
        console.print(f"[green]loaded[/green] {name} as agreement {agreement_id}")
    finally:
        truce.close()
