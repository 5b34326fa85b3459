"""Verifying a ledger: the chain, the hashes, the keys and the signatures, in order.

The structural checks run in this process; signature checks, which dominate the cost, are
spread over worker processes so that verification runs at the speed of Ed25519 itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing import get_context
from typing import Any

from truce.ledger.canonical import NotCanonical
from truce.ledger.entry import (
    GENESIS_ACTION,
    HOLDER,
    KEY_REGISTERED,
    KEY_REVOKED,
    SERVER,
    Entry,
    digest,
)
from truce.ledger.intents import intent_bytes
from truce.ledger.keys import b64, signature_holds, unb64

SEQUENCER = "system"  # the holder of the installation's key, which sequences authors' intents

# Batches this small are checked in-process: a pool costs more than it saves.
_SMALL = 2048
_BATCH = 4096

SignatureJob = tuple[int, bytes, bytes, str]  # seq, public key, body, signature


@dataclass(frozen=True)
class Failure:
    """The first entry that fails, and why."""

    seq: int
    reason: str


@dataclass(frozen=True)
class KnownHead:
    """A (seq, hash) pair someone kept: the ledger must extend it."""

    seq: int
    hash: str

    @classmethod
    def parse(cls, text: str) -> KnownHead:
        """A head from ``SEQ:HASH`` text; ValueError when malformed."""
        seq_text, _, hash_text = text.partition(":")
        if not seq_text.isdigit() or len(hash_text) != 64:
            raise ValueError(f"expected SEQ:SHA256HEX, got {text!r}")
        return cls(int(seq_text), hash_text.lower())


@dataclass(frozen=True)
class RecordedHead:
    """Where the ledger says it ends: a database's head row, or an export's header."""

    seq: int
    hash: str | None
    where: str  # how the reasons name it: "the head row", "the header"


@dataclass(frozen=True)
class Report:
    """What verification found."""

    checked: int
    head_seq: int
    head_hash: str | None
    genesis_hash: str | None
    failure: Failure | None = None
    # Entries whose only signature is a key the server holds (no intent signed by the author).
    server_custody: int = 0
    authored: int = 0  # entries carrying an intent their author signed with their own key
    # Where the walk ended, to verify the entries after it later (None when it failed), and
    # the intent nonces the entries walked carried (nonce -> the last seq carrying it).
    state: ChainState | None = None
    nonces: dict[str, int] = field(default_factory=dict)
    signatures: int = 0  # signatures checked (server's and authors'), the ones not skipped

    @property
    def ok(self) -> bool:
        """Whether every check held."""
        return self.failure is None


@dataclass
class _Key:
    public_key: bytes
    holder: str
    custody: str = SERVER
    revoked_at_seq: int | None = None


@dataclass
class _Chain:
    """What the walk has seen so far."""

    keys: dict[str, _Key] = field(default_factory=dict)
    last_seq: int = 0
    last_hash: str | None = None
    genesis_hash: str | None = None
    remembered: dict[int, str] = field(default_factory=dict)
    holders: set[str] = field(default_factory=set)  # users who hold their own key
    nonces: dict[str, int] = field(default_factory=dict)  # intent nonce -> last seq carrying it
    last_nonce: str | None = None  # the nonce of the newest entry that carries an intent
    server_custody: int = 0
    authored: int = 0


@dataclass(frozen=True)
class ChainState:
    """Where a verified walk ended: the head, the genesis hash, every key registered (with
    its holder, custody and revocation) and the newest intent's nonce. With it, the entries
    after the head verify as if the whole chain had been walked again (``verify(resume=)``),
    given the nonces used before them (``nonces_held``): a mirror's later sync costs what
    its new entries cost, not what it holds."""

    seq: int
    hash: str | None
    genesis_hash: str | None
    keys: dict[str, tuple[bytes, str, str, int | None]]  # id -> key, holder, custody, revoked
    last_nonce: str | None = None
    last_nonce_seq: int | None = None  # the last entry that carried ``last_nonce``

    def to_json(self) -> dict[str, Any]:
        """The state as a JSON object."""
        return {
            "seq": self.seq, "hash": self.hash, "genesis_hash": self.genesis_hash,
            "keys": {key_id: [b64(public), holder, custody, revoked]
                     for key_id, (public, holder, custody, revoked) in self.keys.items()},
            "last_nonce": self.last_nonce, "last_nonce_seq": self.last_nonce_seq,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChainState:
        """The state from ``to_json``'s object; KeyError, TypeError or ValueError when not."""
        keys = {str(key_id): (unb64(public), str(holder), str(custody),
                              None if revoked is None else int(revoked))
                for key_id, (public, holder, custody, revoked) in data["keys"].items()}  # fmt: skip
        last_seq = data["last_nonce_seq"]
        return cls(int(data["seq"]), data["hash"], data["genesis_hash"], keys,
                   data["last_nonce"], None if last_seq is None else int(last_seq))  # fmt: skip

    def chain(self) -> _Chain:
        keys = {key_id: _Key(public, holder, custody, revoked)
                for key_id, (public, holder, custody, revoked) in self.keys.items()}  # fmt: skip
        holders = {key.holder for key in keys.values() if key.custody == HOLDER}
        nonces = {} if self.last_nonce is None else {self.last_nonce: self.last_nonce_seq or 0}
        return _Chain(keys=keys, last_seq=self.seq, last_hash=self.hash,
                      genesis_hash=self.genesis_hash, holders=holders, nonces=nonces,
                      last_nonce=self.last_nonce)  # fmt: skip

    @classmethod
    def of(cls, chain: _Chain) -> ChainState:
        keys = {key_id: (key.public_key, key.holder, key.custody, key.revoked_at_seq)
                for key_id, key in chain.keys.items()}  # fmt: skip
        last = chain.nonces.get(chain.last_nonce) if chain.last_nonce is not None else None
        return cls(chain.last_seq, chain.last_hash, chain.genesis_hash, keys, chain.last_nonce,
                   last)  # fmt: skip


