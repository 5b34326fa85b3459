"""The unit of work: one transaction, its repositories, and the ledger entries it writes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

from sqlalchemy import select

from truce.domain.errors import Forbidden
from truce.domain.i18n import N_
from truce.domain.installation import Installation
from truce.domain.permissions import Actor
from truce.ledger import intents
from truce.ledger.canonical import canonical_bytes
from truce.ledger.entry import HOLDER, Authored, Entry
from truce.ledger.keys import Signer
from truce.store import counts as count_repos
from truce.store import incidents as incident_repos
from truce.store import news, postgis, replay
from truce.store import repositories as repos
from truce.store.checkpoints import Checkpoints
from truce.store.clocks import Clocks
from truce.store.db import Database
from truce.store.findings import Findings
from truce.store.hotline import Hotline
from truce.store.keyring import Keyring
from truce.store.ledger_store import Change, LedgerStore, utc_now
from truce.store.reports import Imports, Reports
from truce.store.sitreps import Sitreps
from truce.store.tables import Instance, IntentNonceRow, UserRow
from truce.store.webhooks import Webhooks

log = logging.getLogger("truce.ledger")


class NoSecret(RuntimeError):
    """A write was attempted without the secret that opens signing keys."""


@dataclass(frozen=True)
class OfferedIntent:
    """An author's signed intent, already matched against the request it came with."""

    intent: dict[str, Any]
    signature: str
    window: timedelta


# Set by the entrypoint that received the request (API, web form, CLI) for the units of work
# of that request: the entries they write carry it. A callable makes a fresh intent for each
# writing unit (the command line, which holds the author's key and may commit in batches).
PENDING_INTENT: ContextVar[OfferedIntent | Callable[[], OfferedIntent] | None] = ContextVar(
    "pending_intent", default=None
)


