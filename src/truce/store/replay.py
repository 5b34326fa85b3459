"""State proven from the ledger: rebuilding domain tables from the entries alone, and comparing
them with the live tables row by row (docs/ledger.md, "State proven from the ledger").

Each replayed action has an applier that turns its entry into the rows the service wrote; the
appliers know nothing but the entry (its payload, actor and time). A table is *replayed* when
every action that writes it has an applier; only replayed tables are compared. The other tables
are listed in ``NOT_REPLAYED`` with the reason. The registry's and statuses' appliers read the
payload the action always signed; the other actions (``IMAGED``) carry the rows they wrote as
row images, which one applier puts back (see "row images" below).

Entries written before their payload carried the row's id or time (see ``SINCE``) are replayed
from the entry's own time and the order of the entries, which can differ from the live row:
such entries are counted, so a difference can be told from an old payload.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Date,
    Float,
    LargeBinary,
    Table,
    create_engine,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from truce.domain.text import fold
from truce.ledger.entry import Entry
from truce.store.tables import Base, UTCDateTime

Key = tuple[Any, ...]
Rows = dict[str, dict[Key, dict[str, Any]]]  # table → primary key → column → value

# The tables rebuilt from the entries, in the order their rows can be written (parents first).
REPLAYED = (
    "states", "users", "agreements", "agreement_states", "excluded_lists", "terms",
    "parties", "party_aliases", "designations", "commitments", "status_proposals", "proposal_votes",
    "status_changes", "areas", "area_reviews", "articles", "statements", "imports",
    "import_rejects", "reports", "incidents", "incident_reports", "allegations", "tombstones",
    "incident_assessments", "allegation_filings", "findings", "referrals",
    "information_requests", "hotline_threads", "hotline_messages", "hotline_receipts",
    "clock_resets", "clock_votes", "webhook_subscriptions", "witness_keys",
)  # fmt: skip

# Every other table, and why it is not compared with a replay.
NOT_REPLAYED = {
    # Not state derived from the ledger at all.
    "instance": "the installation's own key and secret check: custody, not a change",
    "ledger_entries": "the ledger itself: what replay reads",
    "ledger_head": "the ledger's head row, checked by `truce ledger verify`",
    "merkle_nodes": "derived from the ledger's own hashes: `truce ledger verify` recomputes them",
    "ledger_checkpoints": "signed tree heads over the ledger, verified against the Merkle tree",
    "ledger_cosignatures": "witnesses' signatures over checkpoints, verified by their keys",
    "web_sessions": "sign-ins: credentials that end, never a change to the record",
    "api_tokens": "API credentials (hashes) and when they were last used",
    "webhook_events": "the outbox of notifications about changes already in the ledger",
    "webhook_deliveries": "delivery attempts to receivers: transport, not record",
    "hotline_events": "the live feed's cache of what the hotline rows already say",
    "intent_nonces": (
        "the nonces of intents accepted, kept to refuse a signed intent twice; each is in its"
        " entry's intent, which `truce ledger verify` checks"
    ),
    "enrolment_codes": "one-time codes (hashes) to enrol a browser key: credentials, not record",
    "allegation_assessments": (
        "ledger state, but sealed until every guarantor has assessed: `assessment.submitted`"
        " and `assessment.amended` carry the content's SHA-256, never the content"
    ),
    "attachments": (
        "files stored by the SHA-256 of their bytes, uploaded without an entry; `report.filed`"
        " names each digest, which proves a copy"
    ),
    "report_attachments": (
        "which attachments a report has, by digest: in `report.filed` (`attachments`), but it"
        " points at `attachments`, which the ledger does not carry"
    ),
    "published_reports": (
        "ledger state, but `report.published` carries the report's digests, not its content:"
        " a copy is proven by its digest (docs/reports.md), never rebuilt"
    ),
}
# What a new table is said to be until it is replayed or given its reason above.
NOT_YET = "the rows are ledger state, but replay has no applier for the actions that write them yet"

# Columns of replayed tables that the ledger does not carry, and why: not compared, and written
# empty by `replay --into`.
NOT_LEDGER_COLUMNS = {
    ("users", "password_hash"): "a credential; changing a password writes no entry",
    ("users", "sealed_seed"): "the user's private key, sealed under the installation's secret",
    ("users", "locale"): "a display preference, chosen without an entry",
    ("reports", "reporter"): (
        "who gave the account: never in the ledger (the report's content digest covers it)"
    ),
    ("reports", "raw"): (
        "the imported file's row as it came, which can name the reporter (the template's"
        " `reporter` column); the file itself is named by its SHA-256 in `import.started`"
    ),
    ("allegation_filings", "evidence"): (
        "the filer's evidence, for the case file's readers; the ledger is read by every role"
    ),
    ("information_requests", "question"): (
        "between the asker and the asked side: the entry carries `question_sha256`"
    ),
    ("information_requests", "answer"): "likewise: the entry carries `answer_sha256`",
    ("hotline_messages", "text"): (
        "confidential to the thread's sides: the entry carries `text_sha256`"
    ),
    ("hotline_receipts", "read_at"): "reading a thread writes no entry (acknowledging does)",
    ("hotline_receipts", "read_by"): "likewise",
    ("webhook_subscriptions", "sealed_secret"): "the receiver's signing secret: a credential",
}
_EMPTY = {
    ("reports", "reporter"): None,
    ("reports", "raw"): None,
    ("allegation_filings", "evidence"): "",
    ("information_requests", "question"): "",
    ("information_requests", "answer"): None,
    ("hotline_messages", "text"): "",
    ("hotline_receipts", "read_at"): None,
    ("hotline_receipts", "read_by"): None,
    ("webhook_subscriptions", "sealed_secret"): b"",
    ("users", "password_hash"): None,
    ("users", "sealed_seed"): None,
    ("users", "locale"): None,
}

# The payload key each replayed action gained for replay; older entries lack it.
SINCE = {
    "user.created": "created_at",
    "key.registered": "key_id",  # always carried all its row holds
    "user.disabled": "user_id",
    "state.added": "code",  # always carried all its row holds
    "agreement.created": "created_at",
    "party.created": "created_at",
    "party.alias_added": "alias_ids",
    "designation.recorded": "recorded_at",
    "commitment.recorded": "recorded_at",
    "party.status_changed": "recorded_at",
    "party.status_proposed": "proposed_at",
    "party.status_decided": "decided_at",
    "party.status_superseded": "decided_at",
    "party.status_withdrawn": "decided_at",
}
# The actions whose entries carry the images of the rows they wrote (``images``), and nothing
# else replay needs.
IMAGED = (
    "area.asserted", "area.reviewed", "news.article_ingested", "report.filed", "import.started",
    "reports.imported", "import.finished", "incident.reports_linked", "allegation.opened",
    "incident.split", "incident.merged", "incidents.checked", "incident.assessment_proposed",
    "incident.assessment_decided", "incident.perpetrator_assessed",
    "incident.assessment_superseded", "incident.assessment_withdrawn", "allegation.filed",
    "finding.made", "referral.opened", "request.sent", "request.answered", "request.overdue",
    "hotline.thread.opened", "hotline.message.sent", "hotline.message.acknowledged",
    "hotline.message.overdue", "clock.reset.proposed", "clock.reset.voted",
    "clock.reset.withdrawn", "clock.reset.agreed", "clock.reset.refused", "webhook.subscribed",
    "webhook.unsubscribed", "witness.registered",
)  # fmt: skip
SINCE.update(dict.fromkeys(IMAGED, "images"))


def not_replayed() -> dict[str, str]:
    """Every table replay does not rebuild, with the reason."""
    return {
        name: NOT_REPLAYED.get(name, NOT_YET)
        for name in sorted(Base.metadata.tables)
        if name not in REPLAYED
    }


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# --- row images --------------------------------------------------------------------------
#
# Rows whose values the service computed (an incident's summary and check, a report's placing
# and actor matches, an area's geometry) are carried in their entry as an *image*: the row as
# the transaction left it, under the payload key ``images`` ({table: [image, ...]}). Replay
# puts the images back rather than computing again (it never re-runs linkage or a check). The
# ledger's canonical JSON has no floats, so an image writes each value as text where JSON
# cannot carry it exactly: a float as its shortest repr, a time or date in ISO 8601, bytes in
# base64, a JSON column as its JSON text.


def encode(name: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A row of table ``name`` as its image: canonical JSON, without the columns the ledger
    does not carry."""
    image: dict[str, Any] = {}
    for column in _table(name).columns:
        if (name, column.name) in NOT_LEDGER_COLUMNS:
            continue
        value = row[column.name]
        if value is None:
            image[column.name] = None
        elif isinstance(column.type, JSON):
            image[column.name] = json.dumps(value, sort_keys=True, ensure_ascii=False)
        elif isinstance(column.type, Float):
            image[column.name] = repr(float(value))
        elif isinstance(column.type, LargeBinary):
            image[column.name] = base64.b64encode(value).decode("ascii")
        elif isinstance(value, date):  # a datetime too
            image[column.name] = value.isoformat()
        else:
            image[column.name] = value
    return image