# Which of these nonces entries before the resumed head carried, with the last seq of each.
NoncesHeld = Callable[[Sequence[str]], dict[str, int]]


def _check_link(entry: Entry, chain: _Chain) -> str | None:
    expected = chain.last_seq + 1
    if entry.seq != expected:
        return (
            f"expected entry {expected} here but found entry {entry.seq}:"
            " entries are missing or out of order"
        )
    if entry.seq == 1:
        if entry.prev is not None or entry.action != GENESIS_ACTION:
            return "the first entry must be the genesis entry, with no previous hash"
    elif entry.prev != chain.last_hash:
        return f"its previous hash does not match entry {entry.seq - 1}: the chain is broken here"
    return None


def _usable_key(entry: Entry, chain: _Chain, key_id: str) -> tuple[str | None, _Key | None]:
    key = chain.keys.get(key_id)
    if key is None:
        return f"it is signed with key {key_id}, which was never registered", None
    if key.revoked_at_seq is not None and entry.seq > key.revoked_at_seq:
        return f"it is signed with key {key_id}, revoked at entry {key.revoked_at_seq}", None
    return None, key


def _check_key(entry: Entry, chain: _Chain) -> tuple[str | None, bytes | None]:
    reason, key = _usable_key(entry, chain, entry.key_id)
    if key is None:
        return reason, None
    if entry.intent is not None:
        if key.holder != SEQUENCER:
            return (
                f"it carries an intent but is signed with key {entry.key_id} of {key.holder!r},"
                " not with the installation's sequencing key"
            ), None
        return None, key.public_key
    if key.holder != entry.actor:
        return f"key {entry.key_id} belongs to {key.holder!r}, not to {entry.actor!r}", None
    if entry.actor in chain.holders:
        return (
            f"{entry.actor!r} holds their own key, but this entry carries no intent signed by"
            " them: it rests on a key the server holds"
        ), None
    return None, key.public_key


def _check_intent(entry: Entry, chain: _Chain) -> tuple[str | None, SignatureJob | None]:
    """Check the author's intent an entry carries; the author-signature job it needs."""
    intent = entry.intent
    if intent is None:
        chain.server_custody += 1
        if entry.actor != SEQUENCER:
            chain.last_nonce = None  # a user's own entry ends the run of the last intent
        return None, None
    if not isinstance(intent.get("key_id"), str) or intent.get("actor") != entry.actor:
        return (
            f"its intent is by {intent.get('actor')!r}, but the entry is by {entry.actor!r}",
            None,
        )
    reason, key = _usable_key(entry, chain, intent["key_id"])
    if key is None:
        return f"its intent: {reason}", None
    if key.holder != entry.actor or key.custody != HOLDER:
        return (
            f"its intent is signed with key {intent['key_id']}, which is not a key"
            f" {entry.actor!r} holds"
        ), None
    nonce = str(intent.get("nonce"))
    last = chain.nonces.get(nonce)
    # The entries of one change share its intent; the system's own entries may come between
    # them, no user's entry may.
    if last is not None and nonce != chain.last_nonce:
        return f"its intent (nonce {nonce}) was already used at entry {last}: a replay", None
    chain.nonces[nonce] = entry.seq
    chain.last_nonce = nonce
    chain.authored += 1
    # A negative seq marks the author's signature, so a failure can say which one failed.
    return None, (-entry.seq, key.public_key, intent_bytes(intent), entry.intent_sig or "")