class UnitOfWork:
    """A transaction that rolls back unless committed; notifications run only after commit."""

    def __init__(
        self,
        db: Database,
        keyring: Keyring | None,
        *,
        write: bool = True,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.write = write
        self.clock = clock
        self._after_commit: list[Callable[[], None]] = []
        self._batch_depth = 0
        pending = PENDING_INTENT.get() if write else None
        self.intent: OfferedIntent | None = pending() if callable(pending) else pending
        self._intent_accepted = False
        self.sequenced: list[Entry] = []  # entries written under the intent, for the receipt
        self.last_receipt: intents.Receipt | None = None

    def __enter__(self) -> Self:
        self.session = (self.db.writer if self.write else self.db.reader)()
        session = self.session
        self.states = repos.States(session)
        self.agreements = repos.Agreements(session)
        self.parties = repos.Parties(session)
        self.designations = repos.Designations(session)
        self.commitments = repos.Commitments(session)
        self.proposals = repos.Proposals(session)
        self.status_changes = repos.StatusChanges(session)
        self.users = repos.Users(session)
        self.tokens = repos.Tokens(session)
        self.sessions = repos.Sessions(session)
        self.areas = repos.Areas(session)
        self.articles = news.Articles(session)
        self.statements = news.Statements(session)
        self.postgis = postgis.PostGIS(session)  # PostgreSQL only
        self.reports = Reports(session)  # every channel's, the news pipeline's among them
        self.imports = Imports(session)
        self.incidents = incident_repos.Incidents(session)
        self.incident_reports = incident_repos.IncidentReports(session)
        self.counts = count_repos.Counts(session)  # reports per source, incidents per day
        self.allegations = incident_repos.Allegations(session)
        self.tombstones = incident_repos.Tombstones(session)
        self.webhooks = Webhooks(session, self.keyring)
        self.hotline = Hotline(session)
        self.clocks = Clocks(session)
        self.findings = Findings(session)
        self.assessments = incident_repos.Assessments(session)
        self.sitreps = Sitreps(session)  # what situation reports read, and those published
        self.ledger = LedgerStore(session)
        self.checkpoints = Checkpoints(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back what was not committed without expiring loaded objects, so
        # results stay readable after the unit ends.
        self.session.close()

    def now(self) -> datetime:
        """The time the actions in this unit happen at (UTC)."""
        return self.clock()

    def images(self, name: str, keys: Iterable[Any]) -> list[dict[str, Any]]:
        """The rows of table ``name`` with primary keys ``keys``, as this transaction holds them,
        as the row images an entry carries for replay (store/replay.py)."""
        self.session.flush()
        return replay.images(self.session, name, keys)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Make the services called inside one transaction: all of them land, or none."""
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
        self.commit()

    def commit(self) -> None:
        """Commit, then run what waits for the commit; inside a batch, only flush."""
        if self._batch_depth:
            self.session.flush()
            return
        self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed, never if it rolls back."""
        self._after_commit.append(callback)

    def instance(self) -> Installation | None:
        """This installation, once set up."""
        row = self._instance_row()
        if row is None:
            return None
        return Installation(row.name, row.key_id, row.secret_check, row.created_at)

    def _instance_row(self) -> Instance | None:
        return self.session.scalar(select(Instance).where(Instance.id == 1))

    def add_instance(self, name: str, signer: Signer) -> None:
        """Set this installation up: its name and system key, sealed with the secret."""
        if self.keyring is None:
            raise NoSecret("setting up needs the installation's secret: set TRUCE_SECRET_KEY")
        self.session.add(
            Instance(
                id=1,
                name=name,
                key_id=signer.key_id,
                public_key=signer.public_key,
                sealed_seed=self.keyring.seal(signer),
                secret_check=self.keyring.secret_check,
                created_at=self.now(),
            )
        )

    def system_public_key(self) -> bytes:
        """The installation's system public key, which signs the genesis and checkpoints."""
        instance = self._instance_row()
        if instance is None:
            raise RuntimeError("this database is not set up: run `truce db upgrade`")
        return bytes(instance.public_key)

    def signer(self, actor: Actor) -> Signer:
        """The actor's signing key, opened with the installation's secret."""
        if self.keyring is None:
            raise NoSecret(
                "writing needs the installation's secret: set TRUCE_SECRET_KEY or TRUCE_SECRET_FILE"
            )
        if actor.is_system:
            instance = self._instance_row()
            if instance is None:
                raise RuntimeError("this database is not set up: run `truce db upgrade`")
            return self.keyring.open(instance.sealed_seed, instance.key_id, "system")
        user = self.session.get(UserRow, actor.user_id)
        if user is None or not user.active or user.sealed_seed is None:
            raise RuntimeError(f"user {actor.username!r} has no server-held signing key")
        return self.keyring.open(user.sealed_seed, user.key_id, user.username)

    def record(self, actor: Actor, *changes: Change) -> list[Entry]:
        """Append ledger entries for ``changes`` in this transaction: signed by ``actor``'s
        server-held key, or, for an author who holds their own key, carrying the intent they
        signed and sequenced by the installation's key."""
        # The system's own entries (consequences a change has, such as linking a filed report
        # to its incident) are the server's statements: they never carry the author's intent.
        offered = None if actor.is_system else self.intent
        user = None if actor.is_system else self.session.get(UserRow, actor.user_id)
        if offered is None:
            if user is not None and user.custody == HOLDER:
                raise Forbidden(
                    N_(
                        "You hold your own signing key, so every change must come with an"
                        " intent you signed (see docs/api.md, 'Signed intents')."
                    )
                )
            entries = self.ledger.append_many(self.signer(actor), list(changes))
        else:
            self._accept(offered, actor, user)
            author = Authored(actor.username, offered.intent, offered.signature)
            entries = self.ledger.append_many(self.sequencer(), list(changes), author)
            self.sequenced.extend(entries)
            self.last_receipt = self.receipt()
        self.after_commit(lambda: _log_entries(entries))
        return entries

    def sequencer(self) -> Signer:
        """The installation's key, which signs the entries it sequences for key holders."""
        instance = self._instance_row()
        if instance is None or self.keyring is None:
            raise NoSecret("sequencing needs the installation's secret: set TRUCE_SECRET_KEY")
        return self.keyring.open(instance.sealed_seed, instance.key_id, "system")

    @contextmanager
    def authored(self, offered: OfferedIntent | None) -> Iterator[None]:
        """Record the changes made inside under ``offered``, then go back to the unit's own
        intent. For a transaction that writes as several authors, one intent per change (the
        scenario's desks, each holding their key): PENDING_INTENT gives one per unit."""
        saved = (self.intent, self._intent_accepted, self.sequenced, self.last_receipt)
        self.intent, self._intent_accepted, self.sequenced = offered, False, []
        try:
            yield
        finally:
            self.intent, self._intent_accepted, self.sequenced, self.last_receipt = saved

    def accept_intent(self, actor: Actor) -> None:
        """Check the offered intent against ``actor`` now, before any change is made."""
        if self.intent is not None:
            user = None if actor.is_system else self.session.get(UserRow, actor.user_id)
            self._accept(self.intent, actor, user)

    def _accept(self, offered: OfferedIntent, actor: Actor, user: UserRow | None) -> None:
        """Check an intent against its author and the clock, and spend its nonce."""
        if self._intent_accepted:
            return
        intent = offered.intent
        if user is None or not user.active or intent["actor"] != user.username:
            raise Forbidden(
                N_("The intent is signed for {name!r}, but you are {you!r}."),
                name=intent["actor"],
                you=actor.username,
            )
        if user.custody != HOLDER or intent["key_id"] != user.key_id:
            raise Forbidden(
                N_(
                    "The intent is signed with key {key}, which is not the key you hold"
                    " (yours is {yours}, custody {custody})."
                ),
                key=intent["key_id"],
                yours=user.key_id,
                custody=user.custody,
            )
        if not intents.author_signature_holds(user.public_key, intent, offered.signature):
            raise Forbidden(N_("The intent's signature does not hold for your key."))
        drift = abs(intents.client_time(intent) - self.now())
        if drift > offered.window:
            raise Forbidden(
                N_(
                    "The intent's client_time is {seconds} s away from the server's clock;"
                    " sign it again (the window is {window} s)."
                ),
                seconds=int(drift.total_seconds()),
                window=int(offered.window.total_seconds()),
            )
        self.ledger.lock()  # nonces are checked and spent in turn, like the ledger's head
        if self.session.get(IntentNonceRow, intent["nonce"]) is not None:
            raise Forbidden(N_("This intent was used already: sign each change with a new nonce."))
        self.session.add(
            IntentNonceRow(nonce=intent["nonce"], key_id=user.key_id, seen_at=self.now())
        )
        self._intent_accepted = True

    def receipt(self) -> intents.Receipt | None:
        """The signed receipt of what this unit sequenced under the author's intent."""
        if not self.sequenced or self.intent is None:
            return None
        sequencer = self.sequencer()
        spans = tuple((entry.seq, entry.hash) for entry in self.sequenced)
        body = intents.receipt_body(
            intents.intent_hash(self.intent.intent), spans, sequencer.key_id
        )
        return intents.Receipt(
            body["intent_sha256"], spans, sequencer.key_id, sequencer.sign(canonical_bytes(body))
        )


def _log_entries(entries: list[Entry]) -> None:
    for entry in entries:
        log.info("ledger %d %s %s by %s", entry.seq, entry.action, entry.subject, entry.actor)
