"""Areas: asserting, reviewing and importing them; and asking where the ceasefire applies."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import shapely

from truce.domain.agreement import Agreement
from truce.domain.errors import Conflict, Invalid, NotFound
from truce.domain.i18n import N_
from truce.domain.paging import DEFAULT_LIMIT, Page
from truce.domain.parties import Status
from truce.domain.permissions import Actor
from truce.domain.territory import (
    Area,
    Review,
    Validity,
    check_asserter,
    check_confidence,
    check_reviewer,
    check_validity,
    until,
)
from truce.domain.times import read_time
from truce.geo.disagreements import Disagreement, disagreements
from truce.geo.engine import AreaFacts, PartyFacts, Territory
from truce.geo.geojson import Feature, GeoJSONError, parse, read_features
from truce.geo.geometry import AreaShape, GeometryProblem, bounds, check_area, from_wkb, to_wkb
from truce.geo.results import Applicability, Batch, Floats, Ints
from truce.services import common
from truce.store.ledger_store import Change
from truce.store.uow import UnitOfWork


@dataclass(frozen=True)
class AssertArea:
    """One guarantor's assertion that a party is active in an area from ``valid_from``."""

    agreement_id: int
    party_id: int
    guarantor: str
    geometry: dict[str, Any]
    valid_from: datetime
    valid_to: datetime | None = None
    label: str = ""
    source: str = ""
    confidence: str = "medium"
    approximate: bool = False
    supersedes_id: int | None = None
    radius_m: float | None = None
    repair: bool = False


def assert_area(cmd: AssertArea, uow: UnitOfWork, *, actor: Actor) -> int:
    """Record an area in the asserting guarantor's layer; the other side reviews it later."""
    try:
        shape = check_area(cmd.geometry, {"radius_m": cmd.radius_m}, repair=cmd.repair)
    except GeometryProblem as exc:
        raise Invalid(N_("geometry: {problem}"), field="geometry", problem=str(exc)) from exc
    area_id = store_area(cmd, uow, actor=actor, shape=shape)
    uow.commit()
    return area_id


def store_area(cmd: AssertArea, uow: UnitOfWork, *, actor: Actor, shape: AreaShape) -> int:
    """Store an area whose geometry ``shape`` is already checked, and its ledger entry, without
    committing (for loads that store many in one transaction)."""
    agreement = common.agreement(uow, cmd.agreement_id)
    common.party(uow, cmd.party_id)
    check_asserter(actor, agreement, cmd.guarantor)
    validity = check_validity(
        common.utc(cmd.valid_from, "valid_from"),
        common.utc(cmd.valid_to, "valid_to") if cmd.valid_to else None,
    )
    check_confidence(cmd.confidence)
    if cmd.supersedes_id is not None:
        _supersede(uow, cmd, validity)
    area = _area(cmd, shape, validity, actor, uow.now())
    area_id = uow.areas.add(area)
    payload = _payload(area_id, area, shape)
    # The rows as stored (the replaced area's end among them), for replay.
    replaced = [] if cmd.supersedes_id is None else [cmd.supersedes_id]
    payload["images"] = {"areas": uow.images("areas", [*replaced, area_id])}
    uow.record(actor, Change("area.asserted", f"area:{area_id}", payload))
    return area_id


def _area(
    cmd: AssertArea, shape: AreaShape, validity: Validity, actor: Actor, now: datetime
) -> Area:
    min_lon, min_lat, max_lon, max_lat = bounds(shape.geometry)
    point = shape.point or (None, None)
    return Area(
        id=0,
        agreement_id=cmd.agreement_id,
        party_id=cmd.party_id,
        asserted_by=cmd.guarantor,
        valid_from=validity.start,
        valid_to=validity.end,
        supersedes_id=cmd.supersedes_id,
        label=cmd.label.strip(),
        source=cmd.source,
        confidence=cmd.confidence,
        approximate=cmd.approximate,
        review=Review.PENDING.value,
        geometry=to_wkb(shape.geometry),
        min_lon=min_lon,
        min_lat=min_lat,
        max_lon=max_lon,
        max_lat=max_lat,
        point_lon=point[0],
        point_lat=point[1],
        radius_m=shape.radius_m,
        recorded_by=actor.username,
        recorded_at=now,
    )