def decode(name: str, image: Mapping[str, Any]) -> dict[str, Any]:
    """The row an image stands for (the inverse of ``encode``)."""
    row: dict[str, Any] = {}
    for column in _table(name).columns:
        if (name, column.name) in NOT_LEDGER_COLUMNS:
            row[column.name] = _EMPTY[(name, column.name)]
            continue
        value = image[column.name]
        if value is None:
            row[column.name] = None
        elif isinstance(column.type, JSON):
            row[column.name] = json.loads(value)
        elif isinstance(column.type, Float):
            row[column.name] = float(value)
        elif isinstance(column.type, LargeBinary):
            row[column.name] = base64.b64decode(value)
        elif isinstance(column.type, UTCDateTime):
            row[column.name] = datetime.fromisoformat(value)
        elif isinstance(column.type, Date):
            row[column.name] = date.fromisoformat(value)
        else:
            row[column.name] = value
    return row


def images(session: Session | Connection, name: str, keys: Iterable[Any]) -> list[dict[str, Any]]:
    """The images of the rows of table ``name`` with the primary keys ``keys`` (values, or
    tuples for a key of several columns), as this transaction holds them now, by key."""
    the_table = _table(name)
    pk = list(the_table.primary_key.columns)
    wanted = sorted({key if isinstance(key, tuple) else (key,) for key in keys})
    found: list[dict[str, Any]] = []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        # By the first column, then the whole key: one query for either kind of key.
        query = select(the_table).where(pk[0].in_({key[0] for key in chunk})).order_by(*pk)
        for row in session.execute(query).mappings():
            if len(pk) == 1 or tuple(row[c.name] for c in pk) in chunk:
                found.append(encode(name, dict(row)))
    return found


