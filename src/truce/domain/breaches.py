"""Each term of an agreement as a rule a machine can check, and the check of one incident.

A term that an incident can breach carries a :class:`BreachRule` (data, in the scenario):
which kinds of incident breach it and which relation between the perpetrator and the target
(or the place) makes it a breach. ``check_incident`` applies the rules to one incident's facts
(its kinds, its perpetrators and targets with their status then) at its applicability (the
territory engine's verdict for its place and time) and says, per term and party, whether it is
an **allegation**, **not a violation** (with the reason: an excluded area, a perpetrator outside
the cessation), **flagged** for the guarantors (a mixed area, an undecided status, a term that
needs their assessment) or breaches **no term**. Nothing here decides a finding: an allegation
is only the claim the guarantors then assess.

The cessation binds only the parties committed to it, so the perpetrator's status is not part
of a rule: a committed perpetrator can breach a term, an excluded one cannot, and one whose
status is undecided (unknown, suspended) is flagged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from truce.domain.errors import Invalid
from truce.domain.events import TAXONOMY, EventKind, event_kind
from truce.domain.i18n import N_, Word
from truce.domain.parties import Status
from truce.domain.territory import Verdict


class Relation(StrEnum):
    """What the perpetrator did it to (or where) for a kind of incident to breach a term."""

    COVERED_PARTY = "covered_party"  # a party committed to the cessation
    CIVILIANS = "civilians"  # civilians, in protected territory
    PROTECTED_TERRITORY = "protected_territory"  # anything, in protected territory
    ANY = "any"  # anyone, anywhere the cessation applies


class Outcome(StrEnum):
    """What the check says of an incident, or of one term and party."""

    ALLEGATION = "allegation"  # it may breach the term: the guarantors assess the allegation
    FLAGGED = "flagged"  # it may: the guarantors must look (mixed area, undecided status, term 5)
    NOT_A_VIOLATION = "not_a_violation"  # it matches a term's kinds, but the term does not apply
    NO_TERM = "no_term"  # no term covers an incident of its kinds


# The most telling outcome of several, first.
_RANK = (Outcome.ALLEGATION, Outcome.FLAGGED, Outcome.NOT_A_VIOLATION, Outcome.NO_TERM)

# Outcomes that open an allegation record (state ``open``).
OPENS_ALLEGATION = frozenset({Outcome.ALLEGATION, Outcome.FLAGGED})

N_("allegation"), N_("flagged"), N_("not_a_violation"), N_("no_term")  # the vocabulary

# The outcomes in words, for pages and reports (translated where shown).
OUTCOME_WORDS: dict[str, str] = {
    Outcome.ALLEGATION: N_("may breach a term"),
    Outcome.FLAGGED: N_("flagged for the guarantors"),
    Outcome.NOT_A_VIOLATION: N_("not a violation"),
    Outcome.NO_TERM: N_("no term engaged"),
}


@dataclass(frozen=True)
class KindPattern:
    """An ACLED event type (or ``Ceasefire``) with one of its sub-types, or all of them."""

    event_type: str
    sub_event_type: str | None = None  # None: every sub-type of the event type

    def matches(self, kind: EventKind) -> bool:
        """Whether ``kind`` is of this pattern."""
        return kind.event_type == self.event_type and self.sub_event_type in (
            None,
            kind.sub_event_type,
        )


@dataclass(frozen=True)
class BreachRule:
    """Which incidents may breach term ``term``: of one of ``kinds``, by a committed party,
    against a target or at a place in one of ``targets``. ``assess``: a match is flagged for the
    guarantors (whether force was proportionate is theirs to judge), never an allegation."""

    term: int
    kinds: tuple[KindPattern, ...]
    targets: tuple[Relation, ...]
    assess: bool = False

    def covers(self, kinds: Sequence[EventKind]) -> bool:
        """Whether an incident of these kinds is of a kind this term forbids."""
        return any(pattern.matches(kind) for kind in kinds for pattern in self.kinds)


def parse_rule(term: int, data: Any) -> BreachRule:
    """A term's breach rule from its data, as the scenario writes it::

        {"kinds": {"Battles": "*", "Ceasefire": ["territory seized"]},
         "targets": ["covered_party"], "assess": false}

    Invalid, naming the field and the fix, for anything else.
    """
    where = f"terms.{term}.breach"
    if not isinstance(data, Mapping):
        raise Invalid(N_("{where} must be an object."), field=where, where=where)
    unknown = set(data) - {"kinds", "targets", "assess"}
    if unknown:
        raise Invalid(
            N_("{where} has unknown keys {keys}: use kinds, targets and assess."),
            field=where,
            where=where,
            keys=", ".join(sorted(unknown)),
        )
    kinds = _kinds(data.get("kinds"), f"{where}.kinds")
    targets = _targets(data.get("targets"), f"{where}.targets")
    assess = data.get("assess", False)
    if not isinstance(assess, bool):
        raise Invalid(
            N_("{where} must be true or false."), field=f"{where}.assess", where=f"{where}.assess"
        )
    return BreachRule(term, kinds, targets, assess)


def _kinds(data: Any, where: str) -> tuple[KindPattern, ...]:
    if not isinstance(data, Mapping) or not data:
        raise Invalid(
            N_('{where} must map event types to a list of sub-types, or to "*" for all.'),
            field=where,
            where=where,
        )
    patterns: list[KindPattern] = []
    for event_type, subs in data.items():
        if event_type not in TAXONOMY:
            raise Invalid(
                N_("{where}: unknown event type {event_type!r}; use one of {known}."),
                field=where,
                where=where,
                event_type=event_type,
                known=", ".join(TAXONOMY),
            )
        if subs == "*":
            patterns.append(KindPattern(event_type))
            continue
        if not isinstance(subs, list) or not subs or not all(isinstance(s, str) for s in subs):
            raise Invalid(
                N_('{where}.{event_type} must be a list of sub-types or "*".'),
                field=where,
                where=where,
                event_type=event_type,
            )
        for sub in subs:
            kind = event_kind(event_type, sub)  # Invalid for a sub-type of another type
            patterns.append(KindPattern(kind.event_type, kind.sub_event_type))
    return tuple(patterns)


def _targets(data: Any, where: str) -> tuple[Relation, ...]:
    known = ", ".join(r.value for r in Relation)
    if not isinstance(data, list) or not data:
        raise Invalid(
            N_("{where} must be a list of relations: {known}."),
            field=where,
            where=where,
            known=known,
        )
    try:
        return tuple(Relation(item) for item in data)
    except ValueError as exc:
        raise Invalid(
            N_("{where}: unknown relation; use {known}."), field=where, where=where, known=known
        ) from exc


def rule_data(rule: BreachRule) -> dict[str, Any]:
    """The rule as data, the form ``parse_rule`` reads (for the store and the ledger)."""
    kinds: dict[str, Any] = {}
    for pattern in rule.kinds:
        if pattern.sub_event_type is None:
            kinds[pattern.event_type] = "*"
        else:
            kinds.setdefault(pattern.event_type, []).append(pattern.sub_event_type)
    return {"kinds": kinds, "targets": [r.value for r in rule.targets], "assess": rule.assess}


# --- the facts of one incident --------------------------------------------------------------


@dataclass(frozen=True)
class ActorFact:
    """A perpetrator or target as the check sees it: the registry party (None when the name
    was not matched to one), the name, and the party's status at the incident's time."""

    party_id: int | None
    name: str
    status: Status | None = None  # None when the actor is not a registry party


@dataclass(frozen=True)
class IncidentFacts:
    """What the check reads of one incident. ``perpetrators`` are the assessed perpetrator
    when the guarantors have assessed it, else every perpetrator a source claims."""

    at: datetime
    kinds: tuple[EventKind, ...]
    perpetrators: tuple[ActorFact, ...] = ()
    targets: tuple[ActorFact, ...] = ()
    civilians: bool = False  # a source names civilians as the target or counts civilian victims
    sides: Mapping[int, str] = field(default_factory=dict)  # each party's side, by party id
    undetermined: bool = False  # the guarantors assessed that nobody can say who did it


class PartyPresent(Protocol):
    """A party active at the place, as the territory engine reports it."""

    @property
    def party_id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def status(self) -> Status: ...


class PlaceApplicability(Protocol):
    """The territory engine's answer for the incident's place and time (``Applicability``)."""

    @property
    def verdict(self) -> Verdict: ...
    @property
    def parties(self) -> Sequence[PartyPresent]: ...


# --- the outcome -------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """Why, as a message template and its parameters; the edge translates it. A parameter may
    be a word of a fixed vocabulary (``Word``) or another reason, translated with it."""

    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str] | None = None) -> str:
        """The reason as text, translated when given a gettext function (its parts too)."""
        tr = translate or (lambda text: text)
        params = {key: _render(value, tr) for key, value in self.params.items()}
        return tr(self.template).format(**params)

    def data(self) -> dict[str, Any]:
        """The reason as JSON data, which ``reason_from`` reads back."""
        return {"template": self.template, "params": {k: _data(v) for k, v in self.params.items()}}


def _render(value: Any, translate: Callable[[str], str]) -> Any:
    if isinstance(value, list):  # parts of one value, listed with commas
        return ", ".join(str(_render(part, translate)) for part in value)
    if isinstance(value, Reason):
        return value.render(translate)
    return translate(value) if isinstance(value, Word) else value


def _data(value: Any) -> Any:
    if isinstance(value, list):
        return {"list": [_data(part) for part in value]}
    if isinstance(value, Reason):
        return {"reason": value.data()}
    return {"word": str(value)} if isinstance(value, Word) else value


def reason_from(data: Mapping[str, Any]) -> Reason:
    """A reason stored with ``Reason.data``."""
    return Reason(str(data["template"]), {k: _value(v) for k, v in data["params"].items()})


def _value(value: Any) -> Any:
    if isinstance(value, Mapping) and "list" in value:
        return [_value(part) for part in value["list"]]
    if isinstance(value, Mapping) and "reason" in value:
        return reason_from(value["reason"])
    if isinstance(value, Mapping) and "word" in value:
        return Word(value["word"])
    return value


@dataclass(frozen=True)
class TermCheck:
    """The outcome for one term and one perpetrator (None: none identified)."""

    term: int
    party_id: int | None
    party_name: str
    outcome: Outcome
    reason: Reason


@dataclass(frozen=True)
class Check:
    """The outcome for an incident: the most telling of its terms', with its reason."""

    outcome: Outcome
    reason: Reason
    verdict: Verdict
    terms: tuple[TermCheck, ...] = ()

    @property
    def allegations(self) -> tuple[TermCheck, ...]:
        """The term checks that open an allegation (allegations and flagged ones)."""
        return tuple(t for t in self.terms if t.outcome in OPENS_ALLEGATION)


