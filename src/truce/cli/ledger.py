"""`truce ledger`: the signed, hash-chained record of every change."""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from truce.cli.base import Db, console, count, errors, friendly, opened
from truce.ledger.merkle import leaf_hash, verify_consistency, verify_inclusion
from truce.ledger.note import NoteError, VerifierKey
from truce.ledger.verify import KnownHead, Report
from truce.services import checkpoints, ledger

app = typer.Typer(help="The signed, hash-chained record of every change.", no_args_is_help=True)
prove = typer.Typer(help="Merkle proofs from the database, as JSON.", no_args_is_help=True)
app.add_typer(prove, name="prove")


@app.command("verify")
@friendly
def ledger_verify(
    file: Annotated[
        Path | None, typer.Option(help="Verify an export file, with no database.")
    ] = None,
    genesis: Annotated[str | None, typer.Option(help="The genesis hash you hold.")] = None,
    head: Annotated[
        list[str] | None, typer.Option(help="A head SEQ:HASH you hold (repeatable).")
    ] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes for signatures.")] = None,
    state: Annotated[
        bool, typer.Option("--state", help="Also compare the tables with a replay of the ledger.")
    ] = False,
    checkpoint: Annotated[
        Path | None,
        typer.Option(help="A cosigned checkpoint (signed note) the file must match; with --file."),
    ] = None,
    log_key: Annotated[
        str | None, typer.Option(help="The server's checkpoint key (vkey) you trust.")
    ] = None,
    witness_key: Annotated[
        list[str] | None,
        typer.Option(help="A witness key (vkey) whose cosignature must hold (repeatable)."),
    ] = None,
    db: Db = None,
) -> None:
    """Recompute the chain, hashes, keys and signatures; name the first bad entry. With
    --state, also rebuild the tables from the entries and name every row that differs."""
    if state and file is not None:
        raise typer.BadParameter(
            "--state compares a database's tables; omit --file", param_hint="--state"
        )
    heads = [_head(text) for text in head or []]
    against = _checkpoint_options(file, checkpoint, log_key, witness_key or [])
    with _progress() as (progress, task):
        advance = functools.partial(progress.advance, task)
        if file is not None:
            if not file.is_file():
                raise typer.BadParameter(f"no such file: {file}")
            report = ledger.verify_file(
                file, genesis_hash=genesis, known_heads=heads, workers=workers, progress=advance
            )
        else:
            with opened(db, current=False) as truce:
                progress.update(task, total=ledger.count(truce.db))
                report = ledger.verify_database(
                    truce.db,
                    genesis_hash=genesis,
                    known_heads=heads,
                    workers=workers,
                    progress=advance,
                )
    _report(report)
    if against is not None and file is not None:
        _check_checkpoint(file, *against)
    if state:
        with opened(db, current=True) as truce:
            _state_report(ledger.verify_state(truce.db))


def _vkey(text: str, option: str) -> VerifierKey:
    try:
        return VerifierKey.parse(text)
    except NoteError as exc:
        raise typer.BadParameter(f"{exc} (give NAME+KEYID+BASE64)", param_hint=option) from exc


def _checkpoint_options(
    file: Path | None, checkpoint: Path | None, log_key: str | None, witness_keys: list[str]
) -> tuple[str, VerifierKey, list[VerifierKey]] | None:
    """The note, log key and witness keys to check an export against, read before the work."""
    if checkpoint is None:
        if log_key or witness_keys:
            raise typer.BadParameter("give --checkpoint NOTE too", param_hint="--log-key")
        return None
    if file is None:
        raise typer.BadParameter("a checkpoint is checked against an export: give --file FILE",
                                 param_hint="--checkpoint")  # fmt: skip
    if log_key is None:
        raise typer.BadParameter(
            "give the server's key you trust (its vkey, NAME+KEYID+BASE64): the note's own"
            " signature proves nothing without it",
            param_hint="--log-key",
        )
    if not checkpoint.is_file():
        raise typer.BadParameter(f"no such file: {checkpoint}", param_hint="--checkpoint")
    keys = [_vkey(text, "--witness-key") for text in witness_keys]
    return checkpoint.read_text(encoding="utf-8"), _vkey(log_key, "--log-key"), keys


