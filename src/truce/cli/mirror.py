"""`truce mirror`: a guarantor's witness mirror, a full copy of a server's ledger.

Like `truce witness cosign` it trusts the server for nothing, and cosigns a checkpoint only once
it extends the last one cosigned; in addition it fetches every entry, verifies it in the chain
it already holds, checks that the entries make the signed root, and replays them into its own
database, which `truce mirror serve` shows read-only. A server caught showing two histories is
refused from then on, with both signed checkpoints kept as evidence (docs/ledger.md).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import queue
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from truce.bootstrap import require_current_schema
from truce.cli.base import Host, Port, console, errors, friendly, opened
from truce.cli.serve import listen, run
from truce.cli.witness import (
    MISBEHAVIOUR,
    TIMEOUT,
    Server,
    WitnessError,
    WitnessKey,
    keep_evidence,
)
from truce.domain.paging import MAX_LIMIT
from truce.ledger.canonical import loads_canonical
from truce.ledger.entry import Entry
from truce.ledger.note import Checkpoint, Note, NoteError, VerifierKey
from truce.ledger.verify import ChainState
from truce.ledger.witness import Refused, cosign_checkpoint
from truce.outbound import webhooks
from truce.services import mirror
from truce.store.db import Database

app = typer.Typer(help="A witness mirror: copy, verify, replay and cosign a server's ledger.",
                  no_args_is_help=True)  # fmt: skip

STATE_FORMAT = "truce-mirror/1"
ALARM_EVENT = "mirror.misbehaviour"
log = logging.getLogger("truce.mirror")

StateFile = Annotated[
    Path, typer.Option(help="What the mirror remembers; its evidence folders go beside it.")
]
Token = Annotated[
    str | None,
    typer.Option(envvar="TRUCE_API_TOKEN", show_envvar=True,
                 help="The --as user's API token: to read the ledger and post cosignatures."),
]  # fmt: skip
DEFAULT_STATE = Path("var/mirror.json")


@dataclass
class MirrorState:
    """The server mirrored, as whom, with which key and into which database; its pinned log
    key, the last checkpoint cosigned (with this mirror's cosignature), whether that
    cosignature reached the server, whether the server was caught showing two histories, and
    the verifier's state at the mirror's head (so the next sync walks only the new entries)."""

    url: str
    user: str
    key: str
    db: str
    log_key: str
    note: str | None = None
    posted: bool = False
    distrusted: str | None = None
    alarm_url: str | None = None
    verified: dict[str, Any] | None = None

    @classmethod
    def read(cls, path: Path) -> MirrorState:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.pop("format", None) != STATE_FORMAT:
                raise ValueError(f"not a {STATE_FORMAT} file")
            return cls(**data)
        except FileNotFoundError as exc:
            raise WitnessError(f"no mirror state at {path}: run `truce mirror init` first") from exc
        except (OSError, ValueError, TypeError) as exc:
            raise WitnessError(f"cannot read the mirror state {path}: {exc}") from exc

    def resume(self) -> ChainState | None:
        """The verifier's state kept by the last sync; None when there is none (or it is not
        readable: the next sync then walks the chain held again, and keeps a new one)."""
        try:
            return None if self.verified is None else ChainState.from_json(self.verified)
        except (KeyError, TypeError, ValueError):
            return None

    def previous(self) -> Checkpoint | None:
        return None if self.note is None else Checkpoint.parse(Note.parse(self.note).body)

    def write(self, path: Path) -> None:
        """Replace the file whole (written aside, then renamed), never half-written."""
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(path.name + ".new")
        aside.write_text(json.dumps({"format": STATE_FORMAT, **asdict(self)}, indent=2) + "\n",
                         encoding="utf-8")  # fmt: skip
        os.replace(aside, path)


class MirrorServer(Server):
    """The witness's API calls, and the ledger's pages and witness keys."""

    def entries(self, after: int, limit: int) -> list[Entry]:
        query = urllib.parse.urlencode({"after": after, "limit": limit})
        # Decoded so that an entry whose values all have a canonical form (every entry a
        # server writes) is hashed without walking its values again (loads_canonical).
        found, canonical = self._call(f"/ledger?{query}", parse=loads_canonical)
        try:
            return [Entry.from_json(item, canonical=canonical) for item in found["items"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise WitnessError(f"the server's ledger page is not a list of entries: {exc}") from exc

    def witnesses(self) -> list[dict[str, Any]]:
        found = self._call("/ledger/witnesses")
        if not isinstance(found, list):
            raise WitnessError("the server's witness keys are not a list")
        return found

    def post_cosignature(self, size: int, line: str) -> None:
        try:
            super().post_cosignature(size, line)
        except WitnessError as exc:
            if " answered 409:" not in str(exc):  # posted already, by an earlier run
                raise


# --- one sync ---------------------------------------------------------------------------------


def fetch_entries(
    server: MirrorServer, after: int, size: int, into: list[Entry]
) -> Iterator[Entry]:
    """The entries after ``after`` up to ``size``, as they are read (and kept in ``into``, for
    the evidence); fewer if the server stops. The next page is fetched in a thread while this
    one is verified, so the server renders it meanwhile instead of waiting for the mirror."""
    pages: queue.Queue[list[Entry] | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def put(item: list[Entry] | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                pages.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        start = after
        try:
            while start < size:
                page = [entry for entry in server.entries(start, min(MAX_LIMIT, size - start))
                        if entry.seq <= size]  # fmt: skip
                # Nothing new: the verifier names what is missing.
                if not page or page[-1].seq <= start or not put(page):
                    break
                start = page[-1].seq
        except BaseException as exc:  # handed to the reader, raised there
            put(exc)
            return
        put(None)

    reader = threading.Thread(target=read, name="mirror-pages", daemon=True)
    reader.start()
    try:
        while (item := pages.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            into.extend(item)
            yield from item
    finally:
        stop.set()  # the verifier stopped early, or all is read: the thread ends
        reader.join(timeout=TIMEOUT + 5)


def sync_once(server: MirrorServer, key: WitnessKey, state_file: Path, state: MirrorState) -> str:
    """Fetch, check, verify, replay, cosign and post; what was done, in a line. Raises Refused
    (after keeping the evidence, for misbehaviour) or WitnessError."""
    if state.distrusted:
        raise Refused(f"this server was caught before: {state.distrusted}", misbehaviour=True)
    db = Database(state.db)
    try:
        return _sync(server, key, state_file, state, db)
    finally:
        db.dispose()


def _sync(
    server: MirrorServer, key: WitnessKey, state_file: Path, state: MirrorState, db: Database
) -> str:
    found = server.checkpoint()
    note_text = found["note"]
    previous = state.previous()
    try:
        shown = Checkpoint.parse(Note.parse(note_text).body)
    except NoteError as exc:
        raise Refused(f"not a checkpoint: {exc}") from exc
    if previous is not None and (previous.size, previous.root) == (shown.size, shown.root):
        if not state.posted:
            _post(server, state_file, state, shown.size)
            return f"checkpoint {shown.size} was mirrored already; its cosignature is now posted"
        return f"checkpoint {shown.size} was mirrored already; nothing new"
    have = mirror.held(db)[0]
    expected = previous.size if previous is not None else 0
    if have != expected:
        raise WitnessError(f"the mirror's database {db.display_url()} holds {have} entries but"
                           f" the state file cosigned {expected}: they belong to different"
                           " mirrors")  # fmt: skip
    proof: list[bytes] = []
    if previous is not None and previous.size < shown.size:
        proof = server.consistency(previous.size, shown.size)
    served: list[Entry] = []
    try:
        made = cosign_checkpoint(previous, note_text, proof,
                                 log_key=VerifierKey.parse(state.log_key),
                                 witness_name=key.name, witness_seed=key.seed,
                                 timestamp=int(time.time()))  # fmt: skip
        pages = fetch_entries(server, have, shown.size, served)
        signed_at = _signed_at(found)
        taken = mirror.take_in(db, pages, made.checkpoint, made.note.text(), signed_at,
                               resume=state.resume())  # fmt: skip
    except Refused as refused:
        if refused.misbehaviour:
            before = state.note or "(none: this mirror had cosigned nothing yet)\n"
            folder = keep_evidence(state_file, before, note_text, proof, str(refused))
            _keep_entries(folder, served)
            state.distrusted = f"{refused} (evidence in {folder})"
            state.write(state_file)
            raise Refused(state.distrusted, misbehaviour=True) from refused
        raise
    # Kept with this mirror's cosignature: the server signed it, and we vouch for it.
    state.note, state.posted = made.note.with_signature(made.signature).text(), False
    state.verified = taken.state.to_json()
    state.write(state_file)
    _post(server, state_file, state, made.checkpoint.size)
    root = base64.b64encode(made.checkpoint.root).decode()
    return (f"mirrored and cosigned checkpoint {taken.size} (root {root}): {taken.entries}"
            f" entries verified and stored ({taken.signatures} signatures checked),"
            f" {taken.rows} replayed rows written")  # fmt: skip


def _signed_at(found: dict[str, Any]) -> datetime:
    try:
        return datetime.fromisoformat(str(found["signed_at"]))
    except (KeyError, ValueError):
        return datetime.now(UTC)


def _post(server: MirrorServer, state_file: Path, state: MirrorState, size: int) -> None:
    assert state.note is not None
    ours = Note.parse(state.note).signatures[-1]
    server.post_cosignature(size, ours.line().strip())
    state.posted = True
    state.write(state_file)


def _keep_entries(folder: Path, served: list[Entry]) -> None:
    """The entries the server served for the refused checkpoint, beside the notes."""
    with (folder / "entries-served.jsonl").open("w", encoding="utf-8") as out:
        for entry in served:
            out.write(json.dumps(entry.to_json(), ensure_ascii=False) + "\n")


def alarm(state: MirrorState, reason: str) -> None:
    """Say it everywhere it will be heard: stderr, the error log, and the alarm webhook."""
    errors.print(f"[red]MISBEHAVIOUR[/red]: {reason}")
    errors.print("The mirror will not sync from this server again until reset.")
    log.error("mirror of %s: the server showed two histories: %s", state.url, reason)
    if not state.alarm_url:
        return
    at = datetime.now(UTC)
    body = json.dumps({"type": ALARM_EVENT, "timestamp": at.isoformat(),
                       "data": {"server": state.url, "mirror": state.user,
                                "reason": reason}})  # fmt: skip
    secret = os.environ.get("TRUCE_MIRROR_ALARM_SECRET")
    message_id = f"msg_mirror_{int(at.timestamp() * 1e6)}"
    headers = webhooks.signed_headers(secret, message_id, at, body) if secret else {}
    answer = webhooks.send(state.alarm_url, headers, body)
    if answer.error or (answer.status or 0) >= 300:
        log.error("the alarm webhook %s failed: %s", state.alarm_url, answer.error)
        errors.print(f"[red]the alarm webhook failed:[/red] {answer.error}")


# --- the commands -------------------------------------------------------------------------------


@app.command("init")
def mirror_init(
    url: Annotated[str, typer.Argument(help="The server's address (https://truce.example).")],
    as_user: Annotated[str, typer.Option("--as", help="The guarantor user the mirror acts as.")],
    key: Annotated[Path, typer.Option(help="Its witness key file (`truce witness new-key`).")],
    db: Annotated[
        str, typer.Option("--db", help="The mirror's own database (URL or SQLite file).")
    ] = "var/mirror.db",
    state_file: StateFile = DEFAULT_STATE,
    log_key: Annotated[
        str | None,
        typer.Option(help="The server's checkpoint key (vkey); default: pinned at first use."),
    ] = None,
    alarm_url: Annotated[
        str | None,
        typer.Option(
            help="POST a JSON alarm here when the server shows two histories (signed"
            " as a Standard Webhook with TRUCE_MIRROR_ALARM_SECRET when set)."
        ),
    ] = None,
) -> None:
    """Set a mirror up: check the witness key is registered to the user, pin the server's log
    key and make the mirror's database (then run `truce mirror sync`)."""
    try:
        if state_file.exists():
            raise WitnessError(f"{state_file} exists: this mirror is set up already")
        witness_key = WitnessKey.read(key)
        server = MirrorServer(url, None)
        vkey = witness_key.public.encode()
        registered = [w for w in server.witnesses() if w.get("vkey") == vkey]
        if not registered:
            raise WitnessError(f"the witness key {vkey} is not registered on {url}: register"
                               " it first (POST /api/v1/ledger/witnesses)")  # fmt: skip
        if registered[0].get("user") != as_user:
            raise WitnessError(f"the witness key is registered to {registered[0].get('user')!r},"
                               f" not to {as_user!r}")  # fmt: skip
        pinned = VerifierKey.parse(log_key or str(server.checkpoint().get("log_key"))).encode()
        database = Database(db)
        try:
            held = mirror.prepare(database)
        finally:
            database.dispose()
        if held:
            raise WitnessError(f"the database {db} holds {held} entries already: give an empty"
                               " one")  # fmt: skip
    except NoteError as exc:
        errors.print(f"[red]error:[/red] not a log key: {exc}")
        raise typer.Exit(2) from exc
    except WitnessError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    state = MirrorState(url.rstrip("/"), as_user, str(key.resolve()), db, pinned,
                        alarm_url=alarm_url)  # fmt: skip
    state.write(state_file)
    how = "given" if log_key else "pinned at first use"
    console.print(f"[green]mirror of {state.url} set up in {db}[/green]; log key {pinned} ({how})")


