"""Engines: SQLite in WAL mode with one writer connection, or PostgreSQL.

Writers take turns on both. SQLite's BEGIN IMMEDIATE takes the database's write lock before a
transaction reads anything; on PostgreSQL every writing transaction starts by locking the ledger
head row, which each write appends after anyway. So a service that reads state, checks it and
writes cannot race another writer, and writers cannot deadlock: the one lock they wait for is
the first they take. Reads take no lock on either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.pool import QueuePool

from truce.store.ledger_store import LOCK_HEAD

# How long a writer waits for its turn before giving up (the API then answers 503, retry).
BUSY_TIMEOUT_MS = 30_000


def normalise_url(db: str) -> str:
    """A database URL from a URL or a plain file path (taken as SQLite)."""
    if "://" in db:
        url = make_url(db)
        if url.drivername in ("postgresql", "postgres"):
            return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        return db
    return f"sqlite:///{Path(db).expanduser()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def _sqlite_engine(url: str, *, writer: bool, wait_ms: int) -> Engine:
    connect = {"check_same_thread": False, "timeout": wait_ms / 1000}
    options: dict[str, Any] = {"connect_args": connect}
    if writer:
        # One connection: every write in this process queues for it, as SQLite allows one writer.
        # Waiting for it may last as long as the one before took the database's lock.
        options.update(poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=wait_ms / 500)
    engine = create_engine(url, **options)
    begin = "BEGIN IMMEDIATE" if writer else "BEGIN"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if writer:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        else:
            cursor.execute("PRAGMA query_only = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front, so two writers never deadlock on upgrade.
        connection.exec_driver_sql(begin)

    return engine


def _taking_turns(wait_ms: int) -> Callable[[Session, SessionTransaction, Connection], None]:
    wait_at_most = text(f"SET LOCAL lock_timeout = {int(wait_ms)}")

    def take_turn(
        _session: Session, _transaction: SessionTransaction, connection: Connection
    ) -> None:
        """Start a PostgreSQL write transaction by waiting for the other writers to finish."""
        connection.execute(wait_at_most)
        connection.execute(LOCK_HEAD)

    return take_turn


class Database:
    """The engines and session factories for one database; a writer waits ``wait_ms`` at most
    for its turn, then fails (SQLAlchemy's TimeoutError or OperationalError)."""

    def __init__(self, url: str, *, wait_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.url = normalise_url(url)
        path = sqlite_path(self.url)
        self.file = path  # the SQLite database file; None for PostgreSQL or memory
        self.is_sqlite = path is not None or self.url.startswith("sqlite")
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.writer_engine = _sqlite_engine(self.url, writer=True, wait_ms=wait_ms)
            self.reader_engine = _sqlite_engine(self.url, writer=False, wait_ms=wait_ms)
        else:
            self.writer_engine = create_engine(self.url, pool_pre_ping=True)
            self.reader_engine = self.writer_engine
        self.writer = sessionmaker(self.writer_engine, expire_on_commit=False)
        self.reader = sessionmaker(self.reader_engine, expire_on_commit=False)
        if not self.is_sqlite:
            event.listen(self.writer, "after_begin", _taking_turns(wait_ms))

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.writer_engine.dialect.name

    def display_url(self) -> str:
        """The URL with any password hidden, safe to print or log."""
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A read-only connection that sees one moment of the database in all it reads."""
        with self.reader_engine.connect() as connection:
            if not self.is_sqlite:  # SQLite's read transaction already keeps one snapshot
                connection.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
            yield connection

    def read_session(self) -> Session:
        """A session for reading only."""
        return self.reader()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.writer_engine.dispose()
        if self.reader_engine is not self.writer_engine:
            self.reader_engine.dispose()
