"""Request dependencies: the application, a unit of work, and who is asking."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.requests import HTTPConnection
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from truce.bootstrap import Truce
from truce.domain.errors import Unauthenticated
from truce.domain.i18n import N_
from truce.domain.permissions import Actor
from truce.ledger import intents
from truce.services import intents as intents_service
from truce.services import users
from truce.store.uow import OfferedIntent, UnitOfWork

INTENT_HEADER = "Truce-Intent"
SIGNATURE_HEADER = "Truce-Intent-Signature"
RECEIPT_HEADER = "Truce-Receipt"


class StrictBearer(HTTPBearer):
    """`Authorization: Bearer <token>`, or no Authorization header at all (the public).

    Any other Authorization header is refused, never read as the public: a client that sends
    `Basic …` or a bare token would otherwise get redacted answers and not know why.
    """

    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        header = request.headers.get("Authorization")
        if header is None:
            return None
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(
                N_(
                    "The Authorization header must be 'Bearer <token>', with a token from "
                    "POST /api/v1/tokens; send no Authorization header to read as the public."
                ),
                field="Authorization",
            )
        return HTTPAuthorizationCredentials(scheme="Bearer", credentials=token.strip())


_bearer = StrictBearer(
    auto_error=False, scheme_name="bearer", description="An API token from POST /api/v1/tokens."
)


def get_truce(request: Request) -> Truce:
    """The wired application."""
    truce: Truce = request.app.state.truce
    return truce


def client_address(request: Request) -> str:
    """The client's address, as the server saw it (behind a proxy: see docs/configuration.md)."""
    return request.client.host if request.client else ""


def reader(truce: Annotated[Truce, Depends(get_truce)]) -> Iterator[UnitOfWork]:
    """A read-only unit of work for this request."""
    with truce.uow(write=False) as uow:
        yield uow


async def offered_intent(
    request: Request, truce: Annotated[Truce, Depends(get_truce)]
) -> OfferedIntent | None:
    """The author's signed intent sent with a write (headers ``Truce-Intent`` and
    ``Truce-Intent-Signature``), matched against this very request; None without one."""
    encoded = request.headers.get(INTENT_HEADER)
    signature = request.headers.get(SIGNATURE_HEADER)
    if encoded is None and signature is None:
        return None
    if not encoded or not signature:
        raise Unauthenticated(
            N_("Send both Truce-Intent and Truce-Intent-Signature, or neither."),
            field=INTENT_HEADER,
        )
    return intents_service.offered(
        encoded,
        signature,
        intents_service.RequestFacts(
            request.method, request.url.path, intents.body_payload(await request.body())
        ),
        window_seconds=truce.settings.intent_window_seconds,
    )


def writer(
    request: Request,
    truce: Annotated[Truce, Depends(get_truce)],
    intent: Annotated[OfferedIntent | None, Depends(offered_intent)],
    actor: Annotated[Actor | None, Depends(optional_actor)],
) -> Iterator[UnitOfWork]:
    """A writing unit of work for this request; it rolls back unless the service commits.
    The entries it writes carry the author's signed intent, when one was sent; the intent is
    checked (and its nonce spent) before the service runs, so a replay is refused as one."""
    with truce.uow() as uow:
        uow.intent = intent
        request.state.truce_writer = uow  # for the receipt (see api/app.py)
        if intent is not None and actor is not None:
            uow.accept_intent(actor)
        yield uow


def optional_actor(
    truce: Annotated[Truce, Depends(get_truce)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor | None:
    """The token's actor, None for the public; a token that is sent must be valid."""
    if credentials is None:
        return None
    with truce.uow(write=False) as uow:
        return users.actor_for_token(credentials.credentials, uow)


def current_actor(actor: Annotated[Actor | None, Depends(optional_actor)]) -> Actor:
    """The token's actor; 401 without one."""
    if actor is None:
        raise Unauthenticated(N_("Sign in: send an API token as 'Authorization: Bearer <token>'."))
    return actor


Reader = Annotated[UnitOfWork, Depends(reader)]
Writer = Annotated[UnitOfWork, Depends(writer)]
MaybeActor = Annotated[Actor | None, Depends(optional_actor)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
