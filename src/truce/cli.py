"""The `truce` command: serve, demo, database, users, parties, scenarios and the ledger."""

from __future__ import annotations

import errno
import functools
import json
import logging
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from gettext import ngettext
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import typer
from fastapi.encoders import jsonable_encoder
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy.exc import OperationalError, ProgrammingError

from truce import __version__, cli_import
from truce.bootstrap import NotMigrated, Truce, bootstrap, require_current_schema, set_up
from truce.config import Settings
from truce.domain.errors import DomainError
from truce.domain.parties import Status
from truce.domain.permissions import SYSTEM, Actor, Role
from truce.geo.geojson import GeoJSONError
from truce.geo.geojson import load as load_geojson
from truce.ledger.export import ExportError
from truce.ledger.verify import KnownHead, Report
from truce.services import common, exports, ledger, scenario, territory, users
from truce.services.instance import WrongSecret
from truce.store.keyring import SecretMismatch
from truce.store.uow import NoSecret

app = typer.Typer(
    help="Truce: run and monitor a ceasefire.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Users, their roles and API tokens.", no_args_is_help=True)
parties_app = typer.Typer(help="The registry of parties.", no_args_is_help=True)
ledger_app = typer.Typer(
    help="The signed, hash-chained record of every change.", no_args_is_help=True
)
scenario_app = typer.Typer(
    help="Scenarios: an agreement with its parties and history.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(parties_app, name="parties")
app.add_typer(ledger_app, name="ledger")
app.add_typer(scenario_app, name="scenario")
import_app = typer.Typer(help="Import areas and report files.", no_args_is_help=True)
areas_app = typer.Typer(help="Areas where parties are active, per guarantor.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(areas_app, name="areas")

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
DEMO_DATABASE = "sqlite:///var/demo.db"
DEMO_USERS = (
    ("admin", Role.ADMIN, None, None),
    ("us-ops", Role.GUARANTOR, "US", None),
    ("ru-ops", Role.GUARANTOR, "RU", None),
    ("uk-member", Role.MEMBER, "GB", None),
    ("monitor", Role.MONITOR, None, None),
    ("fsa-liaison", Role.LIAISON, None, "free-syrian-army"),
    ("analyst", Role.ANALYST, None, None),
)

Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="TRUCE_DATABASE_URL",
        show_envvar=True,
        help="Database URL or SQLite file path. Default: var/truce.db.",
    ),
]
DemoDb = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="TRUCE_DATABASE_URL",
        show_envvar=True,
        help=f"Database URL or SQLite file path. Default: {DEMO_DATABASE.removeprefix('sqlite:///')}.",
    ),
]
Host = Annotated[str, typer.Option(help="Address to listen on.")]
AsUser = Annotated[str | None, typer.Option("--as", help="Sign as this user (default: system).")]
Published = Annotated[
    str | None,
    typer.Option(help="Publication time (RFC 3339) for every article, over its own date."),
]
Port = Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")]
F = TypeVar("F", bound=Callable[..., Any])


class CannotListen(Exception):
    """The address or port to serve on cannot be had (taken, or not ours to take)."""


def _settings(db: str | None, **overrides: Any) -> Settings:
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
    truce = bootstrap(_settings(db, **overrides))
    try:
        if current:
            require_current_schema(truce)
        yield truce
    finally:
        truce.close()


def prepare(settings: Settings) -> Truce:
    """Migrate and set up the ledger, creating a secret beside a new SQLite database."""
    truce = bootstrap(settings)
    needs_secret = truce.secret is None and not _is_set_up(truce)
    if needs_secret:
        truce.close()
        truce = bootstrap(settings, create_secret=True)
    if truce.keyring is None:
        raise NoSecret(
            "this installation's secret is missing: set TRUCE_SECRET_KEY or TRUCE_SECRET_FILE"
        )
    set_up(truce)
    return truce


def _is_set_up(truce: Truce) -> bool:
    try:
        with truce.uow(write=False) as uow:
            return uow.instance() is not None
    except (OperationalError, ProgrammingError):
        return False


