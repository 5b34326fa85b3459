"""`truce serve`: the web app and the API on one port."""

from __future__ import annotations

import errno
import logging
import socket

from truce.bootstrap import Truce, require_set_up
from truce.cli.base import CannotListen, Db, Host, Port, console, friendly, opened
from truce.services import worker as background
from truce.services.checkpoints import CheckpointPolicy


@friendly
def serve(db: Db = None, host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Serve the web app and the API."""
    with opened(db, current=False) as truce:
        require_set_up(truce)  # the schema, the set-up and the secret
        run(truce, listen(host, port))


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
    settings = truce.settings
    policy = CheckpointPolicy(
        settings.checkpoint_every_entries,
        settings.checkpoint_every_seconds,
        settings.checkpoint_origin,
    )
    # checkpoints, overdue hotline messages, webhooks
    worker = background.Worker(truce.uow, checkpoints=policy)
    worker.start()
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        worker.stop()