def _register(entry: Entry, chain: _Chain) -> str | None:
    """Apply key changes the entry makes; a reason when they are malformed."""
    try:
        if entry.action == GENESIS_ACTION:
            for key in entry.payload["keys"]:
                _add_key(chain, key)
        elif entry.action == KEY_REGISTERED:
            _add_key(chain, entry.payload, entry)
        elif entry.action == KEY_REVOKED:
            chain.keys[entry.payload["key_id"]].revoked_at_seq = entry.seq
    except (KeyError, TypeError, ValueError) as exc:
        return f"its key payload is malformed ({exc})"
    return None


def _add_key(chain: _Chain, payload: dict[str, str], entry: Entry | None = None) -> None:
    if payload["key_id"] in chain.keys:
        raise ValueError(f"key {payload['key_id']} is registered twice")
    holder, custody = payload["holder"], payload.get("custody", SERVER)
    if custody not in (SERVER, HOLDER):
        raise ValueError(f"custody must be {SERVER!r} or {HOLDER!r}")
    if holder in chain.holders and (entry is None or entry.intent is None or entry.actor != holder):
        # Otherwise whoever runs the server could give a key-holding user a key of its own.
        raise ValueError(f"{holder!r} holds their own key: only they can register another")
    chain.keys[payload["key_id"]] = _Key(unb64(payload["public_key"]), holder, custody)
    if custody == HOLDER:
        chain.holders.add(holder)


def _walk(
    entry: Entry, chain: _Chain, genesis_hash: str | None, remember: set[int]
) -> tuple[str | None, list[SignatureJob] | None]:
    """Check one entry's place in the chain; the signature job it needs, or why it fails."""
    reason = _check_link(entry, chain)
    if reason:
        return reason, None
    try:
        body = entry.body()
    except NotCanonical as exc:  # a float or a huge integer in a tampered payload
        return f"its contents have no canonical form ({exc})", None
    if digest(body) != entry.hash:
        return "its hash does not match its contents: the entry was altered", None
    if entry.seq == 1:
        if genesis_hash is not None and entry.hash != genesis_hash:
            return "the genesis hash differs from the one you hold: this is another ledger", None
        chain.genesis_hash = entry.hash
        reason = _register(entry, chain)
    key_reason, public_key = _check_key(entry, chain)
    reason = reason or key_reason
    author_job = None
    if reason is None:
        reason, author_job = _check_intent(entry, chain)
    if reason is None and entry.seq != 1:
        reason = _register(entry, chain)
    if reason:
        return reason, None
    chain.last_seq, chain.last_hash = entry.seq, entry.hash
    if entry.seq in remember:
        chain.remembered[entry.seq] = entry.hash
    assert public_key is not None
    jobs = [(entry.seq, public_key, body, entry.sig)]
    if author_job:
        jobs.append(author_job)
    return None, jobs


def _bad_signatures(jobs: Sequence[SignatureJob]) -> list[int]:
    return [
        seq for seq, public_key, body, sig in jobs if not signature_holds(public_key, body, sig)
    ]