def _payload(area_id: int, row: Area, shape: AreaShape) -> dict[str, Any]:
    wkt = shapely.to_wkt(shape.geometry, rounding_precision=7)
    return {
        "area_id": area_id,
        "agreement_id": row.agreement_id,
        "party_id": row.party_id,
        "guarantor": row.asserted_by,
        "valid_from": common.stamp(row.valid_from),
        "valid_to": common.stamp(row.valid_to),
        "supersedes_id": row.supersedes_id,
        "label": row.label,
        "source": row.source,
        "confidence": row.confidence,
        "approximate": row.approximate,
        "geometry_wkt": wkt,
        "geometry_sha256": hashlib.sha256(row.geometry).hexdigest(),
        "radius_m": None if shape.radius_m is None else f"{shape.radius_m:g}",
        "repaired": list(shape.repaired),
    }


def _supersede(uow: UnitOfWork, cmd: AssertArea, validity: Validity) -> None:
    old = uow.areas.get(cmd.supersedes_id or 0)
    if old is None or old.agreement_id != cmd.agreement_id:
        raise NotFound(
            N_("There is no area {id} to replace."), field="supersedes_id", id=cmd.supersedes_id
        )
    if old.party_id != cmd.party_id or old.asserted_by != cmd.guarantor:
        raise Invalid(
            N_("An area replaces an earlier area of the same party and guarantor."),
            field="supersedes_id",
        )
    if old.superseded_at is not None:
        raise Conflict(N_("Area {id} was already replaced."), field="supersedes_id", id=old.id)
    if validity.start < old.valid_from:
        raise Invalid(
            N_("A replacement cannot start before the area it replaces."), field="valid_from"
        )
    # The old row keeps its geometry and dates; this cache of when it stops holding is derived
    # from the new assertion, which the ledger records.
    uow.areas.supersede(old.id, validity.start)


@dataclass(frozen=True)
class ReviewArea:
    """The other guarantor's answer to an area: accepted or disputed, and why."""

    area_id: int
    review: Review
    reason: str = ""


def review_area(cmd: ReviewArea, uow: UnitOfWork, *, actor: Actor) -> None:
    """The other guarantor accepts or disputes an area (and may change its answer later)."""
    area_id, review, reason = cmd.area_id, cmd.review, cmd.reason
    row = uow.areas.get(area_id)
    if row is None:
        raise NotFound(N_("There is no area {id}."), field="area_id", id=area_id)
    if review is Review.PENDING:
        raise Invalid(N_("Answer accepted or disputed."), field="review")
    agreement = common.agreement(uow, row.agreement_id)
    state = check_reviewer(actor, agreement, row.asserted_by)
    review_id = uow.areas.add_review(
        area_id,
        state=state,
        review=review.value,
        reason=reason.strip(),
        by=actor.username,
        at=uow.now(),
    )
    uow.areas.set_review(area_id, review.value)
    uow.record(
        actor,
        Change(
            "area.reviewed",
            f"area:{area_id}",
            {
                "area_id": area_id,
                "review": review.value,
                "reason": reason.strip(),
                "reviewer_state": state,
                "images": {
                    "areas": uow.images("areas", [area_id]),
                    "area_reviews": uow.images("area_reviews", [review_id]),
                },
            },
        ),
    )
    uow.commit()


@dataclass(frozen=True)
class ImportAreas:
    """A GeoJSON FeatureCollection of areas, all for one party and one guarantor."""

    agreement_id: int
    party_id: int
    guarantor: str
    collection: dict[str, Any]
    valid_from: datetime | None = None
    repair: bool = False


@dataclass
class Imported:
    area_ids: list[int] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)


def import_areas(cmd: ImportAreas, uow: UnitOfWork, *, actor: Actor) -> Imported:
    """Import every feature, or none: the first problems are reported, feature by feature."""
    try:
        collection = parse(cmd.collection)
    except GeoJSONError as exc:
        raise Invalid(N_("features: {problem}"), field="features", problem=str(exc)) from exc
    good, bad = read_features(collection, repair=cmd.repair)
    if bad:
        raise Invalid(
            N_("{count} feature(s) cannot be stored; nothing was imported. {problems}"),
            field="features",
            count=len(bad),
            problems="; ".join(str(b) for b in bad[:20]),
        )
    zone = common.agreement(uow, cmd.agreement_id).timezone
    result = Imported()
    with uow.batch():
        for feature in good:
            area = _command(cmd, feature, zone)
            result.area_ids.append(store_area(area, uow, actor=actor, shape=feature.shape))
            result.repaired += [
                f"feature {feature.index + 1} ({feature.name}): {note}"
                for note in feature.shape.repaired
            ]
    return result


