"""Private keys their owners hold: PKCS#8 PEM files, sealed with a passphrase when asked."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from truce.ledger.keys import Signer, b64, unb64


class KeyFileError(ValueError):
    """A key file that cannot be read as an Ed25519 private key (or the passphrase is wrong)."""


def new_key_file(path: Path, passphrase: bytes | None = None) -> bytes:
    """Write a new private key to ``path`` (created with mode 0600, never overwritten); its
    public key."""
    key = Ed25519PrivateKey.generate()
    sealing: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, sealing)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return key.public_key().public_bytes_raw()


def load_key_file(path: Path, holder: str, passphrase: bytes | None = None) -> Signer:
    """The signer in a key file."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=passphrase or None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(
            f"{path}: not an Ed25519 private key, or a wrong passphrase ({exc})"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path}: the key is not an Ed25519 key")
    return Signer(key.private_bytes_raw(), holder)


def parse_public_key(text: str) -> bytes:
    """A 32-byte Ed25519 public key from base64 text; ValueError naming the problem."""
    try:
        raw = unb64(text.strip())
    except ValueError as exc:
        raise ValueError(
            "a public key is 32 bytes in standard base64 (as `truce keys new` prints)"
        ) from exc
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key has 32 bytes, this one has {len(raw)}")
    return raw


def public_key_text(public_key: bytes) -> str:
    """A public key as `truce keys new` prints it and `--public-key` takes it."""
    return b64(public_key)
