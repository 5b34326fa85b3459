"""Signed intents as entrypoints receive them: decoded, checked and matched to the request.

The unit of work then checks the intent against its author (their key, the clock, the nonce)
when the service records its change (store/uow.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from truce.domain.errors import Unauthenticated
from truce.domain.i18n import N_
from truce.ledger import intents
from truce.store.uow import OfferedIntent


@dataclass(frozen=True)
class RequestFacts:
    """What the intent must match: the request's method, path and payload."""

    method: str
    path: str
    payload: dict[str, Any]

    def expected(self) -> dict[str, Any]:
        return {
            "action": intents.operation(self.method, self.path),
            "subject": self.path,
            "payload": self.payload,
        }


def decode(encoded: str) -> dict[str, Any]:
    """An intent from base64url canonical JSON; Unauthenticated naming what is wrong."""
    try:
        data = json.loads(intents.b64url_decode(encoded).decode("utf-8"))
        return intents.parse(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Unauthenticated(
            N_("The signed intent is malformed: {problem}."), field="Truce-Intent", problem=str(exc)
        ) from exc


def offered(
    encoded: str | dict[str, Any], signature: str, facts: RequestFacts, *, window_seconds: int
) -> OfferedIntent:
    """An intent matched against the request it came with, ready for the unit of work."""
    intent = decode(encoded) if isinstance(encoded, str) else _parsed(encoded)
    if problem := intents.mismatch(intent, facts.expected()):
        raise Unauthenticated(
            N_("The signed intent does not match this request: {problem}."),
            field="Truce-Intent",
            problem=problem,
        )
    try:
        intents.client_time(intent)  # malformed times are refused before any work
    except intents.BadIntent as exc:
        raise Unauthenticated(
            N_("The signed intent is malformed: {problem}."), field="Truce-Intent", problem=str(exc)
        ) from exc
    return OfferedIntent(intent, signature.strip(), timedelta(seconds=window_seconds))


def _parsed(intent: dict[str, Any]) -> dict[str, Any]:
    try:
        return intents.parse(intent)
    except ValueError as exc:
        raise Unauthenticated(
            N_("The signed intent is malformed: {problem}."), field="Truce-Intent", problem=str(exc)
        ) from exc