@app.command("sync")
def mirror_sync(
    state_file: StateFile = DEFAULT_STATE,
    token: Token = None,
    watch: Annotated[bool, typer.Option(help="Keep syncing, every --interval seconds.")] = False,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between syncs.")] = 60.0,
    rounds: Annotated[
        int, typer.Option(min=0, help="With --watch, stop after this many syncs (0: never).")
    ] = 0,
) -> None:
    """Copy the entries since the last checkpoint cosigned, verify and replay them, cosign the
    new checkpoint and post the cosignature (exit 1 refused, 2 could not run, 3 the server
    showed two histories: evidence kept, the server no longer trusted)."""
    done = 0
    while True:
        status = _sync_command(state_file, token)
        done += 1
        if not watch or status == MISBEHAVIOUR or (rounds and done >= rounds):
            if status:
                raise typer.Exit(status)
            return
        time.sleep(interval)


def _sync_command(state_file: Path, token: str | None) -> int:
    try:
        state = MirrorState.read(state_file)
        if not token:
            raise WitnessError("give the --as user's API token: --token or TRUCE_API_TOKEN")
        done = sync_once(MirrorServer(state.url, token), WitnessKey.read(Path(state.key)),
                         state_file, state)  # fmt: skip
    except WitnessError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        return 2
    except Refused as refused:
        if refused.misbehaviour:
            alarm(state, str(refused))
            return MISBEHAVIOUR
        errors.print(f"[red]refused[/red]: {refused}")
        return 1
    console.print(f"[green]{done}[/green]")
    return 0


