"""The hotline: threads, messages, read receipts and acknowledgements, the overdue list and
the live feed. Every thread opened, message sent and acknowledgement is a ledger entry; the
ledger holds each message's SHA-256, not its text (the ledger is read by every signed-in
role; the hotline only by its sides). Acknowledgements and lapses are also webhooks.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from truce.domain.errors import Forbidden, Invalid, NotFound
from truce.domain.hotline import (
    HotlineEvent,
    Message,
    Priority,
    Receipt,
    Thread,
    ThreadKind,
    check_subject,
    check_text,
    recipients,
    require_side,
    thread_sides,
)
from truce.domain.i18n import N_
from truce.domain.permissions import SYSTEM, Actor, Role
from truce.domain.webhooks import HOTLINE_ACKNOWLEDGED, HOTLINE_OVERDUE
from truce.services import common, webhooks
from truce.store.ledger_store import Change
from truce.store.uow import UnitOfWork

MAX_LANG = 20
# Set after each commit that adds to the live feed: open streams look at once.
NEWS = threading.Condition()


def _tell_streams() -> None:
    with NEWS:
        NEWS.notify_all()


@dataclass(frozen=True)
class OpenThread:
    """A new thread: between every guarantor, or (``liaison``) a guarantor and a party. A desk
    speaks for its own state and a liaison for its own party: they name only the other one."""

    kind: ThreadKind
    subject: str
    state: str | None = None  # the guarantor a liaison writes to
    party_id: int | None = None  # the party a guarantor writes to
    agreement_id: int | None = None  # the newest agreement when not given


def open_thread(cmd: OpenThread, uow: UnitOfWork, *, actor: Actor) -> Thread:
    side = require_side(actor)
    agreement = common.agreement(uow, cmd.agreement_id)
    subject = check_subject(cmd.subject)
    state, party_id = cmd.state, cmd.party_id
    if cmd.kind is ThreadKind.LIAISON:
        if actor.role is Role.LIAISON:
            party_id = actor.party_id
        else:
            state = actor.state
            if party_id is None or uow.parties.get(party_id) is None:
                raise Invalid(N_("party_id must name a party of the registry."), field="party_id")
    sides = thread_sides(cmd.kind, agreement.guarantors, state=state, party_id=party_id)
    if side not in sides:
        raise Forbidden(
            N_("Only a guarantor of the agreement opens a thread between the guarantors."),
            field="kind",
        )
    thread = uow.hotline.add_thread(
        agreement.id, cmd.kind, subject, sides, actor.username, uow.now()
    )
    uow.record(
        actor,
        Change(
            "hotline.thread.opened",
            f"hotline-thread:{thread.id}",
            {
                "thread_id": thread.id,
                "kind": thread.kind.value,
                "subject": subject,
                "sides": list(sides),
                "images": {"hotline_threads": uow.images("hotline_threads", [thread.id])},
            },
        ),
    )
    uow.commit()
    return thread


def _thread_for(uow: UnitOfWork, thread_id: int, side: str) -> Thread:
    thread = uow.hotline.thread(thread_id)
    # A thread of other sides is answered as missing: its existence is theirs to know.
    if thread is None or side not in thread.sides:
        raise NotFound(N_("No hotline thread {id} of yours."), field="thread_id", id=thread_id)
    return thread


@dataclass(frozen=True)
class SendMessage:
    thread_id: int
    text: str
    priority: Priority = Priority.ROUTINE
    lang: str | None = None


def send_message(cmd: SendMessage, uow: UnitOfWork, *, actor: Actor) -> Message:
    """Send a message as written; each other side of the thread must acknowledge it in time."""
    side = require_side(actor)
    thread = _thread_for(uow, cmd.thread_id, side)
    text = check_text(cmd.text)
    lang = (cmd.lang or "").strip() or None
    if lang is not None and len(lang) > MAX_LANG:
        raise Invalid(N_("lang is a language tag such as ar, ru or en."), field="lang")
    rules = common.agreement(uow, thread.agreement_id).hotline_rules()
    now = uow.now()
    due = rules.due(cmd.priority, now)
    message = uow.hotline.add_message(
        thread,
        actor.username,
        side,
        cmd.priority,
        text,
        lang,
        now,
        due,
        recipients(thread.sides, side),
    )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    uow.record(
        actor,
        Change(
            "hotline.message.sent",
            f"hotline-message:{message.id}",
            {
                "message_id": message.id,
                "thread_id": thread.id,
                "priority": cmd.priority.value,
                "text_sha256": digest,
                "due_at": common.stamp(due),
                # The rows for replay, but never the text: only its digest is in the ledger.
                "images": {
                    "hotline_messages": uow.images("hotline_messages", [message.id]),
                    "hotline_receipts": uow.images(
                        "hotline_receipts",
                        [(message.id, s) for s in recipients(thread.sides, side)],
                    ),
                },
            },
        ),
    )
    uow.after_commit(_tell_streams)
    uow.commit()
    return message


def mark_read(thread_id: int, uow: UnitOfWork, *, actor: Actor) -> int:
    """The actor's side has read the thread: read receipts for what it had not read."""
    side = require_side(actor)
    thread = _thread_for(uow, thread_id, side)
    read = uow.hotline.mark_read(thread, side, actor.username, uow.now())
    if read:
        uow.after_commit(_tell_streams)
    uow.commit()
    return len(read)


