"""How domain objects and read models look in JSON."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse

from truce.domain.agreement import Agreement, Term
from truce.domain.breaches import rule_data
from truce.domain.paging import Page, address
from truce.domain.permissions import Actor, redact
from truce.ledger.entry import Entry
from truce.services.exports import CSV, GEOJSON, Download
from truce.services.parties import PartyDetail, ProposalView, RegistryEntry

MEDIA = {"csv": CSV.split(";")[0], "geojson": GEOJSON}


def _download_response(media: str, schema: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    description = "A page of the list; with ?format= (or Accept), every item as a file"
    return {200: {"description": description, "content": {media: {"schema": schema}}}}


# For the `responses=` of list routes that also give a download.
CSV_DOWNLOAD = _download_response(MEDIA["csv"], {"type": "string"})
GEOJSON_DOWNLOAD = _download_response(MEDIA["geojson"], {"type": "object"})


def listing(
    page: Page[Any],
    items: list[Any],
    request: Request,
    response: Response,
    *,
    items_key: str = "items",
    **extra: Any,
) -> dict[str, Any]:
    """A page of a list as every list route answers it: the items, the total, and links to the
    next and previous pages (also in a Link header); null where there is none."""
    following, previous = _link(request, page.next), _link(request, page.previous)
    links = [
        f'<{url}>; rel="{rel}"'
        for url, rel in ((following, "next"), (previous, "prev"))
        if url is not None
    ]
    if links:
        response.headers["Link"] = ", ".join(links)
    return {**extra, items_key: items, "total": page.total, "next": following, "previous": previous}


def _link(request: Request, cursor: str | None) -> str | None:
    return address(request.url.path, request.query_params.multi_items(), cursor)


def wants(request: Request, chosen: str | None, kind: str) -> bool:
    """Whether the client asks for the ``kind`` download: by ?format=, else by Accept."""
    if chosen is not None:
        return chosen == kind
    return MEDIA[kind] in request.headers.get("accept", "")


def download(found: Download) -> StreamingResponse:
    """A download, sent as it is produced."""
    return StreamingResponse(found.chunks, media_type=found.media_type, headers=found.headers)


def agreement(item: Agreement, state_names: dict[str, str]) -> dict[str, Any]:
    """An agreement with its terms and the names of its states."""
    data: dict[str, Any] = jsonable_encoder(asdict(item))
    data["guarantors"] = [{"code": c, "name": state_names.get(c, c)} for c in item.guarantors]
    data["members"] = [{"code": c, "name": state_names.get(c, c)} for c in item.members]
    data["terms"] = [term(item, t) for t in item.terms]
    return data


def term(item: Agreement, found: Term) -> dict[str, Any]:
    """One term, citeable, with its breach rule as data (null when no machine can tell)."""
    return {
        "number": found.number,
        "title": found.title,
        "text": found.text,
        "breach": rule_data(found.breach) if found.breach else None,
        "cite": f"{item.slug}/{found.number}",
    }


def registry_entry(entry: RegistryEntry, actor: Actor | None) -> dict[str, Any]:
    """One registry row, without restricted fields for the public."""
    data: dict[str, Any] = jsonable_encoder(asdict(entry))
    data["pending"], data["disputed"] = entry.pending, entry.disputed
    if data["first_commitment"]:
        data["first_commitment"] = redact(data["first_commitment"], actor)
    data["open_proposals"] = [redact(p, actor) for p in data["open_proposals"]]
    if data["rejected"]:
        data["rejected"] = redact(data["rejected"], actor)
    return redact(data, actor)


def proposal(view: ProposalView, actor: Actor | None) -> dict[str, Any]:
    """A status proposal: for the public, the states that acted and not their users."""
    return redact(jsonable_encoder(asdict(view)), actor)


def party_detail(detail: PartyDetail, actor: Actor | None) -> dict[str, Any]:
    """A party with its history."""
    data: dict[str, Any] = jsonable_encoder(asdict(detail))
    data["entry"] = registry_entry(detail.entry, actor)
    data["commitments"] = [redact(c, actor) for c in data["commitments"]]
    data["proposals"] = [redact(p, actor) for p in data["proposals"]]
    data["members"] = [{"id": pid, "name": name} for pid, name in detail.members]
    return {**data.pop("entry"), **data}


def ledger_entry(entry: Entry) -> dict[str, Any]:
    """A ledger entry exactly as it is hashed and signed."""
    return entry.to_json()


class JsonLines(StreamingResponse):
    """JSON Lines (one JSON value per line), as the ledger export is: what the OpenAPI document
    declares for a route that names it as its response class."""

    media_type = "application/x-ndjson"
