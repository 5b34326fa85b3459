"""Errors the rules raise. Each names what went wrong, and the field when there is one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from truce.domain.i18n import Word


class DomainError(Exception):
    """A rule refused a request. The message is a template filled from ``params``."""

    code = "invalid"

    def __init__(self, template: str, *, field: str | None = None, **params: Any) -> None:
        self.template = template
        self.field = field
        self.params = params
        super().__init__(self.render())

    def render(self, translate: Callable[[str], str] | None = None) -> str:
        """The message, translated when given a gettext function (its Word parameters too)."""
        if translate is None:
            return self.template.format(**self.params) if self.params else self.template
        params = {
            name: translate(value) if isinstance(value, Word) else value
            for name, value in self.params.items()
        }
        template = translate(self.template)
        return template.format(**params) if params else template


class Invalid(DomainError):
    """The request is malformed or breaks a value rule (HTTP 422)."""

    code = "invalid"


class NotFound(DomainError):
    """What the request names does not exist (HTTP 404)."""

    code = "not_found"


class Unauthenticated(DomainError):
    """The request carries no valid credentials (HTTP 401)."""

    code = "unauthenticated"


class Forbidden(DomainError):
    """The actor's role does not allow this (HTTP 403)."""

    code = "forbidden"


class Conflict(DomainError):
    """The request is well formed but the state of the agreement refuses it (HTTP 409)."""

    code = "conflict"


class TooManyAttempts(DomainError):
    """Too many failures in a short time; refused for ``retry_after`` seconds (HTTP 429)."""

    code = "too_many_requests"

    def __init__(self, template: str, *, retry_after: int, **params: Any) -> None:
        self.retry_after = retry_after
        super().__init__(template, seconds=retry_after, **params)
