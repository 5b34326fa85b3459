"""Parties, their standing under an agreement, commitments and designations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from truce.domain.agreement import Agreement
from truce.domain.errors import Conflict, Invalid
from truce.domain.i18n import N_
from truce.domain.text import fold


class Status(StrEnum):
    """A party's standing under one agreement."""

    COMMITTED = "committed"
    EXCLUDED = "excluded"
    SUSPENDED = "suspended"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Alias:
    """Another name of a party, in any language or script, and when the party went by it.

    A renamed group is one party with dated names: Jabhat al-Nusra was Jabhat Fateh al-Sham
    from 28 July 2016 and Hay'at Tahrir al-Sham from 28 January 2017. ``valid_to`` is the first
    day the name no longer held; None on either side is open."""

    text: str
    lang: str = "en"
    valid_from: date | None = None
    valid_to: date | None = None

    def valid_on(self, day: date) -> bool:
        """Whether the party went by this name on ``day``."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day < self.valid_to
        )


@dataclass(frozen=True)
class Party:
    """An armed group or force."""

    id: int
    slug: str
    name: str
    side: str = ""
    aliases: tuple[Alias, ...] = ()
    coalition_id: int | None = None
    sponsor: str | None = None
    notes: str = ""  # restricted: staff only
    uncertain: tuple[str, ...] = ()  # the facts the public record does not confirm
    sources: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        """Every name the party is known by, canonical first."""
        return (self.name, *(alias.text for alias in self.aliases))


@dataclass(frozen=True)
class Designation:
    """A listing (such as the UN Security Council sanctions list) that can exclude a party."""

    party_id: int
    list_name: str
    reference: str
    listed_at: datetime
    delisted_at: datetime | None = None
    source: str = ""
    id: int = 0  # once stored
    recorded_by: str = ""
    recorded_at: datetime | None = None

    def in_force(self, at: datetime) -> bool:
        """Whether the listing stood at ``at``."""
        return self.listed_at <= at and (self.delisted_at is None or at < self.delisted_at)


@dataclass(frozen=True)
class StatusChange:
    """A party's status from ``effective_at`` on, and why."""

    status: Status
    effective_at: datetime
    cause: str
    proposal_id: int | None = None  # the approved proposal that made it, if one did
    designation_id: int | None = None  # the designation that made it, if one did
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class Commitment:
    """A party's acceptance of the terms, made to one guarantor; late after the deadline."""

    id: int  # 0 until stored
    party_id: int
    guarantor: str
    committed_at: datetime
    late: bool
    recorded_at: datetime
    recorded_by: str
    channel: str = ""
    note: str = ""


def status_at(changes: Iterable[StatusChange], at: datetime) -> Status:
    """The status in force at ``at``: the latest change not after it, else unknown."""
    current, current_at = Status.UNKNOWN, None
    for change in changes:
        if change.effective_at <= at and (current_at is None or change.effective_at >= current_at):
            current, current_at = change.status, change.effective_at
    return current


def excluding_designation(
    agreement: Agreement, designations: Iterable[Designation], at: datetime
) -> Designation | None:
    """The designation that puts the party outside the agreement at ``at``, if any."""
    for designation in designations:
        if agreement.excludes_list(designation.list_name) and designation.in_force(at):
            return designation
    return None


@dataclass(frozen=True)
class CommitmentCheck:
    """What the rules say of a commitment that may be recorded."""

    late: bool


def check_commitment(
    agreement: Agreement,
    party: Party,
    guarantor: str,
    committed_at: datetime,
    designations: Sequence[Designation],
) -> CommitmentCheck:
    """Accept a party's commitment to a guarantor, flag it late, or refuse it with the reason."""
    agreement.require_guarantor(guarantor)
    if committed_at < agreement.signed_at:
        raise Invalid(N_("committed_at is before the agreement was signed."), field="committed_at")
    designation = excluding_designation(agreement, designations, committed_at)
    if designation is not None:
        raise Conflict(
            N_(
                "{party} is designated on {list} ({reference}), which this agreement excludes:"
                " a designated party cannot commit."
            ),
            field="party_id",
            party=party.name,
            list=designation.list_name,
            reference=designation.reference,
        )
    return CommitmentCheck(late=agreement.is_late(committed_at))


def check_new_party(name: str, existing_keys: Iterable[str]) -> str:
    """The folded key of a new party's name, refused if empty or already taken."""
    key = fold(name)
    if not key:
        raise Invalid(N_("A party needs a name with at least one letter or digit."), field="name")
    if key in set(existing_keys):
        raise Conflict(
            N_("A party named {name!r} already exists; add an alias to it instead."),
            field="name",
            name=name,
        )
    return key