def acknowledge(message_id: int, uow: UnitOfWork, *, actor: Actor) -> Message:
    """The actor's side acknowledges a message sent to it; once (again changes nothing)."""
    side = require_side(actor)
    message = uow.hotline.message(message_id)
    thread = uow.hotline.thread(message.thread_id) if message else None
    if message is None or thread is None or side not in thread.sides:
        raise NotFound(N_("No hotline message {id} of yours."), field="message_id", id=message_id)
    if message.receipt(side) is None:
        raise Invalid(N_("A side does not acknowledge its own message."), field="message_id")
    now = uow.now()
    if uow.hotline.acknowledge(thread, message_id, side, actor.username, now):
        late = now > message.due_at
        payload = {"message_id": message_id, "thread_id": thread.id, "side": side, "late": late}
        rows = _receipt_image(uow, message_id, side)
        uow.record(actor, Change("hotline.message.acknowledged", f"hotline-message:{message_id}",
                                 {**payload, "images": rows}))  # fmt: skip
        webhooks.emit(uow, HOTLINE_ACKNOWLEDGED, [payload])
        uow.after_commit(_tell_streams)
        uow.commit()
    found = uow.hotline.message(message_id)
    assert found is not None
    return found


@dataclass(frozen=True)
class ThreadSummary:
    thread: Thread
    messages: int
    waiting: int  # messages this side has yet to acknowledge
    last_at: datetime | None


def inbox(uow: UnitOfWork, *, actor: Actor) -> list[ThreadSummary]:
    """The actor's side's threads, newest first, with what waits for its acknowledgement."""
    side = require_side(actor)
    threads = uow.hotline.threads_of(side)
    activity = uow.hotline.activity([t.id for t in threads], side)
    return [ThreadSummary(t, *activity[t.id]) for t in threads]


def thread_messages(
    thread_id: int, uow: UnitOfWork, *, actor: Actor
) -> tuple[Thread, list[Message]]:
    side = require_side(actor)
    thread = _thread_for(uow, thread_id, side)
    return thread, uow.hotline.messages(thread.id)


def overdue(uow: UnitOfWork, *, actor: Actor) -> list[tuple[Message, Receipt]]:
    """Messages past their deadline without an acknowledgement, on the actor's side's threads:
    those it owes and those owed to it."""
    side = require_side(actor)
    mine = {t.id for t in uow.hotline.threads_of(side)}
    return [(m, r) for m, r in uow.hotline.overdue(uow.now()) if m.thread_id in mine]


def _receipt_image(uow: UnitOfWork, message_id: Any, side: Any) -> dict[str, Any]:
    """A receipt as stored, for replay (store/replay.py)."""
    return {"hotline_receipts": uow.images("hotline_receipts", [(message_id, side)])}


def report_overdue(uow: UnitOfWork) -> int:
    """Each lapse not reported yet: a ledger entry and a webhook (the worker's round)."""
    reported = []
    for message, receipt in uow.hotline.overdue(uow.now(), unreported=True):
        thread = uow.hotline.thread(message.thread_id)
        if thread is None:
            continue
        if uow.hotline.mark_overdue(thread, message.id, receipt.side, uow.now()):
            reported.append(
                {
                    "message_id": message.id,
                    "thread_id": thread.id,
                    "side": receipt.side,
                    "priority": message.priority.value,
                    "due_at": common.stamp(receipt.due_at),
                }
            )
    if reported:
        uow.record(
            SYSTEM,
            *(
                Change(
                    "hotline.message.overdue",
                    f"hotline-message:{r['message_id']}",
                    {**r, "images": _receipt_image(uow, r["message_id"], r["side"])},
                )
                for r in reported
            ),
        )
        webhooks.emit(uow, HOTLINE_OVERDUE, reported)
        uow.after_commit(_tell_streams)
    uow.commit()
    return len(reported)


def events_after(after: int, uow: UnitOfWork, *, actor: Actor) -> list[HotlineEvent]:
    """The live feed after event ``after``, as the actor's side may see it."""
    return uow.hotline.events_after(after, require_side(actor))


def last_event(uow: UnitOfWork, *, actor: Actor) -> int:
    require_side(actor)
    return uow.hotline.last_event_id()