@dataclass
class Replay:
    """The rows the entries rebuild, and how many entries were replayed from older payloads."""

    rows: Rows = field(default_factory=lambda: {name: {} for name in REPLAYED})
    entries: int = 0
    old_payloads: int = 0
    user_ids: dict[str, int] = field(default_factory=dict)  # username → id, from user.created

    def put(self, name: str, values: dict[str, Any]) -> None:
        key = tuple(values[c.name] for c in _table(name).primary_key.columns)
        self.rows[name][key] = values

    def next_id(self, name: str) -> int:
        return max((key[0] for key in self.rows[name]), default=0) + 1


def _state_added(entry: Entry, into: Replay) -> None:
    p = entry.payload
    into.put("states", {"code": p["code"], "name": p["name"], "kind": p["kind"]})


def _agreement_created(entry: Entry, into: Replay) -> None:
    p = entry.payload
    agreement_id = p["agreement_id"]
    into.put("agreements", {
        "id": agreement_id, "slug": p["slug"], "title": p["title"],
        "signed_at": _time(p["signed_at"]), "effective_at": _time(p["effective_at"]),
        "acceptance_deadline": _time(p["acceptance_deadline"]), "timezone": p["timezone"],
        "procedures": dict(p["procedures"]), "created_at": _time(p.get("created_at") or entry.at),
    })  # fmt: skip
    roles = [(code, "guarantor") for code in p["guarantors"]]
    roles += [(code, "member") for code in p["members"]]
    for position, (code, role) in enumerate(roles):
        into.put("agreement_states", {
            "agreement_id": agreement_id, "state_code": code, "role": role, "position": position,
        })  # fmt: skip
    for name in p["excluded_lists"]:
        into.put("excluded_lists", {"agreement_id": agreement_id, "list_name": name})
    for term in p["terms"]:
        into.put("terms", {
            "agreement_id": agreement_id, "number": term["number"], "title": term["title"],
            "text": term["text"], "breach": term.get("breach"),
        })  # fmt: skip


