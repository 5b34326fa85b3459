"""Routes for the hotline: threads, messages, read receipts, acknowledgements, the overdue list,
and the live feed as server-sent events (``sse-starlette``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import FastAPI, Header, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from pydantic import Field, StringConstraints
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from truce.api.deps import CurrentActor, Reader, Writer
from truce.api.schemas import MAX_ID, Strict
from truce.bootstrap import Truce
from truce.domain.hotline import (
    MAX_SUBJECT,
    MAX_TEXT,
    HotlineEvent,
    Message,
    Priority,
    Thread,
    ThreadKind,
)
from truce.domain.permissions import Actor
from truce.services import hotline

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
POLL_SECONDS = 1.0  # how often an open stream looks for new events


class ThreadIn(Strict):
    kind: ThreadKind
    subject: Annotated[str, StringConstraints(min_length=1, max_length=MAX_SUBJECT)]
    state: Annotated[str, StringConstraints(max_length=10)] | None = Field(
        None, description="The guarantor a liaison writes to."
    )
    party_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        None, description="The party a guarantor writes to."
    )
    agreement_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None


class MessageIn(Strict):
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
    priority: Priority = Priority.ROUTINE
    lang: Annotated[str, StringConstraints(max_length=20)] | None = None


def thread_view(thread: Thread) -> dict[str, Any]:
    data: dict[str, Any] = jsonable_encoder(asdict(thread))
    return data


def message_view(message: Message) -> dict[str, Any]:
    data: dict[str, Any] = jsonable_encoder(asdict(message))
    return data


def event_view(event: HotlineEvent, message: Message | None) -> dict[str, Any]:
    data: dict[str, Any] = jsonable_encoder(asdict(event))
    data["message"] = message_view(message) if message is not None else None
    return data


def _feed(truce: Truce, actor: Actor, after: int) -> list[dict[str, Any]]:
    with truce.uow(write=False) as uow:
        found = hotline.events_after(after, uow, actor=actor)
        messages = {m: uow.hotline.message(m) for m in {e.message_id for e in found}}
    return [event_view(e, messages[e.message_id]) for e in found]


async def event_stream(
    truce: Truce, actor: Actor, after: int, disconnected: Callable[[], Awaitable[bool]]
) -> AsyncIterator[dict[str, Any]]:
    """Every event after ``after`` the actor's side may see, then each new one as it comes;
    each carries its number as the SSE id, so a browser that reconnects (sending
    Last-Event-ID) gets what it missed and nothing twice."""
    last = after
    while not await disconnected():
        for item in await run_in_threadpool(_feed, truce, actor, last):
            last = item["id"]
            yield {
                "id": str(item["id"]),
                "event": item["kind"],
                "data": json.dumps(item, ensure_ascii=False),
            }
        await asyncio.sleep(POLL_SECONDS)


def last_seen(header: str | None, query: int | None) -> int:
    """Where a stream starts: the browser's Last-Event-ID, else ``after``, else the start."""
    if header and header.strip().isdigit():
        return int(header.strip())
    return query or 0


def install(api: FastAPI) -> None:
    """Register the routes on the API application."""

    @api.get("/hotline/threads", tags=["hotline"])
    def list_threads(actor: CurrentActor, uow: Reader) -> list[dict[str, Any]]:
        """The threads of the caller's side (its state, or its party), newest first, with the
        messages it has yet to acknowledge."""
        return [
            {
                **thread_view(s.thread),
                "messages": s.messages,
                "waiting": s.waiting,
                "last_at": s.last_at,
            }
            for s in hotline.inbox(uow, actor=actor)
        ]

    @api.post("/hotline/threads", status_code=201, tags=["hotline"])
    def open_thread(body: ThreadIn, actor: CurrentActor, uow: Writer) -> dict[str, Any]:
        """Open a thread between the guarantors, or between a guarantor and a party."""
        cmd = hotline.OpenThread(body.kind, body.subject, body.state, body.party_id,
                                 body.agreement_id)  # fmt: skip
        return thread_view(hotline.open_thread(cmd, uow, actor=actor))

    @api.get("/hotline/threads/{thread_id}", tags=["hotline"])
    def get_thread(thread_id: Id, actor: CurrentActor, uow: Reader) -> dict[str, Any]:
        """A thread with its messages, each with every receiving side's receipt."""
        thread, messages = hotline.thread_messages(thread_id, uow, actor=actor)
        return {**thread_view(thread), "messages": [message_view(m) for m in messages]}

    @api.post("/hotline/threads/{thread_id}/messages", status_code=201, tags=["hotline"])
    def send_message(
        thread_id: Id, body: MessageIn, actor: CurrentActor, uow: Writer
    ) -> dict[str, Any]:
        """Send a message, kept as written; each other side must acknowledge it in time."""
        cmd = hotline.SendMessage(thread_id, body.text, body.priority, body.lang)
        return message_view(hotline.send_message(cmd, uow, actor=actor))

    @api.post("/hotline/threads/{thread_id}/read", tags=["hotline"])
    def mark_read(thread_id: Id, actor: CurrentActor, uow: Writer) -> dict[str, int]:
        """Read receipts for the messages the caller's side had not read."""
        return {"read": hotline.mark_read(thread_id, uow, actor=actor)}

    @api.post("/hotline/messages/{message_id}/acknowledge", tags=["hotline"])
    def acknowledge(message_id: Id, actor: CurrentActor, uow: Writer) -> dict[str, Any]:
        """Acknowledge a message to the caller's side (again: nothing changes)."""
        return message_view(hotline.acknowledge(message_id, uow, actor=actor))

    @api.get("/hotline/overdue", tags=["hotline"])
    def list_overdue(actor: CurrentActor, uow: Reader) -> list[dict[str, Any]]:
        """Messages past their deadline that a side has not acknowledged, on the caller's
        threads: those it owes and those owed to it."""
        return [
            {"message": message_view(m), "side": r.side, "due_at": r.due_at}
            for m, r in hotline.overdue(uow, actor=actor)
        ]

    @api.get("/hotline/events", tags=["hotline"], response_class=EventSourceResponse)
    async def stream_events(
        request: Request,
        actor: CurrentActor,
        after: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
        last_event_id: Annotated[str | None, Header(max_length=20)] = None,
    ) -> EventSourceResponse:
        """Server-sent events of the caller's threads: `message`, `read`, `acknowledged`,
        `overdue`, each with its number as the event id. Reconnecting with Last-Event-ID
        (browsers do) or `after` replays what was missed."""
        truce: Truce = request.app.state.truce
        start = last_seen(last_event_id, after)
        with truce.uow(write=False) as uow:
            hotline.last_event(uow, actor=actor)  # 403 now for who is no side, not mid-stream
        return EventSourceResponse(event_stream(truce, actor, start, request.is_disconnected))
