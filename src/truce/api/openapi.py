"""What the OpenAPI document says beyond what FastAPI reads off the routes: the error answers
each operation can give, and whether it needs a token or merely accepts one.

Declared here once, from what each route depends on and takes, so that a new route is
described truthfully without repeating the same `responses=` on every decorator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from truce.api.deps import current_actor
from truce.api.schemas import ErrorOut

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
BEARER = "bearer"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Sign-in is rate-limited per user and per client address (docs/api.md).
RATE_LIMITED = {("POST", "/tokens")}

_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}
_ANSWERS: dict[int, tuple[str, dict[str, Any]]] = {
    401: (
        "No valid token: none where one is needed, an unknown or revoked one, or an "
        "Authorization header that is not `Bearer <token>`.",
        {
            "WWW-Authenticate": {
                "description": "`Bearer`.",
                "required": True,
                "schema": {"type": "string"},
            }
        },
    ),
    403: ("The token's role (or state, or party) may not do this.", {}),
    404: ("Something the request names by id does not exist.", {}),
    409: ("Well formed, but the state of the agreement or the registry refuses it.", {}),
    422: ("Malformed input; `field` names what to fix and `errors` lists every problem.", {}),
    429: ("Too many attempts; wait as long as `Retry-After` says.", _RETRY_AFTER),
    503: ("The database is busy or the instance is not set up; retry shortly.", _RETRY_AFTER),
}


def install(api: FastAPI) -> None:
    """Make ``api``'s OpenAPI document declare its errors and its security per operation."""
    generate = api.openapi

    def document() -> dict[str, Any]:
        if api.openapi_schema is None:
            describe(generate(), api.routes)  # generate() caches the document it returns
        assert api.openapi_schema is not None
        return api.openapi_schema

    api.openapi = document  # type: ignore[method-assign]


def describe(document: dict[str, Any], routes: Iterable[BaseRoute]) -> None:
    """Rewrite ``document`` in place: error answers, security, and the error model."""
    for route in routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        needs_token = _depends_on(route.dependant, current_actor)
        for method in route.methods or ():
            operation = document["paths"][route.path_format][method.lower()]
            answers = operation["responses"]
            for status in error_statuses(document, route, method, needs_token):
                answers[str(status)] = _answer(status)
            operation["responses"] = dict(sorted(answers.items()))
            operation["security"] = [{BEARER: []}] if needs_token else [{}, {BEARER: []}]
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error_schema.pop("$defs", {}))
    schemas["ErrorOut"] = error_schema
    components["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from POST /api/v1/tokens. Reads work without one "
            "(restricted fields removed); every write needs one.",
        }
    }


def error_statuses(
    document: dict[str, Any], route: APIRoute, method: str, needs_token: bool
) -> list[int]:
    """The error statuses an operation can answer with."""
    operation = document["paths"][route.path_format][method.lower()]
    parameters = operation.get("parameters", [])
    content = operation.get("requestBody", {}).get("content", {})  # JSON, or a multipart form
    body: dict[str, Any] = content.get("application/json") or next(iter(content.values()), {})
    # An id in the path or the body names something that must exist; in a query it filters,
    # except the agreement, which must exist (the newest by default: none before set-up).
    named = [p["name"] for p in parameters if p["in"] == "path"]
    named += [n for n in _properties(document, body.get("schema", {})) if n.endswith("_id")]
    named += [p["name"] for p in parameters if p["name"] == "agreement_id"]
    statuses = [401]  # any request may carry a bad Authorization header
    if needs_token:
        statuses.append(403)
    if named:
        statuses.append(404)
    if needs_token and method in WRITES:
        statuses.append(409)
    if parameters or body:
        statuses.append(422)
    if (method, route.path_format) in RATE_LIMITED:
        statuses.append(429)
    statuses.append(503)
    return statuses


def _answer(status: int) -> dict[str, Any]:
    description, headers = _ANSWERS[status]
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": ERROR_REF}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def _depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return any(d.call is call or _depends_on(d, call) for d in dependant.dependencies)


def _properties(document: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document.get("components", {}).get("schemas", {}).get(name, {})
    return list(schema.get("properties", {}))
