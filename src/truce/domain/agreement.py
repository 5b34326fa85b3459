"""An agreement: its terms, its clock, its guarantors and members, and who it excludes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from truce.domain.clocks import ClockRule
from truce.domain.clocks import rules_from as clock_rules_from
from truce.domain.errors import Forbidden, Invalid, NotFound
from truce.domain.findings import FindingRules
from truce.domain.findings import rules_from as finding_rules_from
from truce.domain.hotline import HotlineRules, rules_from
from truce.domain.i18n import N_
from truce.domain.joint import DecisionRule
from truce.domain.permissions import Action, Actor, Role, require
from truce.domain.sitreps import BulletinRules, bulletin_rules_from

if TYPE_CHECKING:  # breaches builds on parties and territory, which build on this module
    from truce.domain.breaches import BreachRule


class StateRole(StrEnum):
    """What a state is to an agreement."""

    GUARANTOR = "guarantor"
    MEMBER = "member"


@dataclass(frozen=True)
class State:
    """A state or organisation that takes part in agreements."""

    code: str
    name: str
    kind: str = "state"


@dataclass(frozen=True)
class Term:
    """One numbered, citeable obligation of an agreement."""

    number: int
    title: str
    text: str
    breach: BreachRule | None = None  # which incidents may breach it, when a machine can tell


@dataclass(frozen=True)
class Agreement:
    """One ceasefire: the facts every rule about it is checked against."""

    id: int
    slug: str
    title: str
    signed_at: datetime
    effective_at: datetime
    acceptance_deadline: datetime
    timezone: str
    guarantors: tuple[str, ...]
    members: tuple[str, ...] = ()
    excluded_lists: tuple[str, ...] = ()
    terms: tuple[Term, ...] = field(default=())
    # How the guarantors work together (agreement data): the hotline's deadlines, so far.
    procedures: Mapping[str, Any] = field(default_factory=dict)

    def term(self, number: int) -> Term:
        """The term with this number, or NotFound."""
        for term in self.terms:
            if term.number == number:
                return term
        raise NotFound(N_("The agreement has no term {number}."), field="number", number=number)

    def hotline_rules(self) -> HotlineRules:
        """How soon hotline messages are to be acknowledged under this agreement."""
        return rules_from(self.procedures.get("hotline"))

    def clock_rules(self) -> tuple[ClockRule, ...]:
        """The condition clocks this agreement keeps (``procedures.clocks``)."""
        return clock_rules_from(self.procedures.get("clocks"))

    def finding_rules(self) -> FindingRules:
        """Deadlines to assess and to answer, and the referral rule (``procedures.findings``)."""
        return finding_rules_from(self.procedures.get("findings"))

    def bulletin_rules(self) -> BulletinRules:
        """When the daily bulletin closes and what it covers (``procedures.reports``)."""
        return bulletin_rules_from(self.procedures.get("reports"))

    def decision_rule(self) -> DecisionRule:
        """How the guarantors decide together: every one approves unless the data says else."""
        given = self.procedures.get("decisions", {})
        name = given.get("rule", DecisionRule.ALL) if isinstance(given, Mapping) else None
        if not isinstance(name, str) or name not in DecisionRule.__members__.values():
            raise Invalid(
                N_("decisions.rule must be one of: {rules}."),
                field="procedures.decisions.rule",
                rules=", ".join(DecisionRule),
            )
        return DecisionRule(name)

    def breach_rules(self) -> tuple[BreachRule, ...]:
        """The rules of the terms an incident can breach, by term number."""
        return tuple(t.breach for t in sorted(self.terms, key=lambda t: t.number) if t.breach)

    def is_guarantor(self, state_code: str | None) -> bool:
        """Whether a state co-chairs this agreement."""
        return state_code is not None and state_code in self.guarantors

    def require_guarantor(self, state: str, field: str = "guarantor") -> str:
        """``state``, if it co-chairs this agreement; otherwise Invalid naming those who do.
        The one check that a state given for a guarantor is one."""
        if not self.is_guarantor(state):
            raise Invalid(
                N_("{state} is not a guarantor of this agreement; choose one of {guarantors}."),
                field=field,
                state=state,
                guarantors=", ".join(self.guarantors),
            )
        return state

    def acting_guarantor(self, actor: Actor, action: Action) -> str:
        """The guarantor state ``actor`` does ``action`` for: refused (naming the role, or the
        state that is no guarantor of this agreement) for anyone else."""
        require(actor, action)
        state = self.guarantor_of(actor)
        if state is None:
            raise Forbidden(
                N_("Only a guarantor of this agreement may do this; {state} is not one."),
                state=actor.state or "none",
            )
        return state

    def guarantor_of(self, actor: Actor | None) -> str | None:
        """The guarantor state ``actor`` speaks for under this agreement: the state of guarantor
        staff of one of its guarantors; None for anyone else. The one check that a user acts
        as a guarantor here (to review an area, propose or decide a status)."""
        if actor is None or actor.role is not Role.GUARANTOR or not self.is_guarantor(actor.state):
            return None
        return actor.state

    def is_late(self, at: datetime) -> bool:
        """Whether an acceptance made at ``at`` came after the deadline."""
        return at > self.acceptance_deadline

    def in_force(self, at: datetime) -> bool:
        """Whether the cessation had begun at ``at``."""
        return at >= self.effective_at

    def excludes_list(self, list_name: str) -> bool:
        """Whether a listing on ``list_name`` puts a party outside this agreement."""
        return list_name in self.excluded_lists


def zone(name: str) -> ZoneInfo:
    """The IANA time zone called ``name``, or a clear error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a directory, e.g. 'Asia'
        raise Invalid(
            N_("Unknown time zone {name!r}: use an IANA name such as 'Asia/Damascus'."),
            field="timezone",
            name=name,
        ) from exc


def check_agreement(agreement: Agreement) -> None:
    """Refuse an agreement whose clock, guarantors or terms do not make sense."""
    zone(agreement.timezone)
    if agreement.acceptance_deadline > agreement.effective_at:
        raise Invalid(
            N_("The acceptance deadline must not be after the cessation takes effect."),
            field="acceptance_deadline",
        )
    if agreement.signed_at > agreement.acceptance_deadline:
        raise Invalid(
            N_("The agreement must be signed before its acceptance deadline."), field="signed_at"
        )
    if len(set(agreement.guarantors)) < 2:
        raise Invalid(
            N_("An agreement needs at least two distinct guarantors."), field="guarantors"
        )
    if set(agreement.guarantors) & set(agreement.members):
        raise Invalid(N_("A state cannot be both guarantor and member."), field="members")
    numbers = [term.number for term in agreement.terms]
    if len(numbers) != len(set(numbers)) or any(n < 1 for n in numbers):
        raise Invalid(N_("Terms need positive numbers without repeats."), field="terms")
    agreement.hotline_rules()  # refuses bad hotline data, naming the field
    agreement.clock_rules()
    agreement.decision_rule()
    agreement.finding_rules()
    agreement.bulletin_rules()
    for term in agreement.terms:
        if term.breach is not None and term.breach.term != term.number:
            raise Invalid(
                N_("The breach rule of term {number} names another term."),
                field=f"terms.{term.number}.breach",
                number=term.number,
            )
