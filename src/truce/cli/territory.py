"""Territory on the command line: `truce where`, `truce import geojson`, `truce areas`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from truce.cli.base import (
    AgreementOption,
    AsUser,
    Db,
    KeyFile,
    actor,
    console,
    count,
    friendly,
    moment,
    opened,
    party_id,
    signed_by,
)
from truce.domain.agreement import Agreement
from truce.geo.geojson import GeoJSONError
from truce.geo.geojson import load as load_geojson
from truce.geo.results import Applicability
from truce.services import common, exports, territory

import_app = typer.Typer(help="Import areas and report files.", no_args_is_help=True)
areas_app = typer.Typer(help="Areas where parties are active, per guarantor.", no_args_is_help=True)


@friendly
def where(
    lat: Annotated[float, typer.Argument(min=-90, max=90, help="Latitude (WGS 84).")],
    lon: Annotated[float, typer.Argument(min=-180, max=180, help="Longitude (WGS 84).")],
    at: Annotated[
        str | None, typer.Option(help="A date (noon, agreement time) or time; default now.")
    ] = None,
    agreement: AgreementOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of text.")] = False,
    db: Db = None,
) -> None:
    """Who is active at LAT LON, and whether the place is protected there and then."""
    with opened(db) as truce, truce.uow(write=False) as uow:
        found = common.agreement(uow, agreement)
        answer = territory.where(
            uow,
            lat,
            lon,
            moment(at, field="--at", zone=found.timezone),
            agreement_id=found.id,
        )
    if as_json:
        console.print_json(json.dumps(territory.answer_record(answer), ensure_ascii=False))
        return
    _print_answer(answer, found)


def _print_answer(answer: Applicability, agreement: Agreement) -> None:
    local = answer.at.astimezone(ZoneInfo(agreement.timezone))
    console.print(f"{answer.lat}, {answer.lon} at {local:%Y-%m-%d %H:%M %Z} ({agreement.timezone})")
    colour = {"protected": "green", "excluded": "red", "mixed": "yellow"}.get(
        answer.verdict.value, "white"
    )
    console.print(f"verdict: [bold {colour}]{answer.verdict.value}[/bold {colour}]")
    if not answer.in_force:
        began = agreement.effective_at.astimezone(ZoneInfo(agreement.timezone))
        console.print(f"no cessation in force yet: it began {began:%Y-%m-%d %H:%M %Z}")
    views = ", ".join(f"{state}: {verdict.value}" for state, verdict in answer.by_guarantor.items())
    console.print(f"each guarantor's map: {views}")
    table = Table("party", "status", "asserted by (review)")
    for party in answer.parties:
        sides = "; ".join(f"{a.guarantor} ({a.review})" for a in party.areas)
        table.add_row(party.name, party.status.value, sides)
    if answer.parties:
        console.print(table)
    else:
        console.print("no area delineates any party here")
    if answer.nearest_protected_km is not None:
        console.print(f"nearest protected area: {answer.nearest_protected_km:.1f} km")


@import_app.command("geojson")
@friendly
def import_geojson(
    file: Annotated[Path, typer.Argument(help="A GeoJSON FeatureCollection (WGS 84).")],
    party: Annotated[str, typer.Option(help="The party (slug or id) active in these areas.")],
    guarantor: Annotated[str, typer.Option(help="The guarantor asserting them (e.g. US, RU).")],
    valid_from: Annotated[str | None, typer.Option(help="For features without valid_from.")] = None,
    repair: Annotated[
        bool, typer.Option(help="Fix ring orientation and self-intersections.")
    ] = False,
    as_user: AsUser = None,
    key: KeyFile = None,
    agreement: AgreementOption = None,
    db: Db = None,
) -> None:
    """Import areas from FILE: every feature is checked, and nothing is stored unless all pass."""
    collection = _load_geojson(file)
    arguments = {
        "file_sha256": hashlib.sha256(file.read_bytes()).hexdigest(),
        "party": party,
        "guarantor": guarantor,
        "valid_from": valid_from,
        "repair": repair,
    }
    with (
        opened(db) as truce,
        signed_by(truce, key, as_user, "import geojson", file.name, arguments),
        truce.uow() as uow,
    ):
        found = common.agreement(uow, agreement)
        signer = actor(uow, as_user)
        start = None
        if valid_from:
            start = moment(valid_from, field="--valid-from", zone=found.timezone)
        cmd = territory.ImportAreas(
            found.id, party_id(uow, party), guarantor, collection, start, repair
        )
        result = territory.import_areas(cmd, uow, actor=signer)
    for note in result.repaired:
        console.print(f"[yellow]repaired[/yellow] {note}")
    console.print(f"[green]imported[/green] {count(len(result.area_ids), 'area')} for {guarantor}")


def _load_geojson(file: Path) -> dict[str, Any]:
    if not file.is_file():
        raise typer.BadParameter(f"no such file: {file}")
    try:
        return load_geojson(file)
    except GeoJSONError as exc:
        raise typer.BadParameter(str(exc)) from exc


@areas_app.command("export")
@friendly
def areas_export(
    file: Annotated[Path, typer.Argument(help="Where to write the GeoJSON.")],
    at: Annotated[str | None, typer.Option(help="The day or time (default: now).")] = None,
    guarantor: Annotated[str | None, typer.Option(help="Only this guarantor's layer.")] = None,
    agreement: AgreementOption = None,
    db: Db = None,
) -> None:
    """Write the areas that hold at a time to FILE as GeoJSON (re-importable)."""
    with opened(db) as truce, truce.uow(write=False) as uow:
        found = common.agreement(uow, agreement)
        chosen = moment(at, field="--at", zone=found.timezone)
        _, active = territory.areas_at(uow, chosen, guarantor=guarantor, agreement_id=found.id)
        names = {row.id: row.name for row in uow.parties.all_rows()}
    features = [exports.area_feature(area, status, names) for area, status in active]
    file.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    console.print(
        f"[green]exported[/green] {count(len(features), 'area')} holding at {chosen.isoformat()}"
    )
