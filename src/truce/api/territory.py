"""Routes for areas, applicability and disagreements."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

import numpy as np
from fastapi import Depends, FastAPI, Path, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from truce.api import schemas, views
from truce.api.deps import CurrentActor, MaybeActor, Reader, Writer, get_truce
from truce.api.schemas import MAX_ID
from truce.bootstrap import Truce
from truce.domain.errors import NotFound
from truce.domain.i18n import N_
from truce.domain.paging import DEFAULT_LIMIT
from truce.domain.permissions import redact
from truce.domain.territory import Review
from truce.domain.times import read_time
from truce.geo.disagreements import Disagreement
from truce.geo.geometry import from_wkb, to_geojson
from truce.geo.results import VERDICTS, micros
from truce.services import common, exports, territory
from truce.store.uow import UnitOfWork

AreaId = Annotated[int, Path(ge=1, le=MAX_ID)]
AgreementQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Default: newest.")]
At = Annotated[
    str | None,
    Query(
        max_length=40,
        description="A date (noon in the agreement's time zone) or an RFC 3339 time (without"
        " an offset: the agreement's clock); default: now.",
        examples=["2016-02-28", "2016-02-28T12:00:00+02:00"],
    ),
]


def _at(value: str | None, uow: UnitOfWork, agreement_id: int | None) -> datetime:
    """``at`` read as every entrypoint reads a typed time (domain/times.py)."""
    if value is None:
        return datetime.now(UTC)
    return read_time(value, field="at", zone=partial(common.timezone, uow, agreement_id))


def disagreement_json(item: Disagreement, names: dict[int, str]) -> dict[str, Any]:
    """One disagreement, with a sentence a person can read."""
    parties = [names.get(pid, str(pid)) for pid in item.party_ids]
    return {
        "kind": item.kind.value,
        "summary": _summary(item, parties),
        "area_ids": list(item.area_ids),
        "parties": parties,
        "guarantors": list(item.guarantors),
        "geometry": to_geojson(item.geometry),  # type: ignore[arg-type]
    }


def _summary(item: Disagreement, parties: list[str]) -> str:
    first = item.guarantors[0]
    if item.kind.value == "protected_vs_excluded":
        return (
            f"{first} places committed {parties[0]} where {item.guarantors[1]} places"
            f" excluded {parties[1]}"
        )
    if item.kind.value == "committed_excluded_overlap":
        return f"{first}'s map puts committed {parties[0]} and excluded {parties[1]} together"
    if item.kind.value == "one_side_only":
        return f"only {first} places {parties[0]} here"
    return f"the other guarantor disputes {first}'s area of {parties[0]}"


def install(api: FastAPI) -> None:
    """Register the routes on the API application."""
    _area_routes(api)
    _question_routes(api)


def _area_routes(api: FastAPI) -> None:
    @api.get(
        "/areas",
        tags=["territory"],
        response_model=dict[str, Any],
        responses=views.GEOJSON_DOWNLOAD,
    )
    def list_areas(
        request: Request,
        response: Response,
        uow: Reader,
        truce: Annotated[Truce, Depends(get_truce)],
        at: At = None,
        guarantor: Annotated[str | None, Query(pattern=r"^[A-Z][A-Z0-9-]{1,15}$")] = None,
        agreement_id: AgreementQuery = None,
        cursor: schemas.CursorQuery = None,
        limit: schemas.LimitQuery = DEFAULT_LIMIT,
        format: schemas.GeoJSONFormat = None,
    ) -> Any:
        """A page of the areas that hold at ``at``, by id, as a GeoJSON FeatureCollection (one
        guarantor's layer, if given); `format=geojson` downloads them all."""
        moment = _at(at, uow, agreement_id)
        if views.wants(request, format, "geojson"):
            opened = partial(truce.uow, write=False)
            found = exports.areas_geojson(
                opened, moment, guarantor=guarantor, agreement_id=agreement_id
            )
            return views.download(found)
        agreement, page = territory.areas_page(
            uow, moment, guarantor=guarantor, agreement_id=agreement_id, cursor=cursor, limit=limit
        )
        names = {row.id: row.name for row in uow.parties.all_rows()}
        features = [exports.area_feature(area, status, names) for area, status in page.items]
        head = {"type": "FeatureCollection", "agreement_id": agreement.id, "at": moment.isoformat()}
        return views.listing(page, features, request, response, items_key="features", **head)

    @api.get("/areas/{area_id}", tags=["territory"])
    def get_area(area_id: AreaId, uow: Reader, actor: MaybeActor) -> dict[str, Any]:
        """One area with every review; the public sees the states that acted, not the users."""
        row = uow.areas.get(area_id)
        if row is None:
            raise NotFound(N_("There is no area {id}."), field="area_id", id=area_id)
        fields = (
            "id",
            "agreement_id",
            "party_id",
            "asserted_by",
            "valid_from",
            "valid_to",
            "supersedes_id",
            "superseded_at",
            "label",
            "source",
            "confidence",
            "approximate",
            "review",
            "radius_m",
            "recorded_by",
            "recorded_at",
        )
        reviews = [
            redact(
                {
                    "review": r.review,
                    "reviewer_state": r.reviewer_state,
                    "reason": r.reason,
                    "reviewed_by": r.reviewed_by,
                    "reviewed_at": r.reviewed_at,
                },
                actor,
            )
            for r in uow.areas.reviews(area_id)
        ]
        data = redact({name: getattr(row, name) for name in fields}, actor)
        encoded: dict[str, Any] = jsonable_encoder(
            {**data, "geometry": to_geojson(from_wkb(row.geometry)), "reviews": reviews}
        )
        return encoded

    @api.post("/areas", status_code=201, tags=["territory"])
    def assert_area(body: schemas.AreaIn, actor: CurrentActor, uow: Writer) -> dict[str, Any]:
        area_id = territory.assert_area(territory.AssertArea(**body.model_dump()), uow, actor=actor)
        return {"id": area_id}

    @api.post("/areas/{area_id}/review", tags=["territory"])
    def review_area(
        area_id: AreaId, body: schemas.ReviewIn, actor: CurrentActor, uow: Writer
    ) -> dict[str, Any]:
        cmd = territory.ReviewArea(area_id, Review(body.review), body.reason)
        territory.review_area(cmd, uow, actor=actor)
        return {"id": area_id, "review": body.review}

    @api.post("/areas/import", status_code=201, tags=["territory"])
    def import_areas(body: schemas.ImportIn, actor: CurrentActor, uow: Writer) -> dict[str, Any]:
        cmd = territory.ImportAreas(
            **body.model_dump(exclude={"features"}), collection=body.features
        )
        result = territory.import_areas(cmd, uow, actor=actor)
        return {"ids": result.area_ids, "repaired": result.repaired}


def _question_routes(api: FastAPI) -> None:
    @api.get("/applicability", tags=["territory"], response_model=dict[str, Any])
    def applicability(
        request: Request,
        lat: Annotated[float, Query(ge=-90, le=90)],
        lon: Annotated[float, Query(ge=-180, le=180)],
        at: At = None,
        agreement_id: AgreementQuery = None,
    ) -> Response:
        """Who is active at a place and moment, each side's view, and the verdict."""
        # The hottest route: its unit of work is opened here rather than by the Reader
        # dependency, which would cost two more hops to a worker thread per request.
        with get_truce(request).uow(write=False) as uow:
            moment = _at(at, uow, agreement_id)
            answer = territory.where(uow, lat, lon, moment, agreement_id=agreement_id)
        # Already JSON-ready: a response skips validating and encoding it all over again.
        return JSONResponse(territory.answer_record(answer))

    @api.post("/applicability", tags=["territory"])
    def applicability_batch(body: schemas.BatchIn, uow: Reader) -> dict[str, Any]:
        """Verdicts for up to 100,000 (lat, lon, at) points in one request."""
        lon = np.array([p.lon for p in body.points], dtype=np.float64)
        lat = np.array([p.lat for p in body.points], dtype=np.float64)
        at = np.array([micros(p.at) for p in body.points], dtype=np.int64)
        batch = territory.where_many(uow, lon, lat, at, agreement_id=body.agreement_id)
        return {
            "verdicts": [VERDICTS[int(code)].value for code in batch.verdicts],
            "by_guarantor": {
                state: [VERDICTS[int(code)].value for code in codes]
                for state, codes in batch.by_guarantor.items()
            },
        }

    @api.get("/disagreements", tags=["territory"])
    def disagreements(
        uow: Reader, at: At = None, agreement_id: AgreementQuery = None
    ) -> dict[str, Any]:
        """Where the two guarantors' maps disagree at ``at``."""
        moment = _at(at, uow, agreement_id)
        agreement, items = territory.disagreements_at(uow, moment, agreement_id=agreement_id)
        names = {row.id: row.name for row in uow.parties.all_rows()}
        return {
            "agreement_id": agreement.id,
            "at": moment.isoformat(),
            "items": [disagreement_json(item, names) for item in items],
        }
