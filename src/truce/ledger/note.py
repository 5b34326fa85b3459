"""Checkpoints as C2SP signed notes (c2sp.org/signed-note, tlog-checkpoint, tlog-cosignature).

A checkpoint's body is three lines: the origin (the log's name), the tree size in decimal and
the root hash in base64. The server signs the body with its Ed25519 key (signature type 0x01);
a guarantor's witness cosigns it with a timestamped ``cosignature/v1`` (type 0x04) once it has
checked the tree only grew. Signature lines are ``— <key name> base64(key id ‖ signature)``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
DASH = "\u2014 "  # an em dash and a space start every signature line
MAX_NAME = 200


class NoteError(ValueError):
    """A note, key or signature that is malformed, with what is wrong."""


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: which log, how many entries, and the root hash."""

    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        """The note body, each line ending in a newline."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        """A checkpoint from its note body; NoteError when malformed."""
        lines = body.split("\n")
        if len(lines) < 4 or lines[-1] != "" or not lines[0]:
            raise NoteError("a checkpoint body is an origin, a size and a root hash line")
        size_text, root_text = lines[1], lines[2]
        if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
            raise NoteError(f"the tree size {size_text!r} is not a decimal number")
        root = _unb64(root_text, "root hash")
        if len(root) != 32:
            raise NoteError("the root hash must be 32 bytes")
        return cls(lines[0], int(size_text), root)


@dataclass(frozen=True)
class Signature:
    """One signature line of a note."""

    name: str
    key_id: bytes  # 4 bytes
    data: bytes  # what follows the key id: a signature, or a timestamp and a signature

    def line(self) -> str:
        return f"{DASH}{self.name} {base64.b64encode(self.key_id + self.data).decode()}\n"


@dataclass(frozen=True)
class Note:
    """A body and its signature lines."""

    body: str
    signatures: tuple[Signature, ...]

    def text(self) -> str:
        return self.body + "\n" + "".join(s.line() for s in self.signatures)

    @classmethod
    def parse(cls, text: str) -> Note:
        """A note from its text; NoteError when it is not a signed note."""
        body, sep, rest = text.rpartition("\n\n")
        if not sep or not rest.endswith("\n"):
            raise NoteError("a signed note is a body, a blank line and signature lines")
        signatures = []
        for line in rest[:-1].split("\n"):
            if not line.startswith(DASH):
                raise NoteError(f"not a signature line: {line[:40]!r}")
            name, space, encoded = line[len(DASH) :].partition(" ")
            raw = _unb64(encoded, "signature") if space else b""
            if not name or len(raw) < 5:
                raise NoteError(f"a malformed signature line: {line[:40]!r}")
            signatures.append(Signature(name, raw[:4], raw[4:]))
        return cls(body + "\n", tuple(signatures))

    def with_signature(self, signature: Signature) -> Note:
        return Note(self.body, (*self.signatures, signature))


@dataclass(frozen=True)
class VerifierKey:
    """A named Ed25519 public key, for note signatures (0x01) or cosignatures (0x04)."""

    name: str
    kind: int
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.kind, self.public_key)

    def encode(self) -> str:
        """The vkey text: ``name+hex key id+base64(type ‖ public key)``."""
        raw = bytes([self.kind]) + self.public_key
        return f"{self.name}+{self.key_id.hex()}+{base64.b64encode(raw).decode()}"

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """A key from vkey text; NoteError when malformed or its key id does not match."""
        # Names and key ids hold no '+'; the base64 key may.
        name, _, rest = text.strip().partition("+")
        id_hex, _, encoded = rest.partition("+")
        raw = _unb64(encoded, "key")
        if not name or len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
            raise NoteError("a key is NAME+KEYID+BASE64 with an Ed25519 key of type 1 or 4")
        key = cls(_name(name), raw[0], raw[1:])
        if key.key_id.hex() != id_hex.lower():
            raise NoteError(f"the key id {id_hex!r} does not match the key of {name!r}")
        return key

    def signature(self, note: Note) -> Signature | None:
        """This key's signature line in ``note``, if any."""
        for signature in note.signatures:
            if signature.name == self.name and signature.key_id == self.key_id:
                return signature
        return None


def key_id(name: str, kind: int, public_key: bytes) -> bytes:
    """SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4], per signed-note and tlog-cosignature."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public_key).digest()[:4]


def _name(name: str) -> str:
    if not name or len(name) > MAX_NAME or any(c.isspace() or c == "+" for c in name):
        raise NoteError("a key name is non-empty text without spaces or '+'")
    return name


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise NoteError(f"the {what} is not base64") from exc


def _holds(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        return False
    return True


# The server's note signature


def sign_note(body: str, name: str, seed: bytes) -> Note:
    """``body`` signed by the Ed25519 key with private ``seed``, as ``name``."""
    key = nacl.signing.SigningKey(seed)
    public = bytes(key.verify_key)
    signature = key.sign(body.encode()).signature
    return Note(body, (Signature(_name(name), key_id(name, ED25519, public), signature),))


def note_signature_holds(note: Note, key: VerifierKey) -> bool:
    """Whether ``note`` carries a valid signature by the (type 0x01) ``key``."""
    line = key.signature(note)
    return (
        key.kind == ED25519
        and line is not None
        and _holds(key.public_key, note.body.encode(), line.data)
    )


# Witnesses' cosignatures


def cosigned_message(body: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: its header and time lines, then the checkpoint body."""
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosign(body: str, name: str, seed: bytes, timestamp: int) -> Signature:
    """The cosignature/v1 line of witness ``name`` on the checkpoint ``body``."""
    if not 0 <= timestamp < 1 << 63:
        raise NoteError("a cosignature's timestamp is seconds since 1970, below 2**63")
    key = nacl.signing.SigningKey(seed)
    public = bytes(key.verify_key)
    signature = key.sign(cosigned_message(body, timestamp)).signature
    data = struct.pack(">Q", timestamp) + signature
    return Signature(_name(name), key_id(name, COSIGNATURE_V1, public), data)


def cosignature_time(signature: Signature) -> int:
    """The timestamp a cosignature carries."""
    if len(signature.data) != 8 + 64:
        raise NoteError("a cosignature is a timestamp and an Ed25519 signature")
    return int(struct.unpack(">Q", signature.data[:8])[0])


def cosignature_holds(body: str, signature: Signature, key: VerifierKey) -> bool:
    """Whether ``signature`` is a valid cosignature/v1 by ``key`` on the checkpoint ``body``."""
    if key.kind != COSIGNATURE_V1 or signature.name != key.name or signature.key_id != key.key_id:
        return False
    if len(signature.data) != 8 + 64:
        return False
    message = cosigned_message(body, cosignature_time(signature))
    return _holds(key.public_key, message, signature.data[8:])