def _check_checkpoint(
    file: Path, note_text: str, log_key: VerifierKey, witness_keys: list[VerifierKey]
) -> None:
    found = ledger.check_file_against_checkpoint(
        file, note_text, log_key=log_key, witness_keys=witness_keys
    )
    if found.ok:
        witnesses = ", ".join(found.cosigned_by) or "no witness asked for"
        console.print(
            f"[green]checkpoint OK[/green]: the first {found.size} entries have the root "
            f"{base64.b64encode(found.root).decode()}, signed by {log_key.name}; cosigned by"
            f" {witnesses}"
        )
        return
    for problem in found.problems:
        errors.print(f"[red]checkpoint FAILED[/red]: {problem}")
    raise typer.Exit(1)


def _state_report(report: ledger.StateReport) -> None:
    tables = ", ".join(report.tables)
    if report.ok:
        console.print(
            f"[green]state OK[/green]: {report.rows} rows of {tables} match a replay of "
            f"{count(report.entries, 'entry', 'entries')}"
        )
    else:
        for difference in report.differences:
            errors.print(difference.describe())
        errors.print(
            f"[red]state FAILED[/red]: {count(len(report.differences), 'row')} of {tables} "
            "differ from a replay of the ledger"
        )
    if report.old_payloads:
        errors.print(
            f"{count(report.old_payloads, 'entry', 'entries')} predate the payloads replay needs:"
            " their rows' times and ids are taken from the entries, and may differ."
        )
    if not report.ok:
        raise typer.Exit(1)


@app.command("replay")
@friendly
def ledger_replay(
    into: Annotated[str, typer.Option(help="The empty database to rebuild the tables in.")],
    db: Db = None,
) -> None:
    """Rebuild the tables from the ledger's entries alone, into another database (migrated
    first, and refused if it already holds any of those rows)."""
    with opened(db, current=True) as truce, opened(into, current=False) as target:
        try:
            written = ledger.replay_into(truce.db, target.db)
        except ledger.NotEmpty as exc:
            raise typer.BadParameter(str(exc), param_hint="--into") from exc
    console.print(
        f"replayed {count(written, 'row')} of {', '.join(ledger.REPLAYED_TABLES)} into {into}"
    )


def _head(text: str) -> KnownHead:
    try:
        return KnownHead.parse(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--head") from exc


@contextmanager
def _progress() -> Iterator[tuple[Progress, Any]]:
    columns = (TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=errors, transient=True) as progress:
        yield progress, progress.add_task("verify", total=None)


def _report(report: Report) -> None:
    if report.ok:
        console.print(
            f"[green]ledger OK[/green]: {report.checked} entries, head "
            f"{report.head_seq}:{report.head_hash}"
        )
        console.print(f"genesis {report.genesis_hash}")
        console.print(
            f"{count(report.authored, 'entry', 'entries')} signed by authors who hold their"
            f" own key; {count(report.server_custody, 'entry', 'entries')} rest only on keys"
            " the server holds"
        )
        return
    assert report.failure is not None
    errors.print(f"[red]ledger FAILED[/red] at entry {report.failure.seq}: {report.failure.reason}")
    errors.print(f"{count(report.checked, 'entry', 'entries')} before it verified.")
    raise typer.Exit(1)


@app.command("export")
@friendly
def ledger_export(
    file: Annotated[Path, typer.Argument(help="Where to write the JSON Lines export.")],
    db: Db = None,
) -> None:
    """Write the ledger to FILE; anyone can verify it with `truce ledger verify --file FILE`."""
    with opened(db) as truce, file.open("w", encoding="utf-8") as out:
        written = ledger.export(truce.db, out)
    console.print(f"[green]exported[/green] {count(written, 'entry', 'entries')} to {file}")


@app.command("head")
@friendly
def ledger_head(db: Db = None) -> None:
    """Print the head as SEQ:HASH, to keep and check later exports against."""
    with opened(db) as truce, truce.uow(write=False) as uow:
        seq, hash_ = uow.ledger.head()
    console.print(f"{seq}:{hash_}")


# --- Merkle proofs -------------------------------------------------------------------------------


def _print_json(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, indent=2))


@prove.command("inclusion")
@friendly
def prove_inclusion(
    seq: Annotated[int, typer.Argument(min=1, help="The entry to prove.")],
    size: Annotated[int | None, typer.Option(min=1, help="The tree size; default: now.")] = None,
    db: Db = None,
) -> None:
    """Print the RFC 9162 audit path of entry SEQ, as GET /api/v1/ledger/proof/inclusion does."""
    with opened(db) as truce, truce.uow(write=False) as uow:
        proof = checkpoints.inclusion(uow, seq, size)
    hashes = [h.hex() for h in proof.hashes]
    _print_json({"seq": proof.seq, "tree_size": proof.tree_size,
                 "leaf_hash": proof.leaf_hash.hex(), "hashes": hashes})  # fmt: skip