def _party_created(entry: Entry, into: Replay) -> None:
    p = entry.payload
    into.put("parties", {
        "id": p["party_id"], "slug": p["slug"], "name": p["name"], "name_key": fold(p["name"]),
        "side": p["side"], "coalition_id": p["coalition_id"], "sponsor_state": p["sponsor"],
        "notes": p["notes"], "uncertain": list(p["uncertain"]), "sources": list(p["sources"]),
        "created_at": _time(p.get("created_at") or entry.at),
    })  # fmt: skip
    _aliases(entry, into, p["party_id"])


def _alias_added(entry: Entry, into: Replay) -> None:
    _aliases(entry, into, int(entry.subject.removeprefix("party:")))


def _aliases(entry: Entry, into: Replay, party_id: int) -> None:
    records = entry.payload["aliases"]
    ids = entry.payload.get("alias_ids") or [None] * len(records)
    for record, alias_id in zip(records, ids, strict=True):
        text, lang, *dated = record
        valid_from, valid_to = dated or (None, None)
        into.put("party_aliases", {
            "id": alias_id or into.next_id("party_aliases"), "party_id": party_id, "text": text,
            "lang": lang, "folded": fold(text),
            "valid_from": date.fromisoformat(valid_from) if valid_from else None,
            "valid_to": date.fromisoformat(valid_to) if valid_to else None,
        })  # fmt: skip


def _designation_recorded(entry: Entry, into: Replay) -> None:
    p = entry.payload
    into.put("designations", {
        "id": p["designation_id"], "party_id": p["party_id"],
        "list_name": p["list_name"].strip(), "reference": p["reference"].strip(),
        "listed_at": _time(p["listed_at"]), "delisted_at": _time(p["delisted_at"]),
        "source": p["source"], "recorded_by": entry.actor,
        "recorded_at": _time(p.get("recorded_at") or entry.at),
    })  # fmt: skip


def _commitment_recorded(entry: Entry, into: Replay) -> None:
    p = entry.payload
    into.put("commitments", {
        "id": p["commitment_id"], "agreement_id": p["agreement_id"], "party_id": p["party_id"],
        "guarantor_state": p["guarantor"], "committed_at": _time(p["committed_at"]),
        "late": bool(p["late"]), "channel": p["channel"], "note": p["note"],
        "recorded_by": entry.actor, "recorded_at": _time(p.get("recorded_at") or entry.at),
    })  # fmt: skip


def _user_created(entry: Entry, into: Replay) -> None:
    p = entry.payload
    into.user_ids[p["username"]] = p["user_id"]
    into.put("users", {
        "id": p["user_id"], "username": p["username"],
        "display_name": p.get("display_name", p["username"]), "role": p["role"],
        "state_code": p["state"], "party_id": p["party_id"], "key_id": "", "public_key": b"",
        "custody": "server", "active": True, "created_at": _time(p.get("created_at") or entry.at),
        **{column: value for (_, column), value in _EMPTY.items()},
    })  # fmt: skip


def _key_registered(entry: Entry, into: Replay) -> None:
    p = entry.payload
    if p.get("user_id") is None:  # the installation's own key (genesis): no user row
        return
    user = into.rows["users"][(p["user_id"],)]
    user.update(key_id=p["key_id"], public_key=base64.b64decode(p["public_key"]),
                custody=p.get("custody", "server"))  # fmt: skip


def _user_disabled(entry: Entry, into: Replay) -> None:
    into.rows["users"][(entry.payload["user_id"],)]["active"] = False


