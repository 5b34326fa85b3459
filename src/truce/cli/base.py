"""What every command group shares: the consoles, the common options, opening the database,
and turning expected failures into one line."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from gettext import ngettext
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError, ProgrammingError

from truce.bootstrap import NotMigrated, Truce, bootstrap, require_current_schema
from truce.config import Settings
from truce.domain.errors import DomainError
from truce.domain.permissions import SYSTEM, Actor
from truce.domain.times import Zone, read_time
from truce.ledger.export import ExportError
from truce.services import users
from truce.services.instance import WrongSecret
from truce.store.keyring import SecretMismatch
from truce.store.uow import NoSecret, UnitOfWork

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
