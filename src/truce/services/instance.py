"""Setting up an installation: its system key and the genesis entry of its ledger."""

from __future__ import annotations

from truce.domain.installation import Installation
from truce.ledger.entry import FORMAT, key_payload
from truce.ledger.keys import Signer
from truce.store.uow import NoSecret, UnitOfWork

MISSING_SECRET = (
    "this installation's secret is missing: set TRUCE_SECRET_KEY or TRUCE_SECRET_FILE"
    " (for SQLite, the .secret file beside the database)"
)


class WrongSecret(RuntimeError):
    """The configured secret differs from the one the installation was set up with."""


def check_secret(uow: UnitOfWork) -> Installation | None:
    """The installation (None before set-up), once the configured secret is known to be the
    one it was set up with: the one check of the secret, for every command and server."""
    if uow.keyring is None:
        raise NoSecret(MISSING_SECRET)
    existing = uow.instance()
    if existing is not None and existing.secret_check != uow.keyring.secret_check:
        raise WrongSecret(
            "the secret key differs from the one this database was set up with; set"
            " TRUCE_SECRET_KEY (or TRUCE_SECRET_FILE) to the original"
        )
    return existing


def initialise(uow: UnitOfWork, name: str) -> bool:
    """Create the system key and genesis entry once; True when this call created them."""
    if check_secret(uow) is not None:
        return False
    assert uow.keyring is not None  # check_secret refuses a missing secret
    signer = Signer.generate("system")
    uow.add_instance(name, signer)
    uow.ledger.start(signer, {"format": FORMAT, "instance": name, "keys": [key_payload(signer)]})
    uow.commit()
    return True
