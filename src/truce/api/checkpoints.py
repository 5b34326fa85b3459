"""Routes for the ledger's Merkle tree and checkpoints: inclusion and consistency proofs, the
signed checkpoint with its cosignatures, witness keys and posting a cosignature."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import FastAPI, Query
from pydantic import AfterValidator, Field, StringConstraints

from truce.api import schemas
from truce.api.deps import CurrentActor, Reader, Writer
from truce.api.schemas import MAX_ID, Strict, _printable
from truce.services import checkpoints
from truce.services.checkpoints import CosignedCheckpoint

Size = Annotated[int, Query(ge=1, le=MAX_ID, description="A tree size (a number of entries).")]


class WitnessKeyIn(Strict):
    user_id: schemas.Id = Field(description="The guarantor user whose witness this is.")
    vkey: Annotated[
        str, StringConstraints(min_length=1, max_length=300), AfterValidator(_printable)
    ] = Field(description="The witness's key: NAME+KEYID+base64(0x04 ‖ Ed25519 public key).")


class CosignatureIn(Strict):
    size: schemas.Id = Field(description="The size of the checkpoint cosigned.")
    cosignature: Annotated[
        str, StringConstraints(min_length=1, max_length=400), AfterValidator(_printable)
    ] = Field(description="The signature line: “— NAME base64(key id ‖ time ‖ signature)”.")


BEYOND_THE_LEDGER: dict[int | str, dict[str, Any]] = {
    404: {"model": schemas.ErrorOut, "description": "No such size or checkpoint in this ledger."}
}


def checkpoint_view(found: CosignedCheckpoint) -> dict[str, Any]:
    """A checkpoint as the API shows it: its note with every cosignature, and its parts."""
    return {
        "size": found.checkpoint.size,
        "root": base64.b64encode(found.checkpoint.root).decode(),
        "signed_at": found.checkpoint.signed_at.isoformat(),
        "log_key": found.log_key,
        "note": found.note(),
        "cosignatures": [
            {"witness": c.witness, "user": c.username, "timestamp": c.timestamp, "line": c.line}
            for c in found.cosignatures
        ],
    }


def install(api: FastAPI) -> None:
    """Register the routes on the API application."""

    @api.get("/ledger/proof/inclusion", tags=["ledger"], responses=BEYOND_THE_LEDGER)
    def inclusion(
        uow: Reader,
        seq: Annotated[int, Query(ge=1, le=MAX_ID, description="The entry to prove.")],
        size: Annotated[
            int | None, Query(ge=1, le=MAX_ID, description="The tree size; default: now.")
        ] = None,
    ) -> dict[str, Any]:
        """The RFC 9162 audit path of entry `seq` in the tree of `size` entries (hex)."""
        proof = checkpoints.inclusion(uow, seq, size)
        return {
            "seq": proof.seq,
            "tree_size": proof.tree_size,
            "leaf_hash": proof.leaf_hash.hex(),
            "hashes": [h.hex() for h in proof.hashes],
        }

    @api.get("/ledger/proof/consistency", tags=["ledger"], responses=BEYOND_THE_LEDGER)
    def consistency(
        uow: Reader,
        old: Annotated[int, Query(alias="from", ge=1, le=MAX_ID, description="The older size.")],
        new: Annotated[int, Query(alias="to", ge=1, le=MAX_ID, description="The newer size.")],
    ) -> dict[str, Any]:
        """The RFC 9162 proof that the tree of `to` entries extends the tree of `from` (hex)."""
        proof = checkpoints.consistency(uow, old, new)
        return {"from": proof.old_size, "to": proof.new_size,
                "hashes": [h.hex() for h in proof.hashes]}  # fmt: skip

    @api.get("/ledger/checkpoint", tags=["ledger"], responses=BEYOND_THE_LEDGER)
    def checkpoint(
        uow: Reader,
        size: Annotated[
            int | None, Query(ge=1, le=MAX_ID, description="An older checkpoint's size.")
        ] = None,
    ) -> dict[str, Any]:
        """The newest signed checkpoint (a C2SP signed note) with every cosignature."""
        return checkpoint_view(checkpoints.cosigned(uow, size))

    @api.post("/ledger/checkpoint/cosignatures", status_code=201, tags=["ledger"])
    def cosign(body: CosignatureIn, actor: CurrentActor, uow: Writer) -> dict[str, Any]:
        """A guarantor's witness posts its cosignature/v1 of a checkpoint (ledger
        `checkpoint.cosigned`); the signature is checked against the registered witness key."""
        cmd = checkpoints.PostCosignature(body.size, body.cosignature)
        made = checkpoints.add_cosignature(cmd, uow, actor=actor)
        return {"size": made.size, "witness": made.witness, "timestamp": made.timestamp,
                "line": made.line}  # fmt: skip

    @api.post("/ledger/witnesses", status_code=201, tags=["ledger"])
    def register_witness(body: WitnessKeyIn, actor: CurrentActor, uow: Writer) -> dict[str, Any]:
        """Register a guarantor user's witness key (ledger `witness.registered`)."""
        cmd = checkpoints.RegisterWitness(body.user_id, body.vkey)
        made = checkpoints.register_witness(cmd, uow, actor=actor)
        return {"id": made.id, "user": made.username, "name": made.name, "vkey": made.vkey}

    @api.get("/ledger/witnesses", tags=["ledger"])
    def witnesses(uow: Reader) -> list[dict[str, Any]]:
        """Every registered witness key, to verify cosignatures with."""
        return [{"id": k.id, "user": k.username, "name": k.name, "vkey": k.vkey}
                for k in checkpoints.witness_keys(uow)]  # fmt: skip
