"""Setting up an installation: its system key and the genesis entry of its ledger."""

from __future__ import annotations

from truce.ledger.entry import FORMAT, key_payload
from truce.ledger.keys import Signer
from truce.store.uow import UnitOfWork


class WrongSecret(RuntimeError):
    """The configured secret differs from the one the installation was set up with."""


def initialise(uow: UnitOfWork, name: str) -> bool:
    """Create the system key and genesis entry once; True when this call created them."""
    if uow.keyring is None:
        raise RuntimeError("setting up needs a secret: set TRUCE_SECRET_KEY")
    existing = uow.instance()
    if existing is not None:
        if existing.secret_check != uow.keyring.secret_check:
            raise WrongSecret(
                "the secret key differs from the one this database was set up with; set"
                " TRUCE_SECRET_KEY (or TRUCE_SECRET_FILE) to the original"
            )
        return False
    signer = Signer.generate("system")
    uow.add_instance(name, signer)
    uow.ledger.start(signer, {"format": FORMAT, "instance": name, "keys": [key_payload(signer)]})
    uow.commit()
    return True