def _status_proposed(entry: Entry, into: Replay) -> None:
    p = entry.payload
    into.put("status_proposals", {
        "id": p["proposal_id"], "agreement_id": p["agreement_id"], "party_id": p["party_id"],
        "status": p["status"], "reason": p["reason"], "proposed_by": into.user_ids[entry.actor],
        "proposer_state": p["proposer_state"],
        "proposed_at": _time(p.get("proposed_at") or entry.at), "state": "open",
        "decided_by": None, "decider_state": None, "decided_at": None, "decision_reason": "",
    })  # fmt: skip


def _close(entry: Entry, into: Replay, state: str, **closing: Any) -> None:
    p = entry.payload
    proposal = into.rows["status_proposals"][(p["proposal_id"],)]
    proposal.update(state=state, decided_at=_time(p.get("decided_at") or entry.at), **closing)


def _status_decided(entry: Entry, into: Replay) -> None:
    p = entry.payload
    if p["outcome"] == "open":  # one guarantor's answer; others still to come
        into.put("proposal_votes", {
            "proposal_id": p["proposal_id"], "state": p["decider_state"], "vote": p["decision"],
            "voted_by": into.user_ids[entry.actor],
            "voted_at": _time(p.get("decided_at") or entry.at), "reason": p["reason"],
        })  # fmt: skip
        return
    _close(entry, into, p["outcome"], decided_by=into.user_ids[entry.actor],
           decider_state=p["decider_state"], decision_reason=p["reason"])  # fmt: skip


def _status_superseded(entry: Entry, into: Replay) -> None:
    _close(entry, into, "superseded")


def _status_withdrawn(entry: Entry, into: Replay) -> None:
    proposal = into.rows["status_proposals"][(entry.payload["proposal_id"],)]
    _close(entry, into, "withdrawn", decided_by=into.user_ids[entry.actor],
           decider_state=proposal["proposer_state"])  # fmt: skip


def _status_changed(entry: Entry, into: Replay) -> None:
    p = entry.payload
    change_id = p.get("status_change_id") or into.next_id("status_changes")
    into.put("status_changes", {
        "id": change_id, "agreement_id": p["agreement_id"], "party_id": p["party_id"],
        "status": p["status"], "effective_at": _time(p["effective_at"]), "cause": p["cause"],
        "proposal_id": p.get("proposal_id"), "designation_id": p.get("designation_id"),
        "recorded_at": _time(p.get("recorded_at") or entry.at),
    })  # fmt: skip


def _images(entry: Entry, into: Replay) -> None:
    """Put back every row image the entry carries (none in entries older than ``images``)."""
    for name, found in entry.payload.get("images", {}).items():
        for image in found:
            into.put(name, decode(name, image))


APPLIERS: dict[str, Callable[[Entry, Replay], None]] = {
    "state.added": _state_added,
    "agreement.created": _agreement_created,
    "user.created": _user_created,
    "key.registered": _key_registered,
    "user.disabled": _user_disabled,
    "party.created": _party_created,
    "party.alias_added": _alias_added,
    "designation.recorded": _designation_recorded,
    "commitment.recorded": _commitment_recorded,
    "party.status_changed": _status_changed,
    "party.status_proposed": _status_proposed,
    "party.status_decided": _status_decided,
    "party.status_superseded": _status_superseded,
    "party.status_withdrawn": _status_withdrawn,
    **dict.fromkeys(IMAGED, _images),
}


def replay(entries: Iterable[Entry]) -> Replay:
    """The rows of the replayed tables, rebuilt from ``entries`` (in seq order) alone."""
    result = Replay()
    for entry in entries:
        applier = APPLIERS.get(entry.action)
        if applier is None:
            continue
        applier(entry, result)
        result.entries += 1
        if SINCE[entry.action] not in entry.payload:
            result.old_payloads += 1
    return result


# --- writing and reading rows ----------------------------------------------------------------


_WRITE_ORDER = [t.name for t in Base.metadata.sorted_tables if t.name in REPLAYED]
_SELF_REFERENCES = {
    name: [
        c for c in _table(name).columns if any(f.column.table is c.table for f in c.foreign_keys)
    ]
    for name in REPLAYED
}