NO_TERM_REASON = N_("No term of the agreement forbids incidents of this kind.")


def check_incident(
    facts: IncidentFacts, applicability: PlaceApplicability, rules: Sequence[BreachRule]
) -> Check:
    """Which terms the incident may breach and by which party, at its place and time."""
    verdict = applicability.verdict
    checks = tuple(
        item
        for rule in sorted(rules, key=lambda r: r.term)
        if rule.covers(facts.kinds)
        for item in _check_term(rule, facts, applicability)
    )
    if not checks:
        return Check(Outcome.NO_TERM, Reason(NO_TERM_REASON), verdict)
    best = min(checks, key=lambda t: _RANK.index(t.outcome))
    return Check(best.outcome, best.reason, verdict, checks)


def _check_term(
    rule: BreachRule, facts: IncidentFacts, place: PlaceApplicability
) -> list[TermCheck]:
    def one(party: ActorFact | None, outcome: Outcome, reason: Reason) -> TermCheck:
        name = party.name if party else ""
        return TermCheck(rule.term, party.party_id if party else None, name, outcome, reason)

    verdict = place.verdict
    if verdict is Verdict.NOT_IN_FORCE:
        reason = Reason(N_("The cessation was not in force at the incident's time."))
        return [one(None, Outcome.NOT_A_VIOLATION, reason)]
    if verdict is Verdict.EXCLUDED:
        reason = Reason(
            N_(
                "Excluded area: only parties outside the cessation ({parties}) are active at "
                "the incident's place, and strikes on them continue."
            ),
            {"parties": _names(place.parties)},
        )
        return [one(None, Outcome.NOT_A_VIOLATION, reason)]
    resolved = _distinct([p for p in facts.perpetrators if p.party_id is not None])
    if not resolved:
        against = _relation(rule, facts, place, None)
        if isinstance(against, Refusal):
            return [one(None, Outcome.NOT_A_VIOLATION, against.reason)]
        if facts.undetermined:
            reason = Reason(
                N_(
                    "The guarantors assessed the perpetrator as undetermined: term {term} may "
                    "have been breached, by no party they can name."
                ),
                {"term": rule.term},
            )
            return [one(None, Outcome.FLAGGED, reason)]
        named = ", ".join(p.name for p in facts.perpetrators if p.name)
        reason = Reason(
            N_(
                "No source names a registry party as the perpetrator ({named}): the guarantors "
                "assess who did it."
            ),
            {"named": named or "-"},
        )
        return [one(None, Outcome.FLAGGED, reason)]
    found = []
    for party in resolved:
        against = _relation(rule, facts, place, party)
        if party.status is Status.EXCLUDED:
            excluded = N_("{party} is excluded from the cessation: term {term} does not bind it.")
            reason = Reason(excluded, {"party": party.name, "term": rule.term})
            found.append(one(party, Outcome.NOT_A_VIOLATION, reason))
        elif isinstance(against, Refusal):
            found.append(one(party, Outcome.NOT_A_VIOLATION, against.reason))
        else:
            found.append(one(party, *_by(rule, party, against, verdict)))
    return found


