"""Ed25519 signing keys (libsodium through PyNaCl) and their ids."""

from __future__ import annotations

import base64
import hashlib

import nacl.exceptions
import nacl.signing


def public_key_id(public_key: bytes) -> str:
    """A short, stable id for a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def b64(data: bytes) -> str:
    """Standard base64 text."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    """Bytes from standard base64 text; ValueError when malformed."""
    return base64.b64decode(text.encode("ascii"), validate=True)


class Signer:
    """One holder's private signing key."""

    def __init__(self, seed: bytes, holder: str) -> None:
        self._key = nacl.signing.SigningKey(seed)
        self.holder = holder
        self.public_key = bytes(self._key.verify_key)
        self.key_id = public_key_id(self.public_key)

    @classmethod
    def generate(cls, holder: str) -> Signer:
        """A new random key for ``holder``."""
        return cls(bytes(nacl.signing.SigningKey.generate()), holder)

    @property
    def seed(self) -> bytes:
        """The 32-byte private seed; keep it secret."""
        return bytes(self._key)

    def sign(self, message: bytes) -> str:
        """The base64 signature of ``message``."""
        return b64(self._key.sign(message).signature)

    def __repr__(self) -> str:  # never show the seed
        return f"Signer(holder={self.holder!r}, key_id={self.key_id!r})"


def signature_holds(public_key: bytes, message: bytes, signature_b64: str) -> bool:
    """Whether ``signature_b64`` is a valid signature of ``message`` by ``public_key``."""
    try:
        nacl.signing.VerifyKey(public_key).verify(message, unb64(signature_b64))
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError, TypeError):
        return False
    return True
