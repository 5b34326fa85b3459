"""What the API accepts and returns. Validation here names the field and the fix."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
)

from truce.domain.errors import Invalid
from truce.domain.paging import DEFAULT_LIMIT, MAX_CURSOR, MAX_LIMIT
from truce.domain.parties import Status
from truce.domain.permissions import Role
from truce.domain.proposals import Decision, ProposalState
from truce.domain.times import read_time

MAX_ID = 2**53 - 1

# The paging parameters of every list route (see docs/api.md, "Lists and paging").
CursorQuery = Annotated[
    str | None,
    Query(max_length=MAX_CURSOR, description="The `next` or `previous` link's cursor; opaque."),
]
LimitQuery = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (default {DEFAULT_LIMIT}).")
]
CsvFormat = Annotated[
    Literal["json", "csv"] | None,
    Query(description="csv: every matching row as a CSV download (also `Accept: text/csv`)."),
]
GeoJSONFormat = Annotated[
    Literal["json", "geojson"] | None,
    Query(
        description="geojson: every matching area as a GeoJSON download"
        " (also `Accept: application/geo+json`)."
    ),
]


def _printable(value: str) -> str:
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
        raise ValueError("must not contain control characters")
    return value


def _typed_time(value: object, info: ValidationInfo) -> object:
    # Read as every typed time is (domain/times.py). A body is read before any agreement is
    # looked up, so its times carry their offset. Pydantic would also read numbers (and
    # strings of digits) as Unix seconds or milliseconds: a guess, like a naive time.
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("must be an RFC 3339 time, e.g. 2016-02-26T12:00:00+02:00")
    try:
        return read_time(value, field=info.field_name or "time", zone=None)
    except Invalid as exc:
        raise ValueError(str(exc)) from exc


# Strict: true or 1.0 is not an id.
Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID, description="A positive integer id.")]
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
    AfterValidator(_printable),
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=300), AfterValidator(_printable)
]
LongText = Annotated[str, StringConstraints(max_length=20_000), AfterValidator(_printable)]
StateCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z][A-Z0-9-]{1,15}$"),
    Field(description="A state code such as US or RU."),
]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]
Moment = Annotated[
    AwareDatetime,
    BeforeValidator(_typed_time),
    Field(description="RFC 3339 time with an offset, e.g. 2016-02-26T12:00:00+02:00"),
]
Lang = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StateIn(Strict):
    code: StateCode
    name: Name
    kind: Annotated[str, StringConstraints(pattern=r"^(state|organisation)$")] = "state"


class TermIn(Strict):
    number: Annotated[int, Field(strict=True, ge=1, le=1000)]
    title: Name
    text: LongText


class AgreementIn(Strict):
    slug: Slug
    title: Name
    signed_at: Moment
    effective_at: Moment
    acceptance_deadline: Moment
    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    guarantors: Annotated[list[StateCode], Field(min_length=2, max_length=10)]
    members: Annotated[list[StateCode], Field(max_length=200)] = []
    excluded_lists: Annotated[list[Name], Field(max_length=50)] = []
    terms: Annotated[list[TermIn], Field(max_length=200)] = []


class AliasIn(Strict):
    text: Name
    lang: Lang = "en"
    valid_from: date | None = Field(None, description="The first day the party had this name.")
    valid_to: date | None = Field(None, description="The first day it no longer had it.")


class PartyIn(Strict):
    name: Name
    side: ShortText = ""
    aliases: Annotated[list[AliasIn], Field(max_length=200)] = []
    coalition_id: Id | None = None
    sponsor: StateCode | None = None
    notes: LongText = ""
    slug: Slug | None = None


class CommitmentIn(Strict):
    agreement_id: Id
    party_id: Id
    guarantor: StateCode
    committed_at: Moment | None = Field(
        None, description="When the party declared it; omitted means now. Liaisons omit it."
    )
    channel: ShortText = ""
    note: LongText = ""


class DesignationIn(Strict):
    party_id: Id
    list_name: Name
    reference: Name
    listed_at: Moment
    delisted_at: Moment | None = None
    source: LongText = ""


class ProposalIn(Strict):
    agreement_id: Id
    party_id: Id
    status: Status
    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=5000),
        AfterValidator(_printable),
    ]


class DecisionIn(Strict):
    decision: Decision
    reason: Annotated[str, StringConstraints(max_length=5000), AfterValidator(_printable)] = ""


class SplitIn(Strict):
    report_ids: Annotated[list[Id], Field(min_length=1, max_length=1000)]
    reason: Annotated[str, StringConstraints(max_length=5000), AfterValidator(_printable)] = ""


class MergeIn(Strict):
    incident_ids: Annotated[list[Id], Field(min_length=1, max_length=100)]
    reason: Annotated[str, StringConstraints(max_length=5000), AfterValidator(_printable)] = ""


Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=5000),
    AfterValidator(_printable),
]


class AssessmentIn(Strict):
    """Who perpetrated the incident, as one guarantor's desk proposes it: a registry party, or
    undetermined (exactly one of the two), and why."""

    party_id: Id | None = Field(
        None, description="The registry party proposed as the perpetrator; omit when undetermined."
    )
    undetermined: bool = Field(
        False, description="true: the guarantors cannot say who did it (give no party_id)."
    )
    reason: Reason = Field(description="Why: the evidence behind the assessment.")


class ApproveIn(Strict):
    reason: Annotated[str, StringConstraints(max_length=5000), AfterValidator(_printable)] = ""


class RejectIn(Strict):
    reason: Reason = Field(description="Why the assessment is rejected: required.")


class UserIn(Strict):
    username: Annotated[str, StringConstraints(min_length=3, max_length=40)]
    role: Role
    password: Annotated[str, StringConstraints(min_length=12, max_length=1000)] | None = None
    display_name: ShortText = ""
    state: StateCode | None = None
    party_id: Id | None = None


class TokenIn(Strict):
    username: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    label: ShortText = ""


class TokenOut(BaseModel):
    id: int = Field(description="The token's id, for DELETE /api/v1/tokens/{id}.")
    token: str = Field(
        description="Shown once: store it now. Send it as `Authorization: Bearer …`."
    )
    username: str
    role: Role


class Problem(BaseModel):
    """One thing wrong with a request."""

    field: str = Field(
        description="Where: a dotted path such as `terms.0.title`, or `Authorization`."
    )
    message: str
    type: str | None = Field(
        None, description="The kind of problem, e.g. `missing`, `string_too_long`."
    )


class ErrorOut(BaseModel):
    """What every error answer carries, whatever its status."""

    detail: str = Field(description="What went wrong and what to do about it, in a sentence.")
    code: str = Field(
        description="Stable, for programs: `unauthenticated` (401), `forbidden` (403), "
        "`not_found` (404), `conflict` (409), `invalid` (422), `too_many_requests` (429), "
        "`unavailable` (503)."
    )
    field: str | None = Field(description="The field at fault, when there is one.")
    errors: list[Problem] | None = Field(
        None, description="For 422: every problem found, the first of which `detail` names."
    )
    retry_after: int | None = Field(
        None, description="For 429 and 503: the seconds to wait, as `Retry-After` says."
    )


__all__ = [
    "AgreementIn",
    "AliasIn",
    "ApproveIn",
    "AssessmentIn",
    "CommitmentIn",
    "DecisionIn",
    "DesignationIn",
    "ErrorOut",
    "PartyIn",
    "Problem",
    "ProposalIn",
    "ProposalState",
    "RejectIn",
    "StateIn",
    "TokenIn",
    "TokenOut",
    "UserIn",
]


Confidence = Literal["low", "medium", "high"]
Geometry = Annotated[dict[str, Any], Field(description="A GeoJSON geometry (WGS 84 lon/lat).")]


class AreaIn(Strict):
    agreement_id: Id
    party_id: Id
    guarantor: StateCode
    geometry: Geometry
    valid_from: Moment
    valid_to: Moment | None = None
    label: ShortText = ""
    source: LongText = ""
    confidence: Confidence = "medium"
    approximate: bool = False
    supersedes_id: Id | None = None
    radius_m: Annotated[float, Field(gt=0, le=200_000)] | None = Field(
        None, description="For a Point geometry: the radius of the area, in metres."
    )
    repair: bool = Field(False, description="Fix ring orientation and self-intersections.")


class ReviewIn(Strict):
    review: Literal["accepted", "disputed"]
    reason: Annotated[str, StringConstraints(max_length=5000), AfterValidator(_printable)] = ""


class ImportIn(Strict):
    agreement_id: Id
    party_id: Id
    guarantor: StateCode
    valid_from: Moment | None = Field(None, description="For features without valid_from.")
    repair: bool = False
    features: Annotated[dict[str, Any], Field(description="A GeoJSON FeatureCollection.")]


class PointIn(Strict):
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    at: Moment


class BatchIn(Strict):
    agreement_id: Id | None = None
    points: Annotated[list[PointIn], Field(min_length=1, max_length=100_000)]
