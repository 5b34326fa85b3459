"""`truce keys`: private keys their owners hold, so the server can never sign in their name."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from truce.cli.base import console, friendly
from truce.ledger.keyfile import new_key_file, public_key_text
from truce.ledger.keys import public_key_id

app = typer.Typer(help="Signing keys you hold yourself.", no_args_is_help=True)

PassphraseFile = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        help="Seal the key with the passphrase in this file (its first line).",
        exists=True,
        dir_okay=False,
    ),
]


def read_passphrase(path: Path | None) -> bytes | None:
    """The passphrase in the first line of ``path``; None without a file."""
    if path is None:
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0]:
        raise typer.BadParameter("the passphrase file is empty", param_hint="--passphrase-file")
    return lines[0].encode("utf-8")


@app.command("new")
@friendly
def keys_new(
    file: Annotated[Path, typer.Argument(help="Where to write the private key (not overwritten).")],
    passphrase_file: PassphraseFile = None,
) -> None:
    """Write a new Ed25519 private key (mode 0600) and print its public key and key id."""
    if file.exists():
        raise typer.BadParameter(f"{file} exists; choose a new file", param_hint="FILE")
    public_key = new_key_file(file, read_passphrase(passphrase_file))
    console.print(f"public key {public_key_text(public_key)}", soft_wrap=True)
    console.print(f"key id {public_key_id(public_key)}", soft_wrap=True)
    console.print(
        f"Register it with `truce users add NAME --role ROLE --public-key"
        f" {public_key_text(public_key)}`; keep {file} secret: nobody else can sign as you.",
        soft_wrap=True,
    )
