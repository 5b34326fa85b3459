"""One ledger entry: its canonical bytes, hash and signature."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from truce.ledger.canonical import canonical_bytes, canonical_text, trusted_text
from truce.ledger.keys import Signer, b64, public_key_id

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
    # When the author holds their own key: the intent they signed and their signature of it;
    # ``key_id`` and ``sig`` are then the server's sequencing key and signature.
    intent: dict[str, Any] | None = None
    intent_sig: str | None = None
    # Decoded from JSON text in which every value has a canonical form (``loads_canonical``):
    # its canonical bytes need no walk of its values. Not part of what the entry is; a copy
    # with other values (dataclasses.replace) must set it False.
    canonical: bool = field(default=False, compare=False, repr=False)

    def body(self) -> bytes:
        """The canonical bytes that the hash and signature cover."""
        return body_bytes(
            self.seq, self.at, self.actor, self.key_id, self.action, self.subject,
            self.payload, self.prev, self.intent, self.intent_sig, checked=self.canonical,
        )  # fmt: skip

    def payload_text(self) -> str:
        """The payload's canonical text, as stored."""
        return trusted_text(self.payload) if self.canonical else canonical_text(self.payload)

    def intent_text(self) -> str | None:
        """The intent's canonical text, as stored (None without one)."""
        if self.intent is None:
            return None
        return trusted_text(self.intent) if self.canonical else canonical_text(self.intent)

    def to_json(self) -> dict[str, Any]:
        """The entry as a JSON object, as exported."""
        data = {name: getattr(self, name) for name in (*ENTRY_FIELDS, "hash", "sig")}
        if self.intent is not None:
            data["intent"], data["intent_sig"] = self.intent, self.intent_sig
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], *, canonical: bool = False) -> Entry:
        """An entry from its exported JSON object; KeyError or TypeError when malformed.
        ``canonical``: the object was decoded by ``loads_canonical``, which found every value
        in it to have a canonical form."""
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
        if "intent" in data:
            if not isinstance(data["intent"], dict) or not isinstance(data.get("intent_sig"), str):
                raise TypeError("intent must be an object with an intent_sig text")
            values["intent"], values["intent_sig"] = data["intent"], data["intent_sig"]
        return cls(**values, canonical=canonical)


def body_bytes(
    seq: int,
    at: str,
    actor: str,
    key_id: str,
    action: str,
    subject: str,
    payload: dict[str, Any],
    prev: str | None,
    intent: dict[str, Any] | None = None,
    intent_sig: str | None = None,
    *,
    checked: bool = False,
) -> bytes:
    """Canonical bytes of an entry's fields; the intent and its signature only when present,
    so that entries without one keep the bytes they always had. ``checked``: the values are
    known to have a canonical form (decoded by ``loads_canonical``), so are not walked."""
    fields: dict[str, Any] = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "key_id": key_id,
        "action": action,
        "subject": subject,
        "payload": payload,
        "prev": prev,
    }
    if intent is not None:
        fields["intent"], fields["intent_sig"] = intent, intent_sig
    return trusted_text(fields).encode("utf-8") if checked else canonical_bytes(fields)


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
    author: Authored | None = None,
) -> Entry:
    """A new entry, hashed and signed by ``signer``; with ``author``, the entry is the author's
    (their name, their signed intent) and ``signer`` only sequences it."""
    actor = author.actor if author else signer.holder
    intent = author.intent if author else None
    intent_sig = author.signature if author else None
    body = body_bytes(
        seq, at, actor, signer.key_id, action, subject, payload, prev, intent, intent_sig
    )
    return Entry(
        seq=seq,
        at=at,
        actor=actor,
        key_id=signer.key_id,
        action=action,
        subject=subject,
        payload=payload,
        prev=prev,
        hash=digest(body),
        sig=signer.sign(body),
        intent=intent,
        intent_sig=intent_sig,
    )


@dataclass(frozen=True)
class Authored:
    """An author's signed intent, which the entries of one request carry."""

    actor: str
    intent: dict[str, Any]
    signature: str


SERVER = "server"
HOLDER = "holder"
CUSTODIES = (SERVER, HOLDER)


def key_payload(signer: Signer, **extra: Any) -> dict[str, Any]:
    """The payload that registers ``signer``'s public key, held by the server."""
    return public_key_payload(signer.public_key, signer.holder, SERVER, **extra)


def public_key_payload(
    public_key: bytes, holder: str, custody: str, **extra: Any
) -> dict[str, Any]:
    """The payload that registers a public key: whose it is and who holds the private half."""
    return {
        "key_id": public_key_id(public_key),
        "public_key": b64(public_key),
        "holder": holder,
        "custody": custody,
        **extra,
    }
