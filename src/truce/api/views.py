"""How domain objects and read models look in JSON."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse

from truce.domain.agreement import Agreement
from truce.domain.permissions import Actor, redact
from truce.ledger.entry import Entry
from truce.services.parties import PartyDetail, RegistryEntry


def agreement(item: Agreement, state_names: dict[str, str]) -> dict[str, Any]:
    """An agreement with its terms and the names of its states."""
    data: dict[str, Any] = jsonable_encoder(asdict(item))
    data["guarantors"] = [{"code": c, "name": state_names.get(c, c)} for c in item.guarantors]
    data["members"] = [{"code": c, "name": state_names.get(c, c)} for c in item.members]
    data["terms"] = [
        {**jsonable_encoder(asdict(term)), "cite": f"{item.slug}/{term.number}"}
        for term in item.terms
    ]
    return data


def registry_entry(entry: RegistryEntry, actor: Actor | None) -> dict[str, Any]:
    """One registry row, without restricted fields for the public."""
    data: dict[str, Any] = jsonable_encoder(asdict(entry))
    if data["first_commitment"]:
        data["first_commitment"] = redact(data["first_commitment"], actor)
    data["open_proposals"] = [redact(p, actor) for p in data["open_proposals"]]
    return redact(data, actor)


def party_detail(detail: PartyDetail, actor: Actor | None) -> dict[str, Any]:
    """A party with its history."""
    data: dict[str, Any] = jsonable_encoder(asdict(detail))
    data["entry"] = registry_entry(detail.entry, actor)
    data["commitments"] = [redact(c, actor) for c in data["commitments"]]
    data["members"] = [{"id": pid, "name": name} for pid, name in detail.members]
    return {**data.pop("entry"), **data}


def ledger_entry(entry: Entry) -> dict[str, Any]:
    """A ledger entry exactly as it is hashed and signed."""
    return entry.to_json()


class JsonLines(StreamingResponse):
    """JSON Lines (one JSON value per line), as the ledger export is: what the OpenAPI document
    declares for a route that names it as its response class."""

    media_type = "application/x-ndjson"
