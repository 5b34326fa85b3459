"""The hotline: threads between the guarantors, or between a guarantor and a party's liaison,
whose messages each receiving side must acknowledge in time.

A *side* is who speaks on a thread: a guarantor state (``state:US``) or a party, through its
liaisons (``party:12``). Each message has a priority; its acknowledgement is due a set time after
it was sent (agreement data: ``HotlineRules``; 15 minutes for urgent, 24 hours for routine by
default). A message a receiving side has not acknowledged by then is overdue. Messages are kept
verbatim, in whatever language they were written.

Whoever runs the server is not a side: admins do not read the hotline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from truce.domain.errors import Forbidden, Invalid
from truce.domain.i18n import N_
from truce.domain.permissions import Actor, Role

MAX_TEXT = 10_000
MAX_SUBJECT = 200


class Priority(StrEnum):
    URGENT = "urgent"
    ROUTINE = "routine"


class ThreadKind(StrEnum):
    GUARANTORS = "guarantors"  # every guarantor of the agreement
    LIAISON = "liaison"  # one guarantor and one party


@dataclass(frozen=True)
class HotlineRules:
    """How soon each priority must be acknowledged (agreement data)."""

    acknowledge_within: Mapping[Priority, timedelta]

    def due(self, priority: Priority, sent_at: datetime) -> datetime:
        return sent_at + self.acknowledge_within[priority]


DEFAULT_RULES = HotlineRules(
    {Priority.URGENT: timedelta(minutes=15), Priority.ROUTINE: timedelta(hours=24)}
)


def rules_from(data: Mapping[str, Any] | None) -> HotlineRules:
    """The rules an agreement's data gives (``{"acknowledge_within_minutes": {"urgent": 15,
    "routine": 1440}}``), the default for what it leaves out; Invalid naming a bad value."""
    given = (data or {}).get("acknowledge_within_minutes", {})
    if not isinstance(given, Mapping):
        raise Invalid(
            N_("acknowledge_within_minutes must map each priority to minutes."),
            field="acknowledge_within_minutes",
        )
    within = dict(DEFAULT_RULES.acknowledge_within)
    for name, minutes in given.items():
        if name not in Priority.__members__.values():
            raise Invalid(
                N_("Unknown priority {priority!r}: use urgent or routine."),
                field="acknowledge_within_minutes",
                priority=name,
            )
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 43200:
            raise Invalid(
                N_("Minutes to acknowledge must be a whole number from 1 to 43200 (30 days)."),
                field="acknowledge_within_minutes",
            )
        within[Priority(name)] = timedelta(minutes=minutes)
    return HotlineRules(within)


def state_side(state: str) -> str:
    return f"state:{state}"


def party_side(party_id: int) -> str:
    return f"party:{party_id}"


def side_of(actor: Actor | None) -> str | None:
    """The side an actor speaks for on the hotline: a guarantor's state, a liaison's party."""
    if actor is None:
        return None
    if actor.role is Role.GUARANTOR and actor.state:
        return state_side(actor.state)
    if actor.role is Role.LIAISON and actor.party_id is not None:
        return party_side(actor.party_id)
    return None


def require_side(actor: Actor | None) -> str:
    side = side_of(actor)
    if side is None:
        raise Forbidden(
            N_("Only the guarantors' desks and the parties' liaisons use the hotline."),
            field="role",
        )
    return side


def thread_sides(
    kind: ThreadKind, guarantors: tuple[str, ...], *, state: str | None, party_id: int | None
) -> tuple[str, ...]:
    """Who speaks on a new thread: every guarantor, or one guarantor and one party."""
    if kind is ThreadKind.GUARANTORS:
        return tuple(state_side(code) for code in guarantors)
    if state is None or state not in guarantors:
        raise Invalid(
            N_("A liaison thread needs state: one of the guarantors ({guarantors})."),
            field="state",
            guarantors=", ".join(guarantors),
        )
    if party_id is None:
        raise Invalid(N_("A liaison thread needs party_id: the party spoken to."), field="party_id")
    return (state_side(state), party_side(party_id))


def check_subject(subject: str) -> str:
    subject = subject.strip()
    if not subject:
        raise Invalid(N_("subject must say what the thread is about."), field="subject")
    if len(subject) > MAX_SUBJECT:
        raise Invalid(
            N_("subject is longer than {limit} characters."), field="subject", limit=MAX_SUBJECT
        )
    return subject


def check_text(text: str) -> str:
    """The message as written (never trimmed or normalised): refused only when empty or huge."""
    if not text.strip():
        raise Invalid(N_("text must hold the message."), field="text")
    if len(text) > MAX_TEXT:
        raise Invalid(N_("text is longer than {limit} characters."), field="text", limit=MAX_TEXT)
    return text


def recipients(sides: tuple[str, ...], author_side: str) -> tuple[str, ...]:
    """The sides a message must be acknowledged by: every side of the thread but its author's."""
    return tuple(side for side in sides if side != author_side)


def is_overdue(due_at: datetime, acknowledged_at: datetime | None, now: datetime) -> bool:
    """Whether a receiving side has let the deadline pass without acknowledging."""
    return acknowledged_at is None and now >= due_at


@dataclass(frozen=True)
class Thread:
    id: int
    agreement_id: int
    kind: ThreadKind
    subject: str
    sides: tuple[str, ...]
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class Receipt:
    """One receiving side of a message."""

    side: str
    due_at: datetime
    read_at: datetime | None
    read_by: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    overdue_at: datetime | None


@dataclass(frozen=True)
class Message:
    id: int
    thread_id: int
    author: str
    author_side: str
    priority: Priority
    text: str
    lang: str | None
    sent_at: datetime
    due_at: datetime
    receipts: tuple[Receipt, ...]

    def receipt(self, side: str) -> Receipt | None:
        return next((r for r in self.receipts if r.side == side), None)


class EventKind(StrEnum):
    MESSAGE = "message"
    READ = "read"
    ACKNOWLEDGED = "acknowledged"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class HotlineEvent:
    """One step of the live feed, numbered in order."""

    id: int
    thread_id: int
    message_id: int
    kind: EventKind
    side: str
    at: datetime