@prove.command("consistency")
@friendly
def prove_consistency(
    old: Annotated[int, typer.Argument(min=1, metavar="FROM", help="The older tree size.")],
    new: Annotated[int, typer.Argument(min=1, metavar="TO", help="The newer tree size.")],
    db: Db = None,
) -> None:
    """Print the proof that the tree of TO entries extends the tree of FROM, as the API does."""
    with opened(db) as truce, truce.uow(write=False) as uow:
        proof = checkpoints.consistency(uow, old, new)
    _print_json({"from": proof.old_size, "to": proof.new_size,
                 "hashes": [h.hex() for h in proof.hashes]})  # fmt: skip


def _hash_option(text: str, option: str) -> bytes:
    """A 32-byte hash typed as 64 hex digits or as base64 (as a checkpoint writes its root)."""
    try:
        value = bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        value = b""
    if len(value) != 32:
        raise typer.BadParameter("give a SHA-256 hash: 64 hex digits or 44 characters of"
                                 " base64", param_hint=option)  # fmt: skip
    return value


def _proof_file(file: Path) -> dict[str, Any]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {file}: {exc.strerror}", param_hint="FILE") from exc
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"{file} is not JSON: {exc.msg}", param_hint="FILE") from exc
    if not isinstance(data, dict):
        raise typer.BadParameter(f"{file} is not a proof object", param_hint="FILE")
    return data


def _field(data: dict[str, Any], name: str, kind: type) -> Any:
    value = data.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise typer.BadParameter(f"the proof's {name!r} is missing or not a {kind.__name__}",
                                 param_hint="FILE")  # fmt: skip
    return value


def _path(data: dict[str, Any]) -> list[bytes]:
    hashes = _field(data, "hashes", list)
    try:
        path = [bytes.fromhex(h) for h in hashes]
    except (TypeError, ValueError) as exc:
        raise typer.BadParameter("the proof's 'hashes' are not hex strings",
                                 param_hint="FILE") from exc  # fmt: skip
    if any(len(h) != 32 for h in path):
        raise typer.BadParameter("each of the proof's 'hashes' is 32 bytes", param_hint="FILE")
    return path


@app.command("check-proof")
@friendly
def check_proof(
    file: Annotated[Path, typer.Argument(help="A proof as `truce ledger prove` or the API gives.")],
    root: Annotated[str, typer.Option(help="The root it must reach (a checkpoint's root).")],
    entry_hash: Annotated[
        str | None, typer.Option(help="Inclusion: the entry's `hash` that must be the leaf.")
    ] = None,
    old_root: Annotated[
        str | None, typer.Option(help="Consistency: the root of the older tree.")
    ] = None,
) -> None:
    """Check a Merkle proof offline: an inclusion proof reaches ROOT from the entry, or a
    consistency proof links the older root to ROOT (exit 1 when it does not)."""
    data = _proof_file(file)
    new_root = _hash_option(root, "--root")
    if "seq" in data:
        seq, size = _field(data, "seq", int), _field(data, "tree_size", int)
        leaf = _hash_option(_field(data, "leaf_hash", str), "FILE")
        if entry_hash is not None and leaf_hash(_hash_option(entry_hash, "--entry-hash")) != leaf:
            errors.print(f"[red]proof FAILED[/red]: the proof is of another leaf than the"
                         f" entry hash {entry_hash}")  # fmt: skip
            raise typer.Exit(1)
        held = verify_inclusion(seq - 1, size, leaf, _path(data), new_root)
        what = f"entry {seq} is in the tree of {size} entries with root {root}"
        unproved = "" if entry_hash else " (give --entry-hash to tie the leaf to an entry)"
    elif "from" in data:
        if old_root is None:
            raise typer.BadParameter("a consistency proof needs the older tree's root",
                                     param_hint="--old-root")  # fmt: skip
        old, new = _field(data, "from", int), _field(data, "to", int)
        held = verify_consistency(old, new, _hash_option(old_root, "--old-root"), new_root,
                                  _path(data))  # fmt: skip
        what = f"the tree of {new} entries with root {root} extends the tree of {old}"
        unproved = ""
    else:
        raise typer.BadParameter("not a proof: an inclusion proof has 'seq', a consistency"
                                 " proof 'from'", param_hint="FILE")  # fmt: skip
    if not held:
        errors.print(f"[red]proof FAILED[/red]: it does not show that {what}")
        raise typer.Exit(1)
    console.print(f"[green]proof OK[/green]: {what}{unproved}")
