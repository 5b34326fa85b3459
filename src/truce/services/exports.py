"""Data out: every row a list's filters match, as a file people open (CSV) or map (GeoJSON).

The same downloads serve the API (``?format=``) and the web pages' buttons. They are not paged:
rows are read page after page, each page in its own short read-only transaction (a keyset walk
never repeats or skips a row), and written out as they come. Public downloads hold what public
pages show: no restricted field, and no user's name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, Unpack
from zoneinfo import ZoneInfo

from truce.domain.agreement import Agreement
from truce.domain.news import StatementView
from truce.domain.paging import MAX_LIMIT, Page, walk
from truce.domain.parties import Status
from truce.domain.permissions import Action, Actor, allowed
from truce.domain.spreadsheet import Cell, csv_chunks
from truce.geo.engine import AreaFacts
from truce.geo.geometry import to_geojson
from truce.services import common, news, parties, territory
from truce.store.uow import UnitOfWork

T = TypeVar("T")
OpenUow = Callable[[], AbstractContextManager[UnitOfWork]]
CSV = "text/csv; charset=utf-8"
GEOJSON = "application/geo+json"


@dataclass(frozen=True)
class Download:
    """A file to send: its name, type and content, produced as it is sent."""

    filename: str
    media_type: str
    chunks: Iterator[bytes]

    @property
    def headers(self) -> dict[str, str]:
        return {"Content-Disposition": f'attachment; filename="{self.filename}"'}


def every(open_uow: OpenUow, read: Callable[[UnitOfWork, str | None], Page[T]]) -> Iterator[T]:
    """Every item of a list, page after page. The first page is read now, so that bad filters
    fail before a download starts; the others as the download goes."""

    def fetch(cursor: str | None) -> Page[T]:
        with open_uow() as uow:
            return read(uow, cursor)

    return walk(fetch, fetch(None))


def _agreement(open_uow: OpenUow, agreement_id: int | None) -> tuple[Agreement, datetime]:
    """The agreement a download is about, and the time it is read at."""
    with open_uow() as uow:
        return common.agreement(uow, agreement_id), uow.now()


def _now(open_uow: OpenUow) -> datetime:
    with open_uow() as uow:
        return uow.now()


# --- the registry ---------------------------------------------------------------------------

REGISTRY_COLUMNS = (
    "id", "name", "name_ar", "name_ru", "other_names", "side", "guarantor", "status",
    "views", "accord", "designated", "first_commitment", "committed_to", "late",
    "open_proposals", "uncertain",
)  # fmt: skip


def registry_entries(
    open_uow: OpenUow, *, actor: Actor | None, **filters: Unpack[parties.RegistryFilters]
) -> tuple[Agreement, datetime, Iterator[parties.RegistryEntry]]:
    """The agreement, the moment read, and every registry entry the filters keep then."""
    agreement, now = _agreement(open_uow, filters.get("agreement_id"))
    narrowed: parties.RegistryFilters = {**filters, "agreement_id": agreement.id}

    def read(uow: UnitOfWork, cursor: str | None) -> Page[parties.RegistryEntry]:
        found = parties.registry(
            uow, actor=actor, at=now, cursor=cursor, limit=MAX_LIMIT, **narrowed
        )
        return found[1]

    return agreement, now, every(open_uow, read)


def registry_csv(
    open_uow: OpenUow, *, actor: Actor | None, **filters: Unpack[parties.RegistryFilters]
) -> Download:
    """The registry as the filters narrow it, one party a row; notes for those who may read
    them."""
    agreement, now, entries = registry_entries(open_uow, actor=actor, **filters)
    notes = allowed(actor, Action.READ_RESTRICTED)
    header = [*REGISTRY_COLUMNS, *(["notes"] if notes else [])]
    rows = (_registry_row(entry, notes) for entry in entries)
    name = f"{agreement.slug}-registry-{now.date().isoformat()}.csv"
    return Download(name, CSV, csv_chunks(header, rows))


def _registry_row(entry: parties.RegistryEntry, notes: bool) -> list[Cell]:
    by_lang: dict[str, list[str]] = {}
    for alias in entry.aliases:
        by_lang.setdefault(alias["lang"], []).append(alias["text"])
    others = [text for lang, texts in by_lang.items() if lang not in ("ar", "ru") for text in texts]
    first = entry.first_commitment
    row: list[Cell] = [
        entry.id, entry.name, "; ".join(by_lang.get("ar", [])), "; ".join(by_lang.get("ru", [])),
        "; ".join(others), entry.side, entry.sponsor, entry.status.value,
        "; ".join(f"{state}: {view.value}" for state, view in entry.views.items()),
        entry.accord.value, entry.designated, first.committed_at if first else None,
        first.guarantor if first else None, first.late if first else None,
        "; ".join(f"{p.proposer_state}: {p.status.value}" for p in entry.open_proposals),
        "; ".join(entry.uncertain),
    ]  # fmt: skip
    return [*row, entry.notes] if notes else row


# --- statements -----------------------------------------------------------------------------

STATEMENT_COLUMNS = (
    "id", "said_at", "speaker", "role", "party_id", "quote", "kind", "cue", "reported_by",
    "article_id", "article_title", "outlet",
)  # fmt: skip


def statements_csv(open_uow: OpenUow, **filters: Unpack[news.StatementFilters]) -> Download:
    """Who said what, newest first, as the filters narrow it."""

    def read(uow: UnitOfWork, cursor: str | None) -> Page[StatementView]:
        return news.statements(uow, **filters, cursor=cursor, limit=MAX_LIMIT)

    found = every(open_uow, read)
    rows = ([getattr(s, column) for column in STATEMENT_COLUMNS] for s in found)
    name = f"truce-statements-{_now(open_uow).date().isoformat()}.csv"
    return Download(name, CSV, csv_chunks(STATEMENT_COLUMNS, rows))


# --- areas ----------------------------------------------------------------------------------


def area_feature(area: AreaFacts, status: Status, names: dict[int, str]) -> dict[str, Any]:
    """An area as a GeoJSON Feature, with its party's status at the time asked."""
    return {
        "type": "Feature",
        "id": area.id,
        "geometry": to_geojson(area.geometry),
        "properties": {
            "id": area.id,
            "party_id": area.party_id,
            "party": names.get(area.party_id, ""),
            "status": status.value,
            "guarantor": area.guarantor,
            "review": area.review,
            "label": area.label,
            "valid_from": area.start.isoformat(),
            "valid_to": area.end.isoformat() if area.end else None,
            "approximate": area.approximate,
            "confidence": area.confidence,
            "source": area.source,
        },
    }