def _command(cmd: ImportAreas, feature: Feature, zone: str) -> AssertArea:
    props = feature.properties
    try:
        start = _moment(props.get("valid_from"), "valid_from", zone) or cmd.valid_from
        end = _moment(props.get("valid_to"), "valid_to", zone)
    except Invalid as exc:
        raise Invalid(
            N_("feature {n} ({name}): {problem}"),
            field="features",
            n=feature.index + 1,
            name=feature.name,
            problem=str(exc),
        ) from exc
    if start is None:
        raise Invalid(
            N_("feature {n} ({name}) has no valid_from; give --valid-from."),
            field="valid_from",
            n=feature.index + 1,
            name=feature.name,
        )
    return AssertArea(
        agreement_id=cmd.agreement_id,
        party_id=cmd.party_id,
        guarantor=cmd.guarantor,
        geometry={},
        valid_from=start,
        valid_to=end,
        label=str(props.get("label") or feature.name),
        source=str(props.get("source") or ""),
        confidence=str(props.get("confidence") or "medium"),
        approximate=bool(props.get("approximate", False)),
    )


def _moment(value: Any, field: str, zone: str) -> datetime | None:
    """A feature's valid_from or valid_to, read as every typed time is (domain/times.py)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise Invalid(
            N_("{name} must be a date or an RFC 3339 time, as text."), field=field, name=field
        )
    return read_time(value, field=field, zone=zone)


# --- the engine, cached per database and agreement ------------------------------------------


@dataclass(frozen=True)
class _Current:
    """An agreement as last read, what its areas depended on then, and its engine once built."""

    version: tuple[Any, ...]
    agreement: Agreement
    engine: Territory | None = None


_cache: dict[tuple[str, int], _Current] = {}
_cache_lock = threading.Lock()


def territory(uow: UnitOfWork, agreement: Agreement) -> Territory:
    """The in-process engine for an agreement, rebuilt only when its areas or statuses change."""
    engine = _current(uow, agreement.id, engine=True).engine
    assert engine is not None
    return engine


def _current(uow: UnitOfWork, agreement_id: int | None, *, engine: bool) -> _Current:
    """The agreement (the newest for None) and, if asked, its engine: cached while one query
    says that nothing they depend on has changed. Agreements themselves never change."""
    version = uow.areas.version(agreement_id)
    if version is None:  # say that it does not exist, just as reading it does
        return _read(uow, common.agreement(uow, agreement_id), version=(), engine=engine)
    key = (uow.db.url, int(version[0]))
    with _cache_lock:
        cached = _cache.get(key)
        if cached is None or cached.version[:2] != version[:2]:  # another agreement row
            cached = _read(uow, common.agreement(uow, version[0]), version, engine=engine)
        elif cached.version != version or (engine and cached.engine is None):
            cached = _read(uow, cached.agreement, version, engine=engine)
        _cache[key] = cached
        return cached


def _read(
    uow: UnitOfWork, agreement: Agreement, version: tuple[Any, ...], *, engine: bool
) -> _Current:
    if not engine:
        return _Current(version, agreement)
    facts = area_facts(uow, agreement.id), party_facts(uow, agreement.id)
    return _Current(version, agreement, Territory(agreement, *facts))


def area_facts(uow: UnitOfWork, agreement_id: int) -> list[AreaFacts]:
    """Every area of an agreement, with its validity shortened by any replacement."""
    return [_facts(row) for row in uow.areas.of(agreement_id)]


def _facts(row: Area) -> AreaFacts:
    return AreaFacts(
        row.id,
        row.party_id,
        row.asserted_by,
        row.review,
        row.label,
        row.valid_from,
        until(Validity(row.valid_from, row.valid_to), row.superseded_at).end,
        from_wkb(row.geometry),
        row.approximate,
        row.confidence,
        row.source,
    )


def party_facts(uow: UnitOfWork, agreement_id: int) -> list[PartyFacts]:
    """Every party's name and status history under an agreement."""
    changes = uow.status_changes.by_party(agreement_id)
    return [
        PartyFacts(pid, name, tuple(changes.get(pid, [])))
        for pid, name in sorted(uow.parties.names().items(), key=lambda item: (item[1], item[0]))
    ]


