"""The place search the report form uses: names in any script, over the offline gazetteer."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import FastAPI, Query
from pydantic import BaseModel

from truce.services import places


class PlaceOut(BaseModel):
    name: str
    lat: float
    lon: float
    kind: str
    country: str | None
    admin1: str | None
    admin2: str | None
    population: int
    exact: bool


class PlacesOut(BaseModel):
    items: list[PlaceOut]


def install(api: FastAPI) -> None:
    """Register the route on the API application."""

    @api.get("/places", tags=["reports"])
    def search_places(
        q: Annotated[
            str,
            Query(
                min_length=1,
                max_length=places.MAX_QUERY,
                description="The start of a place's name, or of a word of it, in any script "
                "(Latin, Arabic, Cyrillic): 'Kafr Z', 'كفر', 'Алеп'.",
            ),
        ],
        limit: Annotated[int, Query(ge=1, le=places.MAX_PLACES)] = 10,
    ) -> PlacesOut:
        """Towns, districts and provinces whose name matches, exact names first, then places
        in Syria, towns before units, the more populous first; each with its point and the
        province and district it lies in (the offline gazetteer: GeoNames, OpenSyria, UCDP)."""
        found = places.search_places(q, limit=limit)
        return PlacesOut(items=[PlaceOut(**asdict(p)) for p in found])
