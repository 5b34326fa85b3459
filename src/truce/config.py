"""One typed settings object, read from TRUCE_* environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from limits import parse
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE = "sqlite:///var/truce.db"


class Settings(BaseSettings):
    """Everything an operator can set. Each field is documented in docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="TRUCE_", extra="ignore")

    database_url: str = Field(
        DEFAULT_DATABASE,
        description="SQLAlchemy URL or SQLite file path. PostgreSQL: postgresql://user@host/db.",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Secret that seals signing keys and signs session cookies. Required for"
        " PostgreSQL; for SQLite a random one is created beside the database file.",
    )
    secret_file: Path | None = Field(
        None, description="File holding the secret key (read when TRUCE_SECRET_KEY is unset)."
    )
    instance_name: str = Field(
        "Truce", description="Name of this installation, in the genesis entry."
    )
    host: str = Field("127.0.0.1", description="Address `serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `serve` listens on.")
    cookie_secure: bool = Field(
        False, description="Send the session cookie only over HTTPS; set it behind TLS."
    )
    session_hours: int = Field(12, ge=1, le=24 * 30, description="Hours a web sign-in lasts.")
    intent_window_seconds: int = Field(
        300,
        ge=5,
        le=24 * 3600,
        description="How far a signed intent's client_time may be from the server's clock.",
    )
    sign_in_limit_per_user: str = Field(
        "5/minute",
        description="Failed sign-ins (web or API token) one user name may have in a moving"
        " window, e.g. 5/minute or 10/hour; then it is refused with 429 until the window moves.",
    )
    sign_in_limit_per_address: str = Field(
        "20/minute", description="Failed sign-ins one client address may have, as above."
    )
    rate_limit_storage: str = Field(
        "memory://",
        description="Where failed sign-ins are counted: this process's memory, or a store"
        " shared by several workers such as redis://host:6379 (needs the redis package).",
    )
    checkpoint_every_entries: int = Field(
        100, ge=1, description="Sign a ledger checkpoint once this many entries are new."
    )
    checkpoint_every_seconds: int = Field(
        60, ge=1, description="Sign a ledger checkpoint of new entries at least this often."
    )
    checkpoint_origin: str = Field(
        "",
        pattern=r"^[^\s+]*$",
        description="The checkpoints' origin line and key name; empty: truce/<system key id>.",
    )
    publish_daily: bool = Field(
        False,
        description="Publish the daily bulletin of each day once its cut-off has passed (on"
        " the agreement's clock), as the system actor, from `serve`'s background rounds.",
    )
    publish_daily_catch_up_days: int = Field(
        7,
        ge=1,
        le=366,
        description="How many days back (today included) a daily bulletin not yet published"
        " is still published, e.g. after the server was down.",
    )
    log_level: str = Field("info", description="Log level: debug, info, warning or error.")
    demo: bool = Field(False, description="Set by `truce demo` only: shows demo sign-ins.")
    read_only: bool = Field(
        False,
        description="Refuse every write (405) and run no background rounds: a witness"
        " mirror's copy (`truce mirror serve`), or a replica for readers.",
    )

    @field_validator("sign_in_limit_per_user", "sign_in_limit_per_address")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"give a rate such as 5/minute or 10/hour, not {value!r}") from exc
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _a_storage_uri(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError(
                f"give a storage URI such as memory:// or redis://host:6379, not {value!r}"
            )
        return value

    def secret_path(self, database_file: Path | None) -> Path | None:
        """Where the secret file is: as configured, else beside the SQLite database file."""
        if self.secret_file is not None:
            return self.secret_file
        return database_file.with_name(database_file.name + ".secret") if database_file else None

    def read_secret(self, database_file: Path | None, *, create: bool) -> str | None:
        """The secret: from the environment, else its file; created in the file if asked.

        ``database_file`` is the SQLite file the database is in (None for PostgreSQL), which
        the store knows and the settings do not."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.secret_path(database_file)
        if path is None:
            return None
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        if not create:
            return None
        return _write_secret(path)


def _write_secret(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value