def write_rows(connection: Connection, rows: Rows) -> int:
    """Insert replayed rows, parents first (a coalition before its members); how many. Every
    table a replayed row points at is replayed too, so the foreign keys hold."""
    written = 0
    for name in _WRITE_ORDER:
        the_table = _table(name)
        values = [rows[name][key] for key in sorted(rows[name])]
        # A row may point at a later row of its own table (an incident merged into a newer
        # one): such columns are written empty first and set once every row is in.
        later = [c.name for c in _SELF_REFERENCES.get(name, ())]
        first = [{**v, **dict.fromkeys(later)} for v in values] if later else values
        for start in range(0, len(first), 1000):
            connection.execute(insert(the_table), first[start : start + 1000])
        for column in later:
            (pk,) = the_table.primary_key.columns
            for v in values:
                if v[column] is not None:
                    connection.execute(
                        update(the_table).where(pk == v[pk.name]).values({column: v[column]})
                    )
        written += len(values)
    return written


def read_rows(connection: Connection, name: str) -> dict[Key, dict[str, Any]]:
    """Every row of a table by primary key."""
    the_table = _table(name)
    pk = list(the_table.primary_key.columns)
    found = {}
    for row in connection.execute(select(the_table).order_by(*pk)).mappings():
        found[tuple(row[c.name] for c in pk)] = dict(row)
    return found


def through_sqlite(rows: Rows) -> dict[str, dict[Key, dict[str, Any]]]:
    """The replayed rows as a database gives them back: written into a private in-memory SQLite
    database and read again, so they compare with live rows value for value."""
    engine = create_engine("sqlite://")
    try:
        tables = [_table(name) for name in REPLAYED]
        Base.metadata.create_all(engine, tables=tables)
        with engine.begin() as connection:
            write_rows(connection, rows)
            return {name: read_rows(connection, name) for name in REPLAYED}
    finally:
        engine.dispose()


# --- comparing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """A row where the live table and the replay disagree: ``columns`` maps each differing
    column to (live, replayed); a row only one side has is ``missing`` (from the live table)
    or ``unrecorded`` (in the live table, with no entry behind it)."""

    table: str
    key: Key
    kind: str  # "changed", "missing", "unrecorded"
    columns: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)

    def describe(self) -> str:
        key = ", ".join(str(part) for part in self.key)
        if self.kind == "missing":
            return f"{self.table} [{key}]: in the ledger, missing from the table"
        if self.kind == "unrecorded":
            return f"{self.table} [{key}]: in the table, no ledger entry wrote it"
        changed = "; ".join(
            f"{name}: table {live!r}, ledger {replayed!r}"
            for name, (live, replayed) in self.columns.items()
        )
        return f"{self.table} [{key}]: {changed}"


def compare(
    live: Mapping[str, Mapping[Key, Mapping[str, Any]]],
    replayed: Mapping[str, Mapping[Key, Mapping[str, Any]]],
) -> list[Difference]:
    """Every row that differs between the live tables and the replay, table by table."""
    found = []
    for name in REPLAYED:
        ours, theirs = live.get(name, {}), replayed.get(name, {})
        for key in sorted(set(ours) | set(theirs), key=lambda k: tuple(map(str, k))):
            if key not in ours:
                found.append(Difference(name, key, "missing"))
            elif key not in theirs:
                found.append(Difference(name, key, "unrecorded"))
            else:
                columns = {
                    column: (ours[key][column], theirs[key].get(column))
                    for column in ours[key]
                    if (name, column) not in NOT_LEDGER_COLUMNS
                    and ours[key][column] != theirs[key].get(column)
                }
                if columns:
                    found.append(Difference(name, key, "changed", columns))
    return found


def live_rows(connection: Connection) -> dict[str, dict[Key, dict[str, Any]]]:
    """The replayed tables as the database holds them."""
    return {name: read_rows(connection, name) for name in REPLAYED}


def tables_with_rows(connection: Connection) -> list[str]:
    """The replayed tables that already hold a row."""
    return [
        name for name in REPLAYED if connection.scalar(select(1).select_from(_table(name)).limit(1))
    ]