def areas_geojson(
    open_uow: OpenUow,
    at: datetime,
    *,
    guarantor: str | None = None,
    agreement_id: int | None = None,
) -> Download:
    """Every area that holds at ``at`` (of one guarantor, if given), as a FeatureCollection."""
    with open_uow() as uow:
        agreement, _ = territory.areas_page(
            uow, at, guarantor=guarantor, agreement_id=agreement_id, limit=1
        )
        names = uow.parties.names()

    def read(uow: UnitOfWork, cursor: str | None) -> Page[tuple[AreaFacts, Status]]:
        return territory.areas_page(
            uow, at, guarantor=guarantor, agreement_id=agreement.id, cursor=cursor, limit=MAX_LIMIT
        )[1]

    features = (area_feature(area, status, names) for area, status in every(open_uow, read))
    head = {
        "type": "FeatureCollection",
        "agreement_id": agreement.id,
        "at": at.isoformat(),
        "guarantor": guarantor,
    }
    day = at.astimezone(ZoneInfo(agreement.timezone)).date().isoformat()
    layer = f"-{guarantor}" if guarantor else ""
    name = f"{agreement.slug}-areas-{day}{layer}.geojson"
    return Download(name, GEOJSON, _collection(head, features))


def _collection(head: dict[str, Any], features: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    opening = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ['
    yield opening.encode("utf-8")
    for number, feature in enumerate(features):
        yield (("," if number else "") + json.dumps(feature, ensure_ascii=False)).encode("utf-8")
    yield b"]}"
