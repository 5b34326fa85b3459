"""Private signing keys, sealed at rest with a key derived from the installation's secret."""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from truce.ledger.keys import Signer

_NONCE = 12


class SecretMismatch(RuntimeError):
    """The configured secret is not the one this database's keys were sealed with."""


class Keyring:
    """Seals and opens private keys; keeps opened keys in memory for this process."""

    def __init__(self, secret: str) -> None:
        material = secret.encode("utf-8")
        derived = HKDF(hashes.SHA256(), 32, salt=None, info=b"truce signing keys").derive(material)
        self._aead = AESGCM(derived)
        self._check = hmac.new(material, b"truce secret check", hashlib.sha256).hexdigest()
        self._open: dict[str, Signer] = {}

    @property
    def secret_check(self) -> str:
        """A value that shows whether two secrets are the same, without revealing either."""
        return self._check

    def seal(self, signer: Signer) -> bytes:
        """The signer's seed, encrypted and bound to its key id."""
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, signer.seed, signer.key_id.encode())

    def seal_text(self, text: str, label: str) -> bytes:
        """Another secret (a webhook's signing secret), encrypted and bound to ``label``."""
        nonce = os.urandom(_NONCE)
        return nonce + self._aead.encrypt(nonce, text.encode("utf-8"), label.encode())

    def open_text(self, sealed: bytes, label: str) -> str:
        """A secret sealed by ``seal_text`` under ``label``; SecretMismatch when it cannot be."""
        try:
            plain = self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], label.encode())
        except InvalidTag as exc:
            raise SecretMismatch(
                f"cannot open the secret of {label}: TRUCE_SECRET_KEY is not the secret it was"
                " sealed with"
            ) from exc
        return plain.decode("utf-8")

    def open(self, sealed: bytes, key_id: str, holder: str) -> Signer:
        """The signer behind a sealed seed; SecretMismatch when the secret is wrong."""
        signer = self._open.get(key_id)
        if signer is None:
            try:
                seed = self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], key_id.encode())
            except InvalidTag as exc:
                raise SecretMismatch(
                    "cannot open signing key: TRUCE_SECRET_KEY is not the secret this database"
                    " was set up with"
                ) from exc
            signer = self._open[key_id] = Signer(seed, holder)
        return signer