# --- questions -----------------------------------------------------------------------------


def where(
    uow: UnitOfWork, lat: float, lon: float, at: datetime, *, agreement_id: int | None = None
) -> Applicability:
    """Who is active at a place and moment, and whether it is protected."""
    in_postgis = uow.db.dialect == "postgresql"
    current = _current(uow, agreement_id, engine=not in_postgis)
    at = common.utc(at, "at")
    _check_place(lat, lon)
    if current.engine is None:
        return uow.postgis.answer(current.agreement, lat, lon, at)
    return current.engine.answer(lat, lon, at)


def answer_record(answer: Applicability) -> dict[str, Any]:
    """The answer for one place as JSON-ready data (the API's and `truce where --json`): the
    fields of ``Applicability``, written out because this is the API's hottest response."""
    return {
        "lat": answer.lat,
        "lon": answer.lon,
        "at": answer.at.isoformat(),
        "in_force": answer.in_force,
        "verdict": answer.verdict.value,
        "by_guarantor": {state: verdict.value for state, verdict in answer.by_guarantor.items()},
        "parties": [
            {
                "party_id": party.party_id,
                "name": party.name,
                "status": party.status.value,
                "areas": [
                    {
                        "area_id": area.area_id,
                        "guarantor": area.guarantor,
                        "review": area.review,
                        "label": area.label,
                    }
                    for area in party.areas
                ],
            }
            for party in answer.parties
        ],
        "nearest_protected_km": answer.nearest_protected_km,
    }


def where_many(
    uow: UnitOfWork,
    lon: Floats,
    lat: Floats,
    at: Ints,
    *,
    agreement_id: int | None = None,
    engine: str = "auto",
) -> Batch:
    """Verdicts for many (point, time) pairs; ``at`` in microseconds since 1970 UTC."""
    use_postgis = engine == "postgis" or (engine == "auto" and uow.db.dialect == "postgresql")
    current = _current(uow, agreement_id, engine=not use_postgis)
    if current.engine is None:
        return uow.postgis.classify(current.agreement, lon, lat, at)
    return current.engine.classify(lon, lat, at)


def _check_place(lat: float, lon: float) -> None:
    if not -90 <= lat <= 90:
        raise Invalid(N_("lat must be between -90 and 90."), field="lat")
    if not -180 <= lon <= 180:
        raise Invalid(N_("lon must be between -180 and 180."), field="lon")


def areas_at(
    uow: UnitOfWork, at: datetime, *, guarantor: str | None = None, agreement_id: int | None = None
) -> tuple[Agreement, list[tuple[AreaFacts, Status]]]:
    """The areas that hold at ``at`` (of one guarantor, if given), with their party's status."""
    agreement = _layer_of(uow, guarantor, agreement_id)
    return agreement, territory(uow, agreement).active(common.utc(at, "at"), guarantor)


def areas_page(
    uow: UnitOfWork,
    at: datetime,
    *,
    guarantor: str | None = None,
    agreement_id: int | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> tuple[Agreement, Page[tuple[AreaFacts, Status]]]:
    """One page of the areas that hold at ``at``, by id, read from the database (``areas_at``
    answers the same from the in-process engine)."""
    agreement = _layer_of(uow, guarantor, agreement_id)
    moment = common.utc(at, "at")
    found = uow.areas.active_page(
        agreement.id, moment, guarantor=guarantor, cursor=cursor, limit=limit
    )
    return agreement, found.map(lambda item: (_facts(item[0]), item[1]))


def _layer_of(uow: UnitOfWork, guarantor: str | None, agreement_id: int | None) -> Agreement:
    agreement = common.agreement(uow, agreement_id)
    if guarantor is not None:
        agreement.require_guarantor(guarantor)
    return agreement


def disagreements_at(
    uow: UnitOfWork, at: datetime, *, agreement_id: int | None = None
) -> tuple[Agreement, list[Disagreement]]:
    """Where the guarantors' maps disagree at ``at``."""
    agreement, active = areas_at(uow, at, agreement_id=agreement_id)
    return agreement, disagreements(active)