@dataclass(frozen=True)
class Refusal:
    """Why a rule's relations do not hold for an incident."""

    reason: Reason


def _relation(
    rule: BreachRule, facts: IncidentFacts, place: PlaceApplicability, by: ActorFact | None
) -> Reason | Refusal:
    """What the incident did that the term forbids (as a phrase of the reason), or why not.
    A party cannot breach a term against itself or its own side: those are left out of the
    targets, named or implied by the place."""
    allies = _allies(by, facts)
    protected = place.verdict in (Verdict.PROTECTED, Verdict.MIXED)
    others = [t for t in facts.targets if t.party_id not in allies]
    covered = [t for t in others if t.status is Status.COMMITTED]
    resolved = [t for t in others if t.party_id is not None]
    held = [p for p in place.parties if p.status is Status.COMMITTED and p.party_id not in allies]
    relations = set(rule.targets)
    # What a source says outright comes first; what the place implies after.
    if Relation.COVERED_PARTY in relations and covered:
        return Reason(N_("against {target}, a party to the cessation"), {"target": _names(covered)})
    if Relation.CIVILIANS in relations and facts.civilians and protected:
        return Reason(N_("against civilians in protected territory"))
    if Relation.COVERED_PARTY in relations and not resolved and protected and held:
        return Reason(
            N_("in protected territory, where the parties active ({parties}) are committed"),
            {"parties": _names(held)},
        )
    if Relation.PROTECTED_TERRITORY in relations and protected and held:
        return Reason(N_("in protected territory, held by {parties}"), {"parties": _names(held)})
    if Relation.ANY in relations:
        return Reason(N_("where the cessation applies"))
    if resolved:
        return Refusal(
            Reason(
                N_(
                    "The target ({target}) is not a party to the cessation, and the place is "
                    "not protected territory: {verdict}."
                ),
                {"target": _statuses(resolved), "verdict": verdict_reason(place.verdict)},
            )
        )
    return Refusal(
        Reason(
            N_(
                "No target that the term protects: no source names a committed party or "
                "civilians in protected territory: {verdict}."
            ),
            {"verdict": verdict_reason(place.verdict)},
        )
    )


