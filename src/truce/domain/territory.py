"""Where the ceasefire applies: areas asserted by guarantors, and the verdict for a place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import IntFlag, StrEnum

from truce.domain.agreement import Agreement
from truce.domain.errors import Forbidden, Invalid
from truce.domain.i18n import N_
from truce.domain.parties import Status
from truce.domain.permissions import Action, Actor, Role, require


class Verdict(StrEnum):
    """Whether a place is protected at a moment."""

    PROTECTED = "protected"  # only committed parties are active there
    EXCLUDED = "excluded"  # only excluded parties
    MIXED = "mixed"  # both: strikes on the excluded party endanger a committed one
    UNKNOWN = "unknown"  # no delineation says who is there (or nobody with a decided status)
    NOT_IN_FORCE = "not_in_force"  # the cessation had not begun (or no agreement applies)


# The verdicts in words, for pages and reports (translated where shown).
VERDICT_WORDS: dict[str, str] = {
    Verdict.PROTECTED: N_("protected"),
    Verdict.EXCLUDED: N_("excluded"),
    Verdict.MIXED: N_("mixed"),
    Verdict.UNKNOWN: N_("unknown"),
    Verdict.NOT_IN_FORCE: N_("not in force"),
}


class Review(StrEnum):
    """The other guarantor's answer to an area one guarantor asserted."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DISPUTED = "disputed"


@dataclass(frozen=True)
class Area:
    """One guarantor's assertion that a party is active in an area, as stored: the geometry as
    WKB (WGS 84) with its bounds, and how the other guarantor answered (``review``)."""

    id: int  # 0 until stored
    agreement_id: int
    party_id: int
    asserted_by: str
    valid_from: datetime
    valid_to: datetime | None
    geometry: bytes
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float
    recorded_by: str
    recorded_at: datetime
    supersedes_id: int | None = None
    superseded_at: datetime | None = None  # when a later assertion replaced it
    label: str = ""
    source: str = ""
    confidence: str = "medium"
    approximate: bool = False
    review: str = "pending"
    point_lon: float | None = None
    point_lat: float | None = None
    radius_m: float | None = None


class Presence(IntFlag):
    """Which kinds of party are present at a place; combined with bitwise or."""

    NONE = 0
    COMMITTED = 1
    EXCLUDED = 2
    OTHER = 4  # suspended or unknown: present, but neither protected nor excluded


def presence_of(status: Status) -> Presence:
    """The presence flag of a party with this status."""
    if status is Status.COMMITTED:
        return Presence.COMMITTED
    if status is Status.EXCLUDED:
        return Presence.EXCLUDED
    return Presence.OTHER


def verdict_of(presence: Presence, in_force: bool = True) -> Verdict:
    """The verdict for the parties present at a place."""
    if not in_force:
        return Verdict.NOT_IN_FORCE
    committed = bool(presence & Presence.COMMITTED)
    excluded = bool(presence & Presence.EXCLUDED)
    if committed and excluded:
        return Verdict.MIXED
    if committed:
        return Verdict.PROTECTED
    if excluded:
        return Verdict.EXCLUDED
    return Verdict.UNKNOWN


def verdict_for(statuses: Iterable[Status], in_force: bool = True) -> Verdict:
    """The verdict for the statuses of the parties present at a place."""
    presence = Presence.NONE
    for status in statuses:
        presence |= presence_of(status)
    return verdict_of(presence, in_force)


@dataclass(frozen=True)
class Validity:
    """When an area holds: from ``start`` until ``end`` (open-ended when None)."""

    start: datetime
    end: datetime | None = None

    def holds(self, at: datetime) -> bool:
        """Whether the area holds at ``at``; the end is exclusive."""
        return self.start <= at and (self.end is None or at < self.end)


def check_validity(valid_from: datetime, valid_to: datetime | None) -> Validity:
    """A validity whose end comes after its start."""
    if valid_to is not None and valid_to <= valid_from:
        raise Invalid(N_("valid_to must come after valid_from."), field="valid_to")
    return Validity(valid_from, valid_to)


def until(validity: Validity, successor_start: datetime | None) -> Validity:
    """The validity of an area once a later assertion replaces it from ``successor_start``."""
    if successor_start is None:
        return validity
    end = successor_start if validity.end is None else min(validity.end, successor_start)
    return Validity(validity.start, max(end, validity.start))


def check_asserter(actor: Actor, agreement: Agreement, guarantor: str) -> str:
    """The guarantor an area is asserted for: a guarantor asserts for its own state only."""
    require(actor, Action.ASSERT_AREA)
    agreement.require_guarantor(guarantor)
    if actor.role is Role.GUARANTOR and actor.state != guarantor:
        raise Forbidden(
            N_("Guarantor staff assert areas for their own state ({state})."),
            state=actor.state or "",
        )
    return guarantor


def check_reviewer(actor: Actor, agreement: Agreement, asserted_by: str) -> str:
    """The reviewing state: only the other guarantor may accept or dispute an area."""
    require(actor, Action.REVIEW_AREA)
    state = agreement.guarantor_of(actor)
    if state is None:
        raise Forbidden(N_("Only a guarantor of this agreement may review an area."))
    if state == asserted_by:
        raise Forbidden(
            N_("{state} asserted this area; only the other guarantor may accept or dispute it."),
            state=asserted_by,
        )
    return state


CONFIDENCE = ("low", "medium", "high")


def check_confidence(value: str) -> str:
    """One of low, medium, high."""
    if value not in CONFIDENCE:
        raise Invalid(N_("confidence must be one of low, medium, high."), field="confidence")
    return value
