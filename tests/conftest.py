"""Shared fixtures: a Truce wired to a fresh database, on SQLite and on PostgreSQL.

PostgreSQL comes from TRUCE_TEST_POSTGRES (default: the local server with trust auth). When it
cannot be reached the PostgreSQL half of the suite is skipped with a loud note, except under
CI=true, where that is a failure.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.helpers import World, build_world
from truce.bootstrap import Truce, bootstrap
from truce.config import Settings
from truce.services.instance import initialise
from truce.store import migrate
from truce.store.db import Database
from truce.store.tables import Base

PG_SERVER = os.environ.get(
    "TRUCE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() == "true"
_pg_problem: list[str] = []


def _pg_connect(dbname: str | None = None) -> psycopg.Connection:
    url = make_url(PG_SERVER)
    return psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=dbname or url.database,
        autocommit=True,
        connect_timeout=5,
    )


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    """A migrated PostgreSQL database with PostGIS for this test session, or None."""
    name = f"truce_test_{os.getpid()}"
    try:
        with _pg_connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL not reachable at {make_url(PG_SERVER).render_as_string()}: {exc}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true requires PostgreSQL)")
        _pg_problem.append(message)
        yield None
        return
    with _pg_connect(name) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    url = make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    yield url
    with _pg_connect() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file that each test copies (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(str(path))
    migrate.upgrade(db)
    db.dispose()
    return path


def _truncate(url: str) -> None:
    db = Database(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.writer_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """Which database the test runs on."""
    return str(request.param)


@pytest.fixture
def truce(
    backend: str, tmp_path: Path, sqlite_template: Path, request: pytest.FixtureRequest
) -> Iterator[Truce]:
    """Truce on a fresh, set-up database (genesis entry written), with a random secret."""
    if backend == "sqlite":
        target = tmp_path / "truce.db"
        shutil.copy(sqlite_template, target)
        url = f"sqlite:///{target}"
    else:
        pg_url = request.getfixturevalue("pg_database")
        if pg_url is None:
            pytest.skip(_pg_problem[0] if _pg_problem else "PostgreSQL unavailable")
        _truncate(pg_url)
        url = pg_url
    settings = Settings(database_url=url, secret_key=secrets.token_urlsafe(32))
    app = bootstrap(settings)
    with app.uow() as uow:
        initialise(uow, "test")
    yield app
    app.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly when the PostgreSQL half of the suite did not run."""
    for message in _pg_problem:
        terminalreporter.write_sep("!", "POSTGRESQL TESTS SKIPPED", red=True, bold=True)
        terminalreporter.write_line(message, red=True)
        terminalreporter.write_line("Start PostgreSQL (make test does) or set TRUCE_TEST_POSTGRES.")


@pytest.fixture
def world(truce: Truce) -> World:
    """A small agreement with parties and one user per role (see tests/helpers.py)."""
    return build_world(truce)
