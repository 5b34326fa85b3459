"""Turning failures into HTTP answers that say what to fix, never a bare 500 for bad input."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from truce.domain.errors import DomainError, TooManyAttempts
from truce.store.uow import NoSecret

log = logging.getLogger("truce.api")

STATUS = {
    "invalid": 422,
    "not_found": 404,
    "unauthenticated": 401,
    "forbidden": 403,
    "conflict": 409,
    "too_many_requests": 429,
}


_BODY_UNREADABLE = "the body must be JSON, encoded in UTF-8"


def error_body(detail: str, code: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    """The JSON every error answer carries."""
    return {"detail": detail, "code": code, "field": field, **extra}


def _field(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(p) for p in location)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = STATUS.get(exc.code, 400)
    if isinstance(exc, TooManyAttempts):
        body = error_body(str(exc), exc.code, exc.field, retry_after=exc.retry_after)
        return JSONResponse(body, status, headers={"Retry-After": str(exc.retry_after)})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    extra: dict[str, Any] = {}
    if status == 422:  # every problem, as for malformed input; a report lists all it has
        problems = getattr(exc, "problems", None)
        extra["errors"] = (
            [{"field": p.field, "message": p.render(), "type": "invalid"} for p in problems]
            if problems
            else [{"field": exc.field or "body", "message": str(exc), "type": "invalid"}]
        )
    return JSONResponse(error_body(str(exc), exc.code, exc.field, **extra), status, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": _field(tuple(e.get("loc", ()))),
            "message": e.get("msg", ""),
            "type": e.get("type"),
        }
        for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": None, "message": "invalid request"}
    detail = f"{first['field']}: {first['message']}" if first["field"] else str(first["message"])
    return JSONResponse(error_body(detail, "invalid", first["field"], errors=errors), 422)


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400:
        # FastAPI's answer to a body it cannot read at all (not UTF-8): malformed input, like
        # a body that is not JSON, so the same 422 that names the field.
        problem = {"field": "body", "message": _BODY_UNREADABLE, "type": "body_unreadable"}
        detail = f"body: {_BODY_UNREADABLE}"
        return JSONResponse(error_body(detail, "invalid", "body", errors=[problem]), 422)
    code = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
    return JSONResponse(
        error_body(str(exc.detail), code.get(exc.status_code, "error")),
        exc.status_code,
        headers=getattr(exc, "headers", None),
    )


RETRY_AFTER_BUSY = 2  # seconds: a writer's turn rarely takes longer


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    """503 with ``Retry-After``: no secret to sign with, or the database did not give this
    request its turn in time (the writers' pool is exhausted, a lock wait ran out, SQLite is
    locked by another process) or could not be reached."""
    log.warning("service unavailable: %s", exc)
    message = str(exc) if isinstance(exc, NoSecret) else "the database is busy; retry shortly"
    wait = RETRY_AFTER_BUSY
    body = error_body(message, "unavailable", retry_after=wait)
    return JSONResponse(body, 503, headers={"Retry-After": str(wait)})


async def _integrity(request: Request, exc: Exception) -> JSONResponse:
    # Two requests raced for the same unique name; the loser learns it, nothing is half-stored.
    log.info("integrity conflict: %s", exc.__class__.__name__)
    return JSONResponse(
        error_body("a conflicting change was made at the same time; retry", "conflict"), 409
    )


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(NoSecret, _unavailable)
    app.add_exception_handler(OperationalError, _unavailable)
    app.add_exception_handler(PoolTimeout, _unavailable)
    app.add_exception_handler(IntegrityError, _integrity)