def _state(state_file: Path) -> MirrorState:
    """The mirror's state file, read; a clear error and exit 2 when it cannot be."""
    try:
        return MirrorState.read(state_file)
    except WitnessError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


@app.command("evidence")
def mirror_evidence(state_file: StateFile = DEFAULT_STATE) -> None:
    """Show the evidence kept when the server showed two histories (exit 3 if any)."""
    folders = sorted(state_file.parent.glob("evidence-*"))
    state = _state(state_file)
    if not folders:
        console.print(f"no evidence: {state.url} has shown this mirror one history")
        return
    for folder in folders:
        console.print(f"[bold]{folder}[/bold]")
        console.print(f"  reason: {(folder / 'reason.txt').read_text(encoding='utf-8').strip()}")
        for name, what in (("cosigned-before.note", "cosigned before"),
                           ("shown-now.note", "shown now")):  # fmt: skip
            text = (folder / name).read_text(encoding="utf-8")
            try:
                point = Checkpoint.parse(Note.parse(text).body)
                root = base64.b64encode(point.root).decode()
                console.print(f"  {what}: size {point.size}, root {root} ({folder / name})")
            except NoteError:
                console.print(f"  {what}: {text.strip()}")
    if state.distrusted:
        console.print(f"[red]distrusted[/red]: {state.distrusted}")
    raise typer.Exit(MISBEHAVIOUR)


@app.command("reset")
def mirror_reset(
    state_file: StateFile = DEFAULT_STATE,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: trust the server again.")] = False,
) -> None:
    """Trust the server again after an operator has looked at the evidence (kept). The mirror
    still holds the history it cosigned: a server that goes on showing another is caught again."""
    state = _state(state_file)
    if not yes:
        errors.print("[red]error:[/red] resetting trusts the server again: give --yes")
        raise typer.Exit(2)
    state.distrusted = None
    state.write(state_file)
    console.print(f"the mirror trusts {state.url} again; the evidence stays beside {state_file}")


@app.command("serve")
@friendly
def mirror_serve(
    state_file: StateFile = DEFAULT_STATE,
    host: Host = "127.0.0.1",
    port: Port = 8000,
) -> None:
    """Serve the mirror's copy read-only: the public pages and the API's reads, every write
    refused (405)."""
    state = _state(state_file)
    with opened(state.db, current=False, read_only=True) as truce:
        require_current_schema(truce)  # no secret: the mirror holds no private key
        run(truce, listen(host, port))
