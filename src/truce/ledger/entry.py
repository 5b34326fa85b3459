"""One ledger entry: its canonical bytes, hash and signature."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from truce.ledger.canonical import canonical_bytes
from truce.ledger.keys import Signer, b64

FORMAT = "truce-ledger/1"
GENESIS_ACTION = "ledger.genesis"
KEY_REGISTERED = "key.registered"
KEY_REVOKED = "key.revoked"
ENTRY_FIELDS = ("seq", "at", "actor", "key_id", "action", "subject", "payload", "prev")


def rfc3339(moment: datetime) -> str:
    """A UTC time as RFC 3339 text with microseconds, the form entries carry."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Entry:
    """A sealed ledger entry."""

    seq: int
    at: str
    actor: str
    key_id: str
    action: str
    subject: str
    payload: dict[str, Any]
    prev: str | None
    hash: str
    sig: str

    def body(self) -> bytes:
        """The canonical bytes that the hash and signature cover."""
        return body_bytes(
            self.seq, self.at, self.actor, self.key_id, self.action, self.subject,
            self.payload, self.prev,
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """The entry as a JSON object, as exported."""
        return {name: getattr(self, name) for name in (*ENTRY_FIELDS, "hash", "sig")}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        """An entry from its exported JSON object; KeyError or TypeError when malformed."""
        values = {name: data[name] for name in (*ENTRY_FIELDS, "hash", "sig")}
        if not isinstance(values["seq"], int) or isinstance(values["seq"], bool):
            raise TypeError("seq must be an integer")
        if not isinstance(values["payload"], dict):
            raise TypeError("payload must be an object")
        texts = ["at", "actor", "key_id", "action", "subject", "hash", "sig"]
        if values["prev"] is not None:
            texts.append("prev")
        wrong = [name for name in texts if not isinstance(values[name], str)]
        if wrong:
            raise TypeError(f"{', '.join(wrong)} must be text")
        return cls(**values)


def body_bytes(
    seq: int,
    at: str,
    actor: str,
    key_id: str,
    action: str,
    subject: str,
    payload: dict[str, Any],
    prev: str | None,
) -> bytes:
    """Canonical bytes of an entry's fields."""
    return canonical_bytes(
        {
            "seq": seq,
            "at": at,
            "actor": actor,
            "key_id": key_id,
            "action": action,
            "subject": subject,
            "payload": payload,
            "prev": prev,
        }
    )


def digest(body: bytes) -> str:
    """The SHA-256 of an entry's body, in hex."""
    return hashlib.sha256(body).hexdigest()


def seal(
    signer: Signer,
    *,
    seq: int,
    at: str,
    action: str,
    subject: str,
    payload: dict[str, Any],
    prev: str | None,
) -> Entry:
    """A new entry, hashed and signed by ``signer``."""
    body = body_bytes(seq, at, signer.holder, signer.key_id, action, subject, payload, prev)
    return Entry(
        seq=seq,
        at=at,
        actor=signer.holder,
        key_id=signer.key_id,
        action=action,
        subject=subject,
        payload=payload,
        prev=prev,
        hash=digest(body),
        sig=signer.sign(body),
    )


def key_payload(signer: Signer, **extra: Any) -> dict[str, Any]:
    """The payload that registers ``signer``'s public key."""
    return {
        "key_id": signer.key_id,
        "public_key": b64(signer.public_key),
        "holder": signer.holder,
        **extra,
    }
