"""`truce users`: users, their roles and API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from truce.cli.base import Db, console, friendly, opened, party_id
from truce.domain.permissions import SYSTEM, Role
from truce.ledger.keyfile import parse_public_key
from truce.services import users

app = typer.Typer(help="Users, their roles and API tokens.", no_args_is_help=True)


@app.command("add")
@friendly
def users_add(
    username: Annotated[str, typer.Argument(help="3-40 characters: a-z, 0-9, '.', '-', '_'.")],
    role: Annotated[Role, typer.Option(help="The user's role.")],
    state: Annotated[str | None, typer.Option(help="Guarantor or member state code.")] = None,
    party: Annotated[str | None, typer.Option(help="Liaison's party (slug or id).")] = None,
    display_name: Annotated[str, typer.Option(help="Name shown in the interface.")] = "",
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
    no_password: Annotated[bool, typer.Option(help="No web sign-in (API token only).")] = False,
    token: Annotated[bool, typer.Option(help="Also issue an API token, shown once.")] = False,
    public_key: Annotated[
        str | None,
        typer.Option(
            help="The public key of a key the user holds (`truce keys new`); the server then"
            " never has their private key."
        ),
    ] = None,
    db: Db = None,
) -> None:
    """Add a user with a signing key registered in the ledger: a new one the server holds, or
    the one they hold themselves (--public-key)."""
    try:
        held = parse_public_key(public_key) if public_key is not None else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--public-key") from exc
    password = None if no_password else _read_password(password_stdin)
    with opened(db) as truce, truce.uow() as uow:
        bound_party = party_id(uow, party) if party else None
        cmd = users.NewUser(username, role, password, display_name, state, bound_party, held)
        view = users.add_user(cmd, uow, actor=SYSTEM)
        custody = "held by the user" if held else "held by the server"
        console.print(
            f"[green]added[/green] {view.username} ({view.role.value}), key {view.key_id}"
            f" ({custody})"
        )
        if token:
            issued = users.issue_token("cli", uow, actor=users.actor_of(uow.users.get(view.id)))  # type: ignore[arg-type]
            console.print(f"API token (shown once, store it now): [bold]{issued}[/bold]")


@app.command("passwd")
@friendly
def users_passwd(
    username: Annotated[str, typer.Argument(help="The user whose password to set.")],
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
    db: Db = None,
) -> None:
    """Set a user's password; every web session and API token of theirs ends."""
    password = _read_password(password_stdin)
    with opened(db) as truce, truce.uow() as uow:
        cmd = users.ChangePassword(username, password)
        users.change_password(cmd, uow, actor=SYSTEM, limits=truce.sign_ins)
    console.print(f"[green]password set[/green] for {username}; their sign-ins have ended")


@app.command("disable")
@friendly
def users_disable(
    username: Annotated[str, typer.Argument(help="The user to disable.")],
    db: Db = None,
) -> None:
    """Disable a user: no more sign-ins; sessions, API tokens and signing key revoked."""
    with opened(db) as truce, truce.uow() as uow:
        view = users.disable_user(username, uow, actor=SYSTEM)
    console.print(f"[green]disabled[/green] {view.username}; key {view.key_id} revoked")


@app.command("enrol")
@friendly
def users_enrol(
    username: Annotated[str, typer.Argument(help="The user whose browser will hold their key.")],
    hours: Annotated[int, typer.Option(min=1, max=24 * 14, help="Hours the code lasts.")] = 24,
    db: Db = None,
) -> None:
    """Print a one-time code with which the user's browser enrols a key of its own."""
    with opened(db) as truce, truce.uow() as uow:
        code = users.issue_enrolment_code(username, uow, actor=SYSTEM, hours=hours)
    console.print(f"enrolment code for {username}: {code}", soft_wrap=True)
    console.print(
        f"Give it to {username} alone; at their next sign-in their browser makes a key the server"
        f" never sees (Account, 'Your signing key'). It works once, within {hours} h.",
        soft_wrap=True,
    )


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@app.command("list")
@friendly
def users_list(db: Db = None) -> None:
    """List users, their roles and signing keys."""
    with opened(db) as truce, truce.uow(write=False) as uow:
        table = Table("id", "user", "role", "bound to", "key", "active")
        for view in users.list_users(uow, actor=SYSTEM):
            bound = view.state or (str(view.party_id) if view.party_id else "")
            table.add_row(
                str(view.id),
                view.username,
                view.role.value,
                bound,
                view.key_id,
                "yes" if view.active else "no",
            )
        console.print(table)
