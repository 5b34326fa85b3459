"""What every command group shares: the consoles, the common options, opening the database,
and turning expected failures into one line."""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from gettext import ngettext
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError, ProgrammingError

from truce.bootstrap import NotMigrated, Truce, bootstrap, require_current_schema
from truce.config import Settings
from truce.domain.errors import DomainError
from truce.domain.permissions import SYSTEM, Actor
from truce.domain.times import Zone, read_time
from truce.ledger import intents
from truce.ledger.export import ExportError
from truce.ledger.keyfile import KeyFileError, load_key_file
from truce.services import users
from truce.services.instance import WrongSecret
from truce.store.keyring import SecretMismatch
from truce.store.uow import PENDING_INTENT, NoSecret, OfferedIntent, UnitOfWork

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="TRUCE_DATABASE_URL",
        show_envvar=True,
        help="Database URL or SQLite file path. Default: var/truce.db.",
    ),
]
Host = Annotated[str, typer.Option(help="Address to listen on.")]
Port = Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")]
AsUser = Annotated[str | None, typer.Option("--as", help="Sign as this user (default: system).")]
KeyFile = Annotated[
    Path | None,
    typer.Option(
        "--key",
        help="The private key file of the --as user, who holds their own key (`truce keys"
        " new`): each change is sent as an intent signed with it. Prompts for its passphrase.",
        dir_okay=False,
    ),
]
AgreementOption = Annotated[int | None, typer.Option(help="Agreement id (default: newest).")]
F = TypeVar("F", bound=Callable[..., Any])


class CannotListen(Exception):
    """The address or port to serve on cannot be had (taken, or not ours to take)."""


def settings(db: str | None, **overrides: Any) -> Settings:
    """The settings, with the database chosen on the command line."""
    values: dict[str, Any] = {"database_url": db} if db else {}
    return Settings(**values, **overrides)


def friendly(command: F) -> F:
    """Turn expected failures into one clear line and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (
            DomainError,
            NoSecret,
            WrongSecret,
            SecretMismatch,
            NotMigrated,
            ExportError,
            CannotListen,
            KeyFileError,
        ) as exc:
            errors.print(f"[red]error:[/red] {exc}")
        except (OperationalError, ProgrammingError) as exc:
            errors.print(f"[red]database error:[/red] {exc.orig or exc}")
            errors.print("Check --db / TRUCE_DATABASE_URL, and run `truce db upgrade`.")
        raise typer.Exit(2)

    return wrapper  # type: ignore[return-value]


@contextmanager
def opened(db: str | None, *, current: bool = True, **overrides: Any) -> Iterator[Truce]:
    """Truce wired to the chosen database, closed afterwards."""
    truce = bootstrap(settings(db, **overrides))
    try:
        if current:
            require_current_schema(truce)
        yield truce
    finally:
        truce.close()


def count(number: int, noun: str, nouns: str | None = None) -> str:
    """ "1 article", "2 articles": the command line speaks English, through gettext's plurals."""
    return f"{number} {ngettext(noun, nouns or noun + 's', number)}"


def actor(uow: UnitOfWork, username: str | None) -> Actor:
    """The user named by ``--as``; the system without one."""
    if username is None:
        return SYSTEM
    row = uow.users.by_name(username)
    if row is None:
        raise typer.BadParameter(f"no user {username!r}", param_hint="--as")
    return users.actor_of(row)


def party_id(uow: UnitOfWork, reference: str) -> int:
    """The id of the party named by its slug or id."""
    row = uow.parties.row(int(reference)) if reference.isdigit() else uow.parties.by_slug(reference)
    if row is None:
        raise typer.BadParameter(f"no party {reference!r} (give its slug or id)")
    return int(row.id)


def moment(text: str | None, *, field: str, zone: Zone) -> datetime:
    """A time typed on the command line, read as everywhere (domain/times.py); now if none."""
    return datetime.now(UTC) if text is None else read_time(text, field=field, zone=zone)


def _plain(value: Any) -> Any:
    """A command-line argument as intent JSON can carry it (no floats, no paths)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value)


@contextmanager
def signed_by(
    truce: Truce,
    key: Path | None,
    username: str | None,
    command: str,
    subject: str,
    arguments: dict[str, Any],
) -> Iterator[None]:
    """With ``--key``: every writing unit of work of the command carries an intent signed with
    the key in that file, a fresh one (new nonce, new time) for each, so that a command that
    commits in batches signs each batch (docs/ledger.md, "Keys held by their owners")."""
    if key is None:
        yield
        return
    if username is None:
        raise typer.BadParameter(
            "--key signs as the user of --as: give --as too", param_hint="--key"
        )
    if not key.is_file():
        raise typer.BadParameter(f"no such key file: {key}", param_hint="--key")
    passphrase = None
    if b"ENCRYPTED" in key.read_bytes()[:64]:
        passphrase = getpass.getpass(f"Passphrase of {key}: ").encode("utf-8")
    signer = load_key_file(key, username, passphrase)
    window = timedelta(seconds=truce.settings.intent_window_seconds)
    payload = {name: _plain(value) for name, value in arguments.items()}

    def fresh() -> OfferedIntent:
        intent, signature = intents.sign_intent(
            signer, action=f"truce {command}", subject=subject, payload=payload
        )
        return OfferedIntent(intent, signature, window)

    token = PENDING_INTENT.set(fresh)
    try:
        yield
    finally:
        PENDING_INTENT.reset(token)
