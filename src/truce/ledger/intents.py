"""Signed intents: what an author who holds their own key signs, and the receipt they get back.

An intent is the canonical JSON of ``{action, subject, payload, actor, key_id, client_time,
nonce}``. Its ``action`` names the operation as the client sees it (``POST /api/v1/parties/{id}
/aliases``: the method and the path with every numeric segment written ``{id}``), ``subject``
the resource (the concrete path), and ``payload`` what was sent: the SHA-256 of the request body
for the API, the form's fields for a web form, the command's arguments for the CLI. So a client
can build it from its own request alone, and the server can rebuild it from the request it got.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from truce.ledger.canonical import NotCanonical, canonical_bytes
from truce.ledger.keys import Signer, signature_holds

INTENT_FIELDS = ("action", "subject", "payload", "actor", "key_id", "client_time", "nonce")
RECEIPT_FORMAT = "truce-receipt/1"
_NUMERIC_SEGMENT = re.compile(r"/\d+(?=/|$)")
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class BadIntent(ValueError):
    """An intent that is malformed, or does not match the request it came with."""


def operation(method: str, path: str) -> str:
    """The intent action of a request: ``POST /api/v1/parties/{id}/aliases``."""
    return f"{method.upper()} {_NUMERIC_SEGMENT.sub('/{id}', path)}"


def body_payload(body: bytes) -> dict[str, Any]:
    """The intent payload of an API request: the SHA-256 of its exact body."""
    return {"body_sha256": hashlib.sha256(body).hexdigest()}


def form_payload(fields: dict[str, list[str]]) -> dict[str, Any]:
    """The intent payload of a web form: every field (one value, or a list when repeated),
    line breaks written LF (a browser sends CRLF, but signs what the page holds)."""

    def lf(value: str) -> str:
        return value.replace("\r\n", "\n").replace("\r", "\n")

    return {
        "form": {
            name: lf(values[0]) if len(values) == 1 else [lf(value) for value in values]
            for name, values in fields.items()
        }
    }


def intent_bytes(intent: dict[str, Any]) -> bytes:
    """The bytes the author signs."""
    return canonical_bytes(intent)


def intent_hash(intent: dict[str, Any]) -> str:
    """The SHA-256 (hex) of an intent's bytes, as its receipt names it."""
    return hashlib.sha256(intent_bytes(intent)).hexdigest()


def b64url_decode(text: str) -> bytes:
    """Bytes from base64url text, padded or not; ValueError when malformed."""
    text = text.strip()
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError("not base64url") from exc


def b64url(data: bytes) -> str:
    """Unpadded base64url text."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def parse(data: Any) -> dict[str, Any]:
    """An intent object, its fields checked; BadIntent naming what is wrong."""
    if not isinstance(data, dict) or set(data) != set(INTENT_FIELDS):
        raise BadIntent(
            f"an intent is an object with exactly the fields {', '.join(INTENT_FIELDS)}"
        )
    texts = [name for name in INTENT_FIELDS if name != "payload"]
    wrong = [name for name in texts if not isinstance(data[name], str)]
    if wrong or not isinstance(data["payload"], dict):
        raise BadIntent(f"intent fields {', '.join(wrong) or 'payload'} have the wrong type")
    if not _NONCE.match(data["nonce"]):
        raise BadIntent("the intent's nonce must be 16-64 characters of A-Z, a-z, 0-9, '-', '_'")
    try:
        canonical_bytes(data)
    except NotCanonical as exc:
        raise BadIntent(f"the intent has no canonical form ({exc})") from exc
    return data


def client_time(intent: dict[str, Any]) -> datetime:
    """When the author says they signed; BadIntent when it is not RFC 3339 with an offset."""
    try:
        moment = datetime.fromisoformat(intent["client_time"].replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadIntent(
            "the intent's client_time must be RFC 3339, e.g. 2016-02-27T10:00:00Z"
        ) from exc
    if moment.utcoffset() is None:
        raise BadIntent("the intent's client_time needs a time zone (end it with Z)")
    return moment


def mismatch(intent: dict[str, Any], expected: dict[str, Any]) -> str | None:
    """The first field of ``expected`` the intent does not match, with both values."""
    for name, value in expected.items():
        if intent.get(name) != value:
            return f"the intent's {name} is {intent.get(name)!r}, but this request's is {value!r}"
    return None


def sign_intent(
    signer: Signer,
    *,
    action: str,
    subject: str,
    payload: dict[str, Any],
    at: datetime | None = None,
    nonce: str | None = None,
) -> tuple[dict[str, Any], str]:
    """An intent by ``signer``'s holder, and their base64 signature of it (what a client
    does before it sends a change)."""
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    intent = {
        "action": action,
        "subject": subject,
        "payload": payload,
        "actor": signer.holder,
        "key_id": signer.key_id,
        "client_time": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "nonce": nonce or secrets.token_urlsafe(24),
    }
    return intent, signer.sign(intent_bytes(intent))


def encode(intent: dict[str, Any]) -> str:
    """An intent as the Truce-Intent header carries it: base64url of its canonical bytes."""
    return b64url(intent_bytes(intent))


def author_signature_holds(public_key: bytes, intent: dict[str, Any], signature: str) -> bool:
    """Whether the author's signature of the intent holds under their public key."""
    try:
        return signature_holds(public_key, intent_bytes(intent), signature)
    except NotCanonical:
        return False


@dataclass(frozen=True)
class Receipt:
    """What the server sequenced an intent into, signed by the sequencing key."""

    intent_sha256: str
    entries: tuple[tuple[int, str], ...]  # seq, hash
    key_id: str
    sig: str

    def body(self) -> dict[str, Any]:
        return receipt_body(self.intent_sha256, self.entries, self.key_id)

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "sig": self.sig}


def receipt_body(
    intent_sha256: str, entries: tuple[tuple[int, str], ...], key_id: str
) -> dict[str, Any]:
    """The fields of a receipt that its signature covers."""
    return {
        "format": RECEIPT_FORMAT,
        "intent_sha256": intent_sha256,
        "entries": [{"seq": seq, "hash": hash_} for seq, hash_ in entries],
        "key_id": key_id,
    }


def receipt_holds(public_key: bytes, receipt: dict[str, Any]) -> bool:
    """Whether a receipt's signature holds under the sequencing key."""
    body = {name: value for name, value in receipt.items() if name != "sig"}
    try:
        return signature_holds(public_key, canonical_bytes(body), str(receipt.get("sig", "")))
    except NotCanonical:
        return False
