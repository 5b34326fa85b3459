"""`truce demo`: the 2016 scenario, the demo users and the news, served (services/demo.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from truce.bootstrap import Truce, prepare
from truce.cli import reports
from truce.cli.base import Host, Port, actor, console, count, friendly, settings
from truce.cli.serve import listen, run
from truce.domain.permissions import SYSTEM
from truce.services import demo as demo_service
from truce.services import news
from truce.store.db import normalise_url, sqlite_path

DEMO_DATABASE = "sqlite:///var/demo.db"
DemoDb = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="TRUCE_DATABASE_URL",
        show_envvar=True,
        help=f"Database URL or SQLite file path. Default: {DEMO_DATABASE.removeprefix('sqlite:///')}.",
    ),
]


@friendly
def demo(
    db: DemoDb = None,
    host: Host = "127.0.0.1",
    port: Port = 8000,
    serve: Annotated[bool, typer.Option(help="Serve after loading (--no-serve to stop).")] = True,
) -> None:
    """Set up a demo database with the 2016 scenario and demo users, then serve it."""
    sock = listen(host, port) if serve else None  # a taken port is said before any loading
    truce = prepare(settings(db or DEMO_DATABASE, demo=True))
    try:
        with truce.uow(write=False) as uow:
            empty = demo_service.is_empty(uow)
        if empty:
            _load(truce)
        else:
            console.print("The database already holds an agreement: serving it as it is.")
        _print_sign_ins(truce)
        _print_enrolment_codes(truce)
        if sock is not None:
            run(truce, sock)
    finally:
        if sock is not None:
            sock.close()
        truce.close()


def key_folder(url: str) -> Path:
    """Where the demo keeps its guarantor desks' key files: beside a SQLite database, else in
    var/ (as the default database is)."""
    file = sqlite_path(normalise_url(url))
    return (file.parent if file else Path("var")) / "demo-keys"


def _load(truce: Truce) -> None:
    keys = demo_service.desk_keys(key_folder(truce.settings.database_url))
    with console.status("Loading the 2016 scenario…"):
        demo_service.load_scenario_and_users(truce.uow, actor=SYSTEM, keys=keys)
    for key in keys:
        console.print(
            f"{key.username} holds its own key: {key.path} (the server has only its public half)",
            soft_wrap=True,
        )
    _load_news(truce)
    with truce.uow(write=False) as uow:
        monitor = actor(uow, "monitor")
    reports.import_demo_events(truce, monitor)
    _file_reports(truce)


def _file_reports(truce: Truce) -> None:
    files = demo_service.filed_reports()
    filed = list(demo_service.file_demo_reports(truce.uow, files))
    console.print(
        f"Reports: {count(len(filed), 'report')} filed by {count(len(files), 'demo user')}."
    )


def _load_news(truce: Truce) -> None:
    files = demo_service.news_files()
    if not files:
        console.print("[dim]No data/news/articles here: the demo has no news.[/dim]")
        return
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Reading the news…", total=len(files))
        for _ in demo_service.load_news(truce.uow, files):
            progress.advance(task)
    with truce.uow(write=False) as uow:
        articles, statements, reports = news.counts(uow)
    console.print(
        f"News: {count(articles, 'article')}, {count(statements, 'statement')},"
        f" {count(reports, 'news report')}."
    )


def _print_sign_ins(truce: Truce) -> None:
    """The demo users this database holds, with their passwords: on every start of the demo."""
    table = Table(title="Demo sign-ins (demo only: never use these passwords elsewhere)")
    for column in ("user", "role", "bound to", "password"):
        table.add_column(column)
    with truce.uow(write=False) as uow:
        present = demo_service.sign_ins(uow)
    for user in present:
        table.add_row(user.username, user.role.value, user.bound_to, user.password)
    console.print(table)


def _print_enrolment_codes(truce: Truce) -> None:
    """A one-time code for each guarantor not yet holding their key in a browser: the browser
    they first sign in with asks for it, makes their key and signs every change from then on."""
    codes = demo_service.enrolment_codes(truce.uow)
    for username, code in codes.items():
        console.print(f"enrolment code for {username}: {code}", soft_wrap=True)
    if codes:
        console.print(
            "At a guarantor's first sign-in the browser asks for the code and makes a key that"
            " only it holds; use that browser for the guarantor's changes from then on.",
            soft_wrap=True,
        )
