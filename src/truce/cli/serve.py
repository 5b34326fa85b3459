"""`truce serve`: the web app and the API on one port."""

from __future__ import annotations

import errno
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from truce.bootstrap import Truce, require_set_up
from truce.cli.base import CannotListen, Db, Host, Port, console, friendly, opened
from truce.services import worker as background
from truce.services.checkpoints import CheckpointPolicy
from truce.services.sitreps import DailySchedule

MAX_WORKERS = 64
Workers = Annotated[
    int,
    typer.Option(
        min=1,
        max=MAX_WORKERS,
        help="Server processes sharing the port; more than 1 needs PostgreSQL.",
    ),
]

ReadOnly = Annotated[
    bool,
    typer.Option(
        "--read-only",
        envvar="TRUCE_READ_ONLY",
        help="Refuse every write (405) and run no background rounds.",
    ),
]


@friendly
def serve(
    db: Db = None,
    host: Host = "127.0.0.1",
    port: Port = 8000,
    workers: Workers = 1,
    read_only: ReadOnly = False,
) -> None:
    """Serve the web app and the API."""
    with opened(db, current=False, read_only=read_only) as truce:
        require_set_up(truce)  # the schema, the set-up and the secret
        if workers > 1 and truce.db.is_sqlite:  # one writer: the others would only queue
            raise typer.BadParameter(
                "SQLite takes one writer at a time: serve it with --workers 1, or move to"
                " PostgreSQL (docs/configuration.md)",
                param_hint="--workers",
            )
        sock = listen(host, port)
        if workers == 1:
            run(truce, sock)
        else:
            run_workers(truce, sock, workers)


def listen(host: str, port: int) -> socket.socket:
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


def run(truce: Truce, sock: socket.socket) -> None:
    """Serve ``truce`` on ``sock`` until stopped."""
    import uvicorn

    from truce.web.app import create_app

    _announce(truce, sock, 1)
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(
        create_app(truce), host=host, port=port, log_level=truce.settings.log_level, workers=1
    )
    with _background_rounds(truce):  # overdue hotline messages, webhooks
        uvicorn.Server(config).run(sockets=[sock])


def run_workers(truce: Truce, sock: socket.socket, workers: int) -> None:
    """Serve ``truce`` from ``workers`` processes sharing ``sock``, until stopped.

    Each process opens its own connections from the settings, which the children read from the
    environment (the database URL is put there; PostgreSQL's secret is already there, as
    TRUCE_SECRET_KEY or TRUCE_SECRET_FILE). Writers of all processes take turns at the ledger head's
    row lock, so the chain cannot fork. The background rounds run once, in this supervising
    process, so no lapse is reported twice and no webhook sent twice by two workers."""
    from uvicorn import Config
    from uvicorn.supervisors import Multiprocess

    os.environ["TRUCE_DATABASE_URL"] = truce.settings.database_url
    os.environ["TRUCE_READ_ONLY"] = "true" if truce.settings.read_only else "false"
    _announce(truce, sock, workers)
    host, port = sock.getsockname()[:2]
    config = Config(
        "truce.web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=truce.settings.log_level,
    )
    with _background_rounds(truce):
        Multiprocess(config, sockets=[sock]).run()


def _announce(truce: Truce, sock: socket.socket, workers: int) -> None:
    logging.basicConfig(
        level=truce.settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    host, port = sock.getsockname()[:2]
    where = f"[{host}]" if ":" in host else host
    console.print(
        f"Truce on [bold]http://{where}:{port}/[/bold] — API http://{where}:{port}/api/v1/docs"
    )
    processes = f", {workers} server processes" if workers > 1 else ""
    console.print(f"database {truce.db.display_url()}{processes}")


@contextmanager
def _background_rounds(truce: Truce) -> Iterator[None]:
    """The worker's rounds beside the server, unless it is read-only (the rounds write)."""
    if truce.settings.read_only:
        yield
        return
    settings = truce.settings
    policy = CheckpointPolicy(
        settings.checkpoint_every_entries,
        settings.checkpoint_every_seconds,
        settings.checkpoint_origin,
    )
    daily = DailySchedule(settings.publish_daily_catch_up_days) if settings.publish_daily else None
    # checkpoints, the daily bulletin, overdue hotline messages, webhooks
    worker = background.Worker(truce.uow, checkpoints=policy, daily=daily)
    worker.start()
    try:
        yield
    finally:
        worker.stop()