# What each verdict says of a place, as a phrase of its own: the bare values are not words a
# sentence can hold ("mixed" is also a kind of quotation, "excluded" a party's status).
VERDICT_PHRASES = {
    Verdict.PROTECTED: N_("the place is protected"),
    Verdict.EXCLUDED: N_("only excluded parties are active there"),
    Verdict.MIXED: N_("committed and excluded parties are both active there"),
    Verdict.UNKNOWN: N_("no delineation says who is active there"),
    Verdict.NOT_IN_FORCE: N_("the cessation was not in force there then"),
}


def verdict_reason(verdict: Verdict) -> Reason:
    """The verdict as a phrase a reason can hold."""
    return Reason(VERDICT_PHRASES[verdict])


def _allies(party: ActorFact | None, facts: IncidentFacts) -> set[int | None]:
    """The party and the parties on its side (by the registry's ``side``)."""
    if party is None or party.party_id is None:
        return {None}
    side = facts.sides.get(party.party_id, "")
    return {None, party.party_id} | {pid for pid, s in facts.sides.items() if side and s == side}


def _by(
    rule: BreachRule, party: ActorFact, against: Reason, verdict: Verdict
) -> tuple[Outcome, Reason]:
    """The outcome for a perpetrator not excluded, once the kind and the relation hold."""
    params = {"party": party.name, "what": against, "term": rule.term}
    if party.status is not Status.COMMITTED:
        status = Word((party.status or Status.UNKNOWN).value)
        return Outcome.FLAGGED, Reason(
            N_(
                "{party}'s standing was {status}, not committed: the guarantors assess whether "
                "term {term} bound it ({what})."
            ),
            {**params, "status": status},
        )
    if verdict is Verdict.MIXED:
        return Outcome.FLAGGED, Reason(
            N_(
                "Mixed area: committed and excluded parties are both active at the place; the "
                "guarantors assess whether {party} breached term {term} ({what})."
            ),
            params,
        )
    if rule.assess:
        return Outcome.FLAGGED, Reason(
            N_(
                "For assessment: whether {party} used force beyond proportionate self-defence "
                "({what}) is for the guarantors to judge under term {term}."
            ),
            params,
        )
    return Outcome.ALLEGATION, Reason(N_("{party} may have breached term {term}: {what}."), params)


def _names(parties: Any) -> str:
    names = sorted({p.name for p in parties})
    return ", ".join(names) if names else "-"


def _statuses(actors: Sequence[ActorFact]) -> list[Reason]:
    """Each party with its status, the status a word the edge translates."""
    return [
        Reason(
            N_("{name}: {status}"),
            {"name": a.name, "status": Word((a.status or Status.UNKNOWN).value)},
        )
        for a in actors
    ]


def _distinct(actors: Sequence[ActorFact]) -> list[ActorFact]:
    seen: dict[int | None, ActorFact] = {}
    for actor in actors:
        seen.setdefault(actor.party_id, actor)
    return list(seen.values())
