"""The composition root: settings in, a wired application out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import OperationalError, ProgrammingError

from truce.config import Settings
from truce.services.instance import check_secret, initialise
from truce.services.throttle import SignInLimits
from truce.store import migrate
from truce.store.db import Database
from truce.store.keyring import Keyring
from truce.store.ledger_store import utc_now
from truce.store.uow import UnitOfWork


class NotMigrated(RuntimeError):
    """The database schema is older than this version of Truce."""


@dataclass
class Truce:
    """Everything a request, command or test needs."""

    settings: Settings
    db: Database
    keyring: Keyring | None
    secret: str | None
    sign_ins: SignInLimits

    def uow(self, *, write: bool = True, clock: Callable[[], datetime] = utc_now) -> UnitOfWork:
        """A new unit of work."""
        return UnitOfWork(self.db, self.keyring, write=write, clock=clock)

    def close(self) -> None:
        """Release database connections."""
        self.db.dispose()


def bootstrap(settings: Settings | None = None, *, create_secret: bool = False) -> Truce:
    """Wire Truce from settings; a secret file is created only when ``create_secret``."""
    settings = settings or Settings()
    db = Database(settings.database_url)
    secret = settings.read_secret(db.file, create=create_secret)
    keyring = Keyring(secret) if secret else None
    sign_ins = SignInLimits(
        settings.sign_in_limit_per_user,
        settings.sign_in_limit_per_address,
        settings.rate_limit_storage,
    )
    return Truce(settings=settings, db=db, keyring=keyring, secret=secret, sign_ins=sign_ins)


def set_up(truce: Truce) -> bool:
    """Migrate the schema and write the genesis entry if needed; True for a new ledger."""
    migrate.upgrade(truce.db)
    with truce.uow() as uow:
        return initialise(uow, truce.settings.instance_name)


def prepare(settings: Settings) -> Truce:
    """Truce with its schema migrated and its ledger begun (``truce db upgrade``, the demo, a
    scenario load); a new SQLite database gets a secret file beside it."""
    truce = bootstrap(settings)
    try:
        if truce.secret is None and not _is_set_up(truce):
            truce.close()
            truce = bootstrap(settings, create_secret=True)
        set_up(truce)
    except BaseException:
        truce.close()
        raise
    return truce


def _is_set_up(truce: Truce) -> bool:
    try:
        with truce.uow(write=False) as uow:
            return uow.instance() is not None
    except (OperationalError, ProgrammingError):
        return False


def require_set_up(truce: Truce) -> None:
    """Refuse to serve a database that is not set up, or with a secret other than its own."""
    require_current_schema(truce)
    with truce.uow(write=False) as uow:
        if check_secret(uow) is None:
            raise NotMigrated("the database is not set up: run `truce db upgrade`")


def require_current_schema(truce: Truce) -> None:
    """Refuse to run against a database that needs `truce db upgrade`."""
    if not migrate.is_current(truce.db):
        raise NotMigrated(f"the database at {truce.db.display_url()} needs `truce db upgrade`")