class _Signatures:
    """Signature checks, in this process for small ledgers, in a pool for large ones."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.pending: list[Future[list[int]]] = []
        self.bad: list[int] = []

    def submit(self, jobs: list[SignatureJob]) -> None:
        if not jobs:
            return
        if self.workers <= 1 or (self.pool is None and len(jobs) < _SMALL):
            self.bad.extend(_bad_signatures(jobs))
            return
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.workers, mp_context=get_context("fork"))
        step = max(1, len(jobs) // self.workers)
        for start in range(0, len(jobs), step):
            self.pending.append(self.pool.submit(_bad_signatures, jobs[start : start + step]))
        self._drain(keep=self.workers * 4)

    def _drain(self, keep: int) -> None:
        while len(self.pending) > keep:
            self.bad.extend(self.pending.pop(0).result())

    def abandon(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def first_bad(self) -> int | None:
        self._drain(keep=0)
        if self.pool is not None:
            self.pool.shutdown()
        return min(self.bad, key=lambda seq: (abs(seq), seq)) if self.bad else None


def _batches(entries: Iterable[Entry], size: int) -> Iterator[list[Entry]]:
    iterator = iter(entries)
    while batch := list(islice(iterator, size)):
        yield batch


def verify(
    entries: Iterable[Entry],
    *,
    genesis_hash: str | None = None,
    known_heads: Sequence[KnownHead] = (),
    recorded_head: RecordedHead | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    signatures_checked_through: int = 0,
    resume: ChainState | None = None,
    nonces_held: NoncesHeld | None = None,
) -> Report:
    """Check every entry in order and name the first that fails; the entries must end where
    ``recorded_head`` says they do.

    ``signatures_checked_through``: the entries up to that seq had their signatures checked by
    an earlier run of this caller (a mirror, on entries it stored after verifying them); they
    are walked for the chain, hashes and keys again, but their signatures are not re-checked.

    ``resume``: the entries up to ``resume.seq`` were verified by an earlier run, which ended
    in that state; ``entries`` are the ones after it, and ``nonces_held`` tells which of their
    intents' nonces the entries before carried (without it, none did)."""
    chain = _Chain() if resume is None else resume.chain()
    signatures = _Signatures(workers or os.cpu_count() or 1)
    remember = {head.seq for head in known_heads}
    failure: Failure | None = None
    checked = 0
    try:
        for batch in _batches(entries, _BATCH):
            if nonces_held is not None:
                _look_up_nonces(batch, chain, nonces_held)
            jobs: list[SignatureJob] = []
            walked = 0
            for entry in batch:
                reason, job = _walk(entry, chain, genesis_hash, remember)
                if reason:
                    failure = Failure(chain.last_seq + 1, f"entry {chain.last_seq + 1}: {reason}")
                    break
                assert job is not None
                if entry.seq > signatures_checked_through:
                    jobs.extend(job)
                walked += 1
            signatures.submit(jobs)
            checked += len(jobs)
            if progress:
                progress(walked)
            if failure:
                break
    except BaseException:
        # The entries may come from a network (a mirror fetching pages): do not leave the
        # pool's processes behind when reading them fails.
        signatures.abandon()
        raise
    bad_seq = signatures.first_bad()
    if bad_seq is not None:
        failure = (
            Failure(-bad_seq, f"entry {-bad_seq}: its author's signature of its intent does not"
                    " hold for the key the author registered")
            if bad_seq < 0
            else Failure(bad_seq, f"entry {bad_seq}: its signature does not hold for its key")
        )  # fmt: skip
    elif failure is None:
        failure = _check_heads(chain, known_heads) or _check_end(chain, recorded_head)
    if failure is None and chain.last_seq == 0:
        failure = Failure(1, "entry 1: missing — the ledger is empty, there is no genesis entry")
    # The head reported is the last entry that verified, never one past a bad entry.
    trusted = chain.last_seq if failure is None else failure.seq - 1
    return Report(
        checked=trusted,
        head_seq=trusted,
        head_hash=chain.last_hash if trusted == chain.last_seq else None,
        genesis_hash=chain.genesis_hash,
        failure=failure,
        server_custody=chain.server_custody,
        authored=chain.authored,
        state=ChainState.of(chain) if failure is None else None,
        nonces=chain.nonces,
        signatures=checked,
    )


def _look_up_nonces(batch: Sequence[Entry], chain: _Chain, nonces_held: NoncesHeld) -> None:
    """Add to the walk's nonces those of ``batch``'s intents that entries held before carried
    (the walk resumed after them, so it has not seen them)."""
    wanted = {str(entry.intent.get("nonce")) for entry in batch if entry.intent is not None}
    unseen = sorted(wanted - chain.nonces.keys())
    if unseen:
        for nonce, seq in nonces_held(unseen).items():
            chain.nonces.setdefault(nonce, seq)


def _check_heads(chain: _Chain, known_heads: Sequence[KnownHead]) -> Failure | None:
    for head in sorted(known_heads, key=lambda h: h.seq):
        if head.seq > chain.last_seq:
            return _cut_off(chain, f"a known head is entry {head.seq}")
        if chain.remembered.get(head.seq) != head.hash:
            return Failure(
                head.seq,
                f"entry {head.seq}: its hash differs from the known head: the history was"
                " rewritten or forked",
            )
    return None


def _cut_off(chain: _Chain, later_head: str) -> Failure:
    missing = chain.last_seq + 1
    return Failure(
        missing,
        f"entry {missing}: missing — the ledger ends at entry {chain.last_seq}, but"
        f" {later_head}: the newest entries were cut off",
    )


def _check_end(chain: _Chain, head: RecordedHead | None) -> Failure | None:
    """A reason when the chain does not end exactly at the recorded head."""
    if head is None:
        return None
    named = f"names entry {head.seq}" if head.seq else "names no entry"
    if head.seq > chain.last_seq:
        return _cut_off(chain, f"{head.where} {named}")
    if head.seq < chain.last_seq:
        extra = head.seq + 1
        return Failure(
            extra,
            f"entry {extra}: beyond the head — {head.where} {named}, but the ledger goes on to"
            f" entry {chain.last_seq}: the head was moved back, or entries were added around it",
        )
    if head.hash != chain.last_hash:
        return Failure(
            head.seq,
            f"entry {head.seq}: its hash differs from {head.where}'s: the entry or the head"
            " was rewritten",
        )
    return None
