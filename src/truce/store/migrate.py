"""Alembic migrations, run from inside the package: ``truce db upgrade``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from truce.store.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema up to ``revision``."""
    config = _config(db)
    with db.writer_engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()


def current_revision(db: Database) -> str | None:
    """The schema revision the database is at, or None when it was never migrated."""
    with db.writer_engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(db: Database) -> str | None:
    """The newest revision this version of Truce knows."""
    return ScriptDirectory.from_config(_config(db)).get_current_head()


def is_current(db: Database) -> bool:
    """Whether the schema is at the newest revision."""
    return current_revision(db) == head_revision(db)
