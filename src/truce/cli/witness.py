"""`truce witness`: a guarantor's witness, run on the guarantor's own machine.

It holds its own key and a state file, and trusts the server for nothing: it cosigns the
server's newest checkpoint only once the server's signature holds under the key pinned at first
use and a consistency proof shows the tree merely grew from the last checkpoint it cosigned. A
server that shows two histories is refused; both signed checkpoints are kept as evidence and the
witness stops trusting that server.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import nacl.signing
import typer

from truce.cli.base import console, errors
from truce.ledger.note import COSIGNATURE_V1, Checkpoint, Note, NoteError, VerifierKey, key_id
from truce.ledger.witness import Refused, cosign_checkpoint

app = typer.Typer(help="A guarantor's witness: cosign the server's checkpoints.",
                  no_args_is_help=True)  # fmt: skip

STATE_FORMAT = "truce-witness/1"
KEY_PREFIX = "PRIVATE+KEY+"
MISBEHAVIOUR = 3  # the exit status when the server showed two histories
TIMEOUT = 30.0


class WitnessError(Exception):
    """Something the witness could not do (no answer, a bad key file): exit 2, no verdict."""


@dataclass(frozen=True)
class WitnessKey:
    """The witness's private key: its name and Ed25519 seed."""

    name: str
    seed: bytes

    @property
    def public(self) -> VerifierKey:
        public_key = bytes(nacl.signing.SigningKey(self.seed).verify_key)
        return VerifierKey(self.name, COSIGNATURE_V1, public_key)

    def encode(self) -> str:
        """``PRIVATE+KEY+name+keyid+base64(0x04 ‖ seed)``, as Go's signed-note keys are written."""
        raw = base64.b64encode(bytes([COSIGNATURE_V1]) + self.seed).decode()
        return f"{KEY_PREFIX}{self.name}+{self.public.key_id.hex()}+{raw}"

    @classmethod
    def read(cls, path: Path) -> WitnessKey:
        try:
            text = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise WitnessError(f"cannot read the witness key {path}: {exc}") from exc
        name, _, rest = text.removeprefix(KEY_PREFIX).partition("+")
        id_hex, _, encoded = rest.partition("+")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raw = b""
        if not text.startswith(KEY_PREFIX) or len(raw) != 33 or raw[0] != COSIGNATURE_V1:
            raise WitnessError(f"{path} is not a witness key (PRIVATE+KEY+NAME+KEYID+BASE64);"
                               " make one with `truce witness new-key`")  # fmt: skip
        key = cls(name, raw[1:])
        if key_id(name, COSIGNATURE_V1, key.public.public_key).hex() != id_hex:
            raise WitnessError(f"the key id in {path} does not match its key")
        return key


# --- the state file -------------------------------------------------------------------------------


@dataclass
class State:
    """What the witness remembers between runs: the server, its pinned key, the last
    checkpoint cosigned, and whether the server was caught showing two histories."""

    url: str
    log_key: str | None = None
    note: str | None = None  # the last checkpoint cosigned, as the server served it
    distrusted: str | None = None  # why, and where the evidence is

    @classmethod
    def read(cls, path: Path, url: str) -> State:
        if not path.exists():
            return cls(url)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != STATE_FORMAT:
                raise ValueError(f"not a {STATE_FORMAT} file")
            state = cls(data["url"], data.get("log_key"), data.get("note"), data.get("distrusted"))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise WitnessError(f"cannot read the state file {path}: {exc}") from exc
        if state.url != url:
            raise WitnessError(f"the state file {path} is for {state.url}, not {url}: give"
                               " another --state-file for another server")  # fmt: skip
        return state

    def previous(self) -> Checkpoint | None:
        return None if self.note is None else Checkpoint.parse(Note.parse(self.note).body)

    def write(self, path: Path) -> None:
        """Replace the file whole (written aside, then renamed), never half-written."""
        data = {"format": STATE_FORMAT, "url": self.url, "log_key": self.log_key,
                "note": self.note, "distrusted": self.distrusted}  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(path.name + ".new")
        aside.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(aside, path)


# --- the server's API -----------------------------------------------------------------------------