@app.callback(invoke_without_command=True)
def main(
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    """Truce: who a ceasefire covers, where, what happened, and who decided: signed."""
    if version:
        console.print(f"truce {__version__}")
        raise typer.Exit()


@db_app.command("upgrade")
@friendly
def db_upgrade(db: Db = None) -> None:
    """Create or migrate the schema, and write the ledger's genesis entry once."""
    truce = prepare(_settings(db))
    try:
        with truce.uow(write=False) as uow:
            seq, head = uow.ledger.head()
        console.print(f"[green]database ready[/green] at {truce.db.display_url()}")
        console.print(f"ledger head {seq}:{head}")
    finally:
        truce.close()


@app.command()
@friendly
def serve(db: Db = None, host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Serve the web app and the API."""
    with opened(db) as truce:
        _check_secret(truce)
        _serve(truce, _listen(host, port))


def _check_secret(truce: Truce) -> None:
    if truce.keyring is None:
        raise NoSecret(
            "this installation's secret is missing: set TRUCE_SECRET_KEY or"
            " TRUCE_SECRET_FILE (for SQLite, the .secret file beside the database)"
        )
    with truce.uow(write=False) as uow:
        instance = uow.instance()
        if instance is None:
            raise NotMigrated("the database is not set up: run `truce db upgrade`")
        if instance.secret_check != truce.keyring.secret_check:
            raise WrongSecret("the secret differs from the one this database was set up with")


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``: taken before anything is loaded or any address printed."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise CannotListen(f"cannot listen on {host!r}: {exc.strerror}; check --host") from exc
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise CannotListen(
                f"port {port} on {host} is taken (is Truce already running?):"
                f" choose another with --port, e.g. --port {port + 1 if port < 65535 else 8001}"
            ) from exc
        raise CannotListen(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    return sock


def _serve(truce: Truce, sock: socket.socket) -> None:
    import uvicorn

    from truce.web.app import create_app

    logging.basicConfig(
        level=truce.settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    host, port = sock.getsockname()[:2]
    where = f"[{host}]" if ":" in host else host
    console.print(
        f"Truce on [bold]http://{where}:{port}/[/bold] — API http://{where}:{port}/api/v1/docs"
    )
    console.print(f"database {truce.db.display_url()}")
    config = uvicorn.Config(
        create_app(truce), host=host, port=port, log_level=truce.settings.log_level, workers=1
    )
    uvicorn.Server(config).run(sockets=[sock])


@app.command()
@friendly
def demo(
    db: DemoDb = None,
    host: Host = "127.0.0.1",
    port: Port = 8000,
    serve: Annotated[bool, typer.Option(help="Serve after loading (--no-serve to stop).")] = True,
) -> None:
    """Set up a demo database with the 2016 scenario and demo users, then serve it."""
    sock = _listen(host, port) if serve else None  # a taken port is said before any loading
    settings = _settings(db or DEMO_DATABASE, demo=True)
    truce = prepare(settings)
    try:
        with truce.uow(write=False) as uow:
            empty = not uow.agreements.all()
        if empty:
            _load_demo(truce)
        else:
            console.print("The database already holds an agreement: serving it as it is.")
        _print_demo_sign_ins(truce)
        if sock is not None:
            _serve(truce, sock)
    finally:
        if sock is not None:
            sock.close()
        truce.close()


def _load_demo(truce: Truce) -> None:
    with console.status("Loading the 2016 scenario…"), truce.uow() as uow:
        scenario.load_scenario(scenario.read_scenario("syria-2016"), uow)
    for username, role, state, party_slug in DEMO_USERS:
        with truce.uow() as uow:
            party = uow.parties.by_slug(party_slug) if party_slug else None
            cmd = users.NewUser(
                username,
                role,
                demo_password(username),
                state=state,
                party_id=party.id if party else None,
            )
            users.add_user(cmd, uow, actor=SYSTEM)
    _load_demo_news(truce)
    with truce.uow(write=False) as uow:
        cli_import.import_demo_events(truce, _actor(uow, "monitor"))


def _print_demo_sign_ins(truce: Truce) -> None:
    """The demo users this database holds, with their passwords: on every start of the demo."""
    table = Table(title="Demo sign-ins (demo only: never use these passwords elsewhere)")
    for column in ("user", "role", "bound to", "password"):
        table.add_column(column)
    with truce.uow(write=False) as uow:
        present = {username for username, *_ in DEMO_USERS if uow.users.by_name(username)}
    for username, role, state, party_slug in DEMO_USERS:
        if username in present:
            table.add_row(username, role.value, state or party_slug or "", demo_password(username))
    console.print(table)


def _load_demo_news(truce: Truce) -> None:
    # The labelled articles of data/news, beside the package in a source checkout.
    from truce.news.extract import articles_in, run
    from truce.services import news

    folder = Path(__file__).resolve().parents[2] / "data" / "news" / "articles"
    if not folder.is_dir():
        console.print("[dim]No data/news/articles here: the demo has no news.[/dim]")
        return
    extractor = _registry_extractor(truce)
    files = list(articles_in(folder))
    with truce.uow(write=False) as uow:
        monitor = _actor(uow, "monitor")
    seed = datetime(2016, 2, 23, 9, tzinfo=UTC)  # the seed article carries no date (labels.json)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Reading the news…", total=len(files))
        for file in files:
            moment = seed if file.name == "seed.txt" else None
            for outcome in run(extractor, [file], moment):
                with truce.uow() as uow:
                    news.ingest(outcome, extractor.book, uow, actor=monitor)
            progress.advance(task)
    with truce.uow(write=False) as uow:
        articles, statements, reports = news.counts(uow)
    console.print(
        f"News: {_count(articles, 'article')}, {_count(statements, 'statement')},"
        f" {_count(reports, 'news report')}."
    )


def _count(number: int, noun: str, nouns: str | None = None) -> str:
    """ "1 article", "2 articles": the command line speaks English, through gettext's plurals."""
    return f"{number} {ngettext(noun, nouns or noun + 's', number)}"


def demo_password(username: str) -> str:
    """The demo password of a demo user (used only by `truce demo`)."""
    return f"{username}-demo-2016"


@users_app.command("add")
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
    db: Db = None,
) -> None:
    """Add a user with a new signing key (registered in the ledger)."""
    password = None if no_password else _read_password(password_stdin)
    with opened(db) as truce, truce.uow() as uow:
        party_id = _party_id(uow, party) if party else None
        cmd = users.NewUser(username, role, password, display_name, state, party_id)
        view = users.add_user(cmd, uow, actor=SYSTEM)
        console.print(
            f"[green]added[/green] {view.username} ({view.role.value}), key {view.key_id}"
        )
        if token:
            issued = users.issue_token("cli", uow, actor=users.actor_of(uow.users.get(view.id)))  # type: ignore[arg-type]
            console.print(f"API token (shown once, store it now): [bold]{issued}[/bold]")


@users_app.command("passwd")
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


@users_app.command("disable")
@friendly
def users_disable(
    username: Annotated[str, typer.Argument(help="The user to disable.")],
    db: Db = None,
) -> None:
    """Disable a user: no more sign-ins; sessions, API tokens and signing key revoked."""
    with opened(db) as truce, truce.uow() as uow:
        view = users.disable_user(username, uow, actor=SYSTEM)
    console.print(f"[green]disabled[/green] {view.username}; key {view.key_id} revoked")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _party_id(uow: Any, reference: str) -> int:
    row = uow.parties.row(int(reference)) if reference.isdigit() else uow.parties.by_slug(reference)
    if row is None:
        raise typer.BadParameter(f"no party {reference!r} (give its slug or id)")
    return int(row.id)


@users_app.command("list")
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


@parties_app.command("list")
@friendly
def parties_list(
    q: Annotated[str | None, typer.Option("--q", "-q", help="Name in any script.")] = None,
    status: Annotated[Status | None, typer.Option(help="Only this status.")] = None,
    agreement: Annotated[int | None, typer.Option(help="Agreement id (default: newest).")] = None,
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


@scenario_app.command("load")
@friendly
def scenario_load(
    name: Annotated[
        str, typer.Argument(help="syria-2016, or a scenario JSON file.")
    ] = "syria-2016",
    db: Db = None,
) -> None:
    """Load a scenario in one transaction: all of it, or nothing."""
    truce = prepare(_settings(db))
    try:
        with console.status(f"Loading {name}…"), truce.uow() as uow:
            agreement_id = scenario.load_scenario(scenario.read_scenario(name), uow)
        console.print(f"[green]loaded[/green] {name} as agreement {agreement_id}")
    finally:
        truce.close()


@ledger_app.command("verify")
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
        return
    assert report.failure is not None
    errors.print(f"[red]ledger FAILED[/red] at entry {report.failure.seq}: {report.failure.reason}")
    errors.print(f"{_count(report.checked, 'entry', 'entries')} before it verified.")
    raise typer.Exit(1)


@ledger_app.command("export")
@friendly
def ledger_export(
    file: Annotated[Path, typer.Argument(help="Where to write the JSON Lines export.")],
    db: Db = None,
) -> None:
    """Write the ledger to FILE; anyone can verify it with `truce ledger verify --file FILE`."""
    with opened(db) as truce, file.open("w", encoding="utf-8") as out:
        count = ledger.export(truce.db, out)
    console.print(f"[green]exported[/green] {_count(count, 'entry', 'entries')} to {file}")


@ledger_app.command("head")
@friendly
def ledger_head(db: Db = None) -> None:
    """Print the head as SEQ:HASH, to keep and check later exports against."""
    with opened(db) as truce, truce.uow(write=False) as uow:
        seq, hash_ = uow.ledger.head()
    console.print(f"{seq}:{hash_}")


def _moment(text: str | None, timezone: str) -> datetime:
    """A time from the command line; a date means noon, and no offset the agreement's zone."""
    if text is None:
        return datetime.now(UTC)
    try:
        if len(text) == 10:
            return datetime.fromisoformat(text).replace(hour=12, tzinfo=ZoneInfo(timezone))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise typer.BadParameter(
            f"{text!r} is not a date (YYYY-MM-DD) or an RFC 3339 time"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


@app.command()
@friendly
def where(
    lat: Annotated[float, typer.Argument(min=-90, max=90, help="Latitude (WGS 84).")],
    lon: Annotated[float, typer.Argument(min=-180, max=180, help="Longitude (WGS 84).")],
    at: Annotated[
        str | None, typer.Option(help="A date (noon, agreement time) or time; default now.")
    ] = None,
    agreement: Annotated[int | None, typer.Option(help="Agreement id (default: newest).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of text.")] = False,
    db: Db = None,
) -> None:
    """Who is active at LAT LON, and whether the place is protected there and then."""
    with opened(db) as truce, truce.uow(write=False) as uow:
        found = common.agreement(uow, agreement)
        answer = territory.where(uow, lat, lon, _moment(at, found.timezone), agreement_id=found.id)
    if as_json:
        console.print_json(json.dumps(jsonable_encoder(answer), ensure_ascii=False))
        return
    _print_answer(answer, found)


def _print_answer(answer: Any, agreement: Any) -> None:
    local = answer.at.astimezone(ZoneInfo(agreement.timezone))
    console.print(f"{answer.lat}, {answer.lon} at {local:%Y-%m-%d %H:%M %Z} ({agreement.timezone})")
    colour = {"protected": "green", "excluded": "red", "mixed": "yellow"}.get(
        answer.verdict.value, "white"
    )
    console.print(f"verdict: [bold {colour}]{answer.verdict.value}[/bold {colour}]")
    if not answer.in_force:
        began = agreement.effective_at.astimezone(ZoneInfo(agreement.timezone))
        console.print(f"no cessation in force yet: it began {began:%Y-%m-%d %H:%M %Z}")
    views = ", ".join(f"{state}: {verdict.value}" for state, verdict in answer.by_guarantor.items())
    console.print(f"each guarantor's map: {views}")
    table = Table("party", "status", "asserted by (review)")
    for party in answer.parties:
        sides = "; ".join(f"{a.guarantor} ({a.review})" for a in party.areas)
        table.add_row(party.name, party.status.value, sides)
    if answer.parties:
        console.print(table)
    else:
        console.print("no area delineates any party here")
    if answer.nearest_protected_km is not None:
        console.print(f"nearest protected area: {answer.nearest_protected_km:.1f} km")


@import_app.command("geojson")
@friendly
def import_geojson(
    file: Annotated[Path, typer.Argument(help="A GeoJSON FeatureCollection (WGS 84).")],
    party: Annotated[str, typer.Option(help="The party (slug or id) active in these areas.")],
    guarantor: Annotated[str, typer.Option(help="The guarantor asserting them (e.g. US, RU).")],
    valid_from: Annotated[str | None, typer.Option(help="For features without valid_from.")] = None,
    repair: Annotated[
        bool, typer.Option(help="Fix ring orientation and self-intersections.")
    ] = False,
    as_user: AsUser = None,
    agreement: Annotated[int | None, typer.Option(help="Agreement id (default: newest).")] = None,
    db: Db = None,
) -> None:
    """Import areas from FILE: every feature is checked, and nothing is stored unless all pass."""
    collection = _load_geojson(file)
    with opened(db) as truce, truce.uow() as uow:
        found = common.agreement(uow, agreement)
        actor = _actor(uow, as_user)
        start = _moment(valid_from, found.timezone) if valid_from else None
        cmd = territory.ImportAreas(
            found.id, _party_id(uow, party), guarantor, collection, start, repair
        )
        result = territory.import_areas(cmd, uow, actor=actor)
    for note in result.repaired:
        console.print(f"[yellow]repaired[/yellow] {note}")
    console.print(f"[green]imported[/green] {_count(len(result.area_ids), 'area')} for {guarantor}")


def _load_geojson(file: Path) -> dict[str, Any]:
    if not file.is_file():
        raise typer.BadParameter(f"no such file: {file}")
    try:
        return load_geojson(file)
    except GeoJSONError as exc:
        raise typer.BadParameter(str(exc)) from exc


def _actor(uow: Any, username: str | None) -> Actor:
    if username is None:
        return SYSTEM
    row = uow.users.by_name(username)
    if row is None:
        raise typer.BadParameter(f"no user {username!r}", param_hint="--as")
    return users.actor_of(row)


@areas_app.command("export")
@friendly
def areas_export(
    file: Annotated[Path, typer.Argument(help="Where to write the GeoJSON.")],
    at: Annotated[str | None, typer.Option(help="The day or time (default: now).")] = None,
    guarantor: Annotated[str | None, typer.Option(help="Only this guarantor's layer.")] = None,
    agreement: Annotated[int | None, typer.Option(help="Agreement id (default: newest).")] = None,
    db: Db = None,
) -> None:
    """Write the areas that hold at a time to FILE as GeoJSON (re-importable)."""
    with opened(db) as truce, truce.uow(write=False) as uow:
        found = common.agreement(uow, agreement)
        moment = _moment(at, found.timezone)
        _, active = territory.areas_at(uow, moment, guarantor=guarantor, agreement_id=found.id)
        names = {row.id: row.name for row in uow.parties.all_rows()}
    features = [exports.area_feature(area, status, names) for area, status in active]
    file.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    console.print(
        f"[green]exported[/green] {_count(len(features), 'area')} holding at {moment.isoformat()}"
    )


news_app = typer.Typer(
    help="Reading the news: statements, places, parties, events.", no_args_is_help=True
)
app.add_typer(news_app, name="news")


def _extractor(db: str | None) -> Any:
    from truce.news.extract import Extractor

    if not db:
        return Extractor.offline()
    with opened(db) as truce:
        return _registry_extractor(truce)


def _registry_extractor(truce: Truce) -> Any:
    """An extractor that matches parties to this database's registry."""
    from truce.services import news

    with truce.uow(write=False) as uow:
        return news.registry_extractor(uow)


@news_app.command("extract")
@friendly
def news_extract(
    files: Annotated[
        list[Path], typer.Argument(help="Articles (.txt .html .json .jsonl), folders.")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON Lines, one article per line.")
    ] = False,
    published: Published = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Match parties against this registry (default: 2016's)."),
    ] = None,
) -> None:
    """Extract statements, places, parties and events from articles, with character offsets."""
    from truce.news.extract import run
    from truce.news.present import as_record, summary_table

    moment = _moment(published, "UTC") if published else None
    failed = 0
    for outcome in run(_extractor(db), files, moment):
        if outcome.error:
            failed += 1
            errors.print(f"[red]{escape(outcome.source)}[/red]: {escape(outcome.error)}")
        elif as_json:
            console.print_json(
                json.dumps(as_record(outcome.extraction), ensure_ascii=False), indent=None
            )
        else:
            console.print(summary_table(outcome.extraction))
    if failed:
        raise typer.Exit(1)


@news_app.command("eval")
@friendly
def news_eval(
    labels: Annotated[Path, typer.Argument(help="The labels file (see docs/news-labels.md).")],
    articles: Annotated[Path, typer.Option(help="The folder the labelled articles are in.")],
    split: Annotated[str, typer.Option(help="dev, test or all.")] = "test",
    markdown: Annotated[
        Path | None, typer.Option(help="Also write the scores as Markdown here.")
    ] = None,
) -> None:
    """Precision, recall and F1 per article and overall, for each kind of item."""
    from truce.news.present import evaluate_split, scores_markdown, scores_table

    result = evaluate_split(labels, articles, split)
    console.print(scores_table(result))
    if markdown is not None:
        markdown.write_text(
            scores_markdown(
                result, f"truce news eval {labels} --articles {articles} --split {split}"
            ),
            encoding="utf-8",
        )
        console.print(f"[green]wrote[/green] {markdown}")


@news_app.command("ingest")
@friendly
def news_ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files, folders or JSON Lines feeds.")],
    published: Published = None,
    as_user: AsUser = None,
    db: Db = None,
) -> None:
    """Store articles, statements and each event as a news report; an article is stored once."""
    from truce.news.extract import run
    from truce.services import news

    moment = _moment(published, "UTC") if published else None
    tally: dict[str, int] = {}
    with opened(db) as truce:
        # Always the registry of the database written to, even when that is the default one.
        extractor = _registry_extractor(truce)
        for outcome in run(extractor, paths, moment):
            with truce.uow() as uow:
                result = news.ingest(outcome, extractor.book, uow, actor=_actor(uow, as_user))
            tally[result.status] = tally.get(result.status, 0) + 1
            _print_ingested(result)
        with truce.uow(write=False) as uow:
            articles, statements, reports = news.counts(uow)
    console.print(
        ", ".join(f"{n} {status}" for status, n in sorted(tally.items()))
        + f"; stored now: {_count(articles, 'article')}, {_count(statements, 'statement')},"
        f" {_count(reports, 'news report')}"
    )
    if tally.get("failed"):
        raise typer.Exit(1)


def _print_ingested(result: Any) -> None:
    if result.status == "failed":
        errors.print(f"[red]failed[/red] {escape(result.source)}: {escape(result.error or '')}")
    elif result.status == "already":
        console.print(
            f"[dim]already stored[/dim] {escape(result.source)} (article {result.article_id})"
        )
    else:
        console.print(
            f"[green]ingested[/green] {escape(result.source)}: article {result.article_id},"
            f" {_count(result.statements, 'statement')}, {_count(result.reports, 'report')}"
        )
    for warning in result.warnings:
        errors.print(f"[yellow]warning[/yellow] {escape(result.source)}: {escape(warning)}")


cli_import.register(import_app)  # truce import acled, ucdp, reports