class Server:
    """The few API calls a witness makes."""

    def __init__(self, url: str, token: str | None) -> None:
        self.api = url.rstrip("/") + "/api/v1"
        self.token = token

    def _call(
        self,
        path: str,
        body: dict[str, Any] | None = None,
        parse: Callable[[bytes], Any] = json.loads,
    ) -> Any:
        headers = {"Accept": "application/json"}
        data = None
        if self.token:  # a mirror reads the ledger's pages, which need a signed-in user
            headers["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        request = urllib.request.Request(self.api + path, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return parse(response.read())
        except urllib.error.HTTPError as exc:
            try:
                detail = json.loads(exc.read()).get("detail", exc.reason)
            except (ValueError, AttributeError):
                detail = exc.reason
            raise WitnessError(f"{self.api}{path} answered {exc.code}: {detail}") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise WitnessError(f"no answer from {self.api}{path}: {exc}") from exc

    def checkpoint(self) -> dict[str, Any]:
        found = self._call("/ledger/checkpoint")
        if not isinstance(found, dict) or not isinstance(found.get("note"), str):
            raise WitnessError("the server's checkpoint answer carries no note")
        return found

    def consistency(self, old: int, new: int) -> list[bytes]:
        query = urllib.parse.urlencode({"from": old, "to": new})
        found = self._call(f"/ledger/proof/consistency?{query}")
        try:
            return [bytes.fromhex(h) for h in found["hashes"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise WitnessError("the server's consistency proof is not a list of hex") from exc

    def post_cosignature(self, size: int, line: str) -> None:
        self._call("/ledger/checkpoint/cosignatures", {"size": size, "cosignature": line})


# --- one run --------------------------------------------------------------------------------------


def keep_evidence(state_file: Path, previous: str, new: str, proof: list[bytes], why: str) -> Path:
    """Both signed notes, the proof and the reason, in a new folder beside the state file."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    folder = state_file.parent / f"evidence-{stamp}"
    folder.mkdir(parents=True)
    (folder / "cosigned-before.note").write_text(previous, encoding="utf-8")
    (folder / "shown-now.note").write_text(new, encoding="utf-8")
    (folder / "proof.json").write_text(json.dumps([h.hex() for h in proof]) + "\n")
    (folder / "reason.txt").write_text(why + "\n", encoding="utf-8")
    return folder


def cosign_once(
    server: Server, key: WitnessKey, state_file: Path, state: State, log_key: str | None
) -> str:
    """Fetch, check, cosign, post and remember; what was done, in a line. Raises Refused
    (after keeping the evidence, for misbehaviour) or WitnessError."""
    if state.distrusted:
        raise Refused(f"this server was caught before: {state.distrusted}", misbehaviour=True)
    if log_key is not None and state.log_key is not None and log_key != state.log_key:
        raise WitnessError(f"--log-key differs from the key pinned in {state_file}"
                           f" ({state.log_key}): the server's key does not change")  # fmt: skip
    found = server.checkpoint()
    trusted = log_key or state.log_key or found.get("log_key")
    first_use = state.log_key is None and log_key is None
    try:
        pinned = VerifierKey.parse(str(trusted))
    except NoteError as exc:
        raise WitnessError(f"not a log key: {exc}") from exc
    note_text = found["note"]
    previous = state.previous()
    proof: list[bytes] = []
    try:
        shown = Checkpoint.parse(Note.parse(note_text).body)
    except NoteError as exc:
        raise Refused(f"not a checkpoint: {exc}") from exc
    if previous is not None and (previous.size, previous.root) == (shown.size, shown.root):
        return f"checkpoint {shown.size} was cosigned already; nothing new"
    if previous is not None and previous.size < shown.size:
        proof = server.consistency(previous.size, shown.size)
    try:
        made = cosign_checkpoint(previous, note_text, proof, log_key=pinned,
                                 witness_name=key.name, witness_seed=key.seed,
                                 timestamp=int(time.time()))  # fmt: skip
    except Refused as refused:
        if refused.misbehaviour and state.note is not None:
            folder = keep_evidence(state_file, state.note, note_text, proof, str(refused))
            state.distrusted = f"{refused} (evidence in {folder})"
            state.write(state_file)
            raise Refused(state.distrusted, misbehaviour=True) from refused
        raise
    line = made.signature.line().strip()
    server.post_cosignature(made.checkpoint.size, line)
    # Kept with this witness's own cosignature: the server signed it, and we vouched for it.
    state.log_key, state.note = pinned.encode(), made.note.with_signature(made.signature).text()
    state.write(state_file)
    pinned_note = f"; pinned the log key {state.log_key} at first use" if first_use else ""
    root = base64.b64encode(made.checkpoint.root).decode()
    return f"cosigned checkpoint {made.checkpoint.size} (root {root}){pinned_note}"


@app.command("cosign")
def witness_cosign(
    url: Annotated[str, typer.Option(help="The server's address (https://truce.example).")],
    key: Annotated[Path, typer.Option(help="The witness key file (`truce witness new-key`).")],
    state_file: Annotated[
        Path, typer.Option(help="What the witness remembers between runs; evidence goes beside.")
    ] = Path("var/witness.json"),
    log_key: Annotated[
        str | None,
        typer.Option(help="The server's checkpoint key (vkey); default: pinned at first use."),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="TRUCE_API_TOKEN",
            show_envvar=True,
            help="The guarantor's API token, to post the cosignature.",
        ),
    ] = None,
) -> None:
    """Cosign the server's newest checkpoint once it extends the last one cosigned (exit 1
    refused, 3 the server showed two histories: evidence kept, 2 could not run)."""
    try:
        witness_key = WitnessKey.read(key)
        state = State.read(state_file, url.rstrip("/"))
        if not token:
            raise WitnessError("give the guarantor's API token: --token or TRUCE_API_TOKEN")
        done = cosign_once(Server(url, token), witness_key, state_file, state, log_key)
    except WitnessError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    except Refused as refused:
        if refused.misbehaviour:
            errors.print(f"[red]MISBEHAVIOUR[/red]: {refused}")
            errors.print("The witness will not cosign for this server again.")
            raise typer.Exit(MISBEHAVIOUR) from refused
        errors.print(f"[red]refused[/red]: {refused}")
        raise typer.Exit(1) from refused
    console.print(f"[green]{done}[/green]")


@app.command("new-key")
def witness_new_key(
    name: Annotated[str, typer.Argument(help="The witness's name, e.g. us.example/witness.")],
    file: Annotated[Path, typer.Argument(help="Where to write the private key (mode 0600).")],
) -> None:
    """Make a witness key; print its public vkey, to register with POST /ledger/witnesses."""
    if file.exists():
        errors.print(f"[red]error:[/red] {file} exists; a witness key is never overwritten")
        raise typer.Exit(2)
    try:
        made = WitnessKey(name, bytes(nacl.signing.SigningKey.generate()))
        vkey = VerifierKey.parse(made.public.encode()).encode()  # the name checked too
    except NoteError as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(made.encode() + "\n")
    console.print(vkey)
