"""Condition clocks (the September 2016 model): "N consecutive days of reduced violence and
humanitarian access", counted from the incidents.

A clock's rule is agreement data (``procedures.clocks``): how many calm days it takes, which
incidents count against it (their outcome against the terms, their place's verdict, their
family of kinds) and how many such incidents a day may hold and still be calm. Days are the
agreement's local days. The clock runs from the cessation's start; the first day that is not
calm stops it, and a stopped clock stays stopped until every guarantor agrees to reset it
(``all_agree``); it then counts again from the day of the reset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from truce.domain.errors import Invalid
from truce.domain.events import Family
from truce.domain.i18n import N_
from truce.domain.joint import JointState, Vote

MAX_DAYS = 365
MAX_REASON = 2000


@dataclass(frozen=True)
class ClockRule:
    """What a clock counts (agreement data)."""

    key: str
    name: str
    days: int  # calm days in a row that meet the condition
    outcomes: frozenset[str]  # the incident's outcome against the terms
    verdicts: frozenset[str]  # the place's applicability then
    families: frozenset[Family]  # of the incident's kinds
    at_most_per_day: int = 0  # counted incidents a day may hold and still be calm

    def counts(self, outcome: str | None, verdict: str | None, families: Iterable[Family]) -> bool:
        """Whether an incident counts against the clock."""
        return (
            outcome in self.outcomes
            and verdict in self.verdicts
            and any(f in self.families for f in families)
        )


_OUTCOMES = ("allegation", "flagged", "not_a_violation", "no_term")
_VERDICTS = ("protected", "excluded", "mixed", "unknown", "not_in_force")


def _names(value: Any, allowed: Sequence[str], field_name: str) -> frozenset[str]:
    if not isinstance(value, list) or not value or not all(v in allowed for v in value):
        raise Invalid(
            N_("{name} must list one or more of: {allowed}."),
            field=field_name,
            name=field_name,
            allowed=", ".join(allowed),
        )
    return frozenset(value)


def rule_from(key: str, data: Mapping[str, Any]) -> ClockRule:
    """A clock rule from agreement data; Invalid naming the field at fault."""
    where = f"clocks.{key}"
    days = data.get("days")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise Invalid(N_("days must be a whole number from 1 to 365."), field=f"{where}.days")
    most = data.get("at_most_per_day", 0)
    if not isinstance(most, int) or isinstance(most, bool) or most < 0:
        raise Invalid(
            N_("at_most_per_day must be a whole number, 0 or more."),
            field=f"{where}.at_most_per_day",
        )
    families = _names(data.get("families"), [f.value for f in Family], f"{where}.families")
    return ClockRule(
        key=key,
        name=str(data.get("name") or key),
        days=days,
        outcomes=_names(data.get("outcomes"), _OUTCOMES, f"{where}.outcomes"),
        verdicts=_names(data.get("verdicts"), _VERDICTS, f"{where}.verdicts"),
        families=frozenset(Family(f) for f in families),
        at_most_per_day=most,
    )


def rules_from(data: Mapping[str, Any] | None) -> tuple[ClockRule, ...]:
    """Every clock an agreement's ``procedures.clocks`` defines, by key."""
    if not data:
        return ()
    if not isinstance(data, Mapping):
        raise Invalid(N_("clocks must map each clock's key to its rule."), field="clocks")
    return tuple(rule_from(str(key), rule) for key, rule in sorted(data.items()))


class SpanEnd(StrEnum):
    RUNNING = "running"  # still counting today
    BREACHED = "breached"  # stopped by a day that was not calm
    RESET = "reset"  # the guarantors reset it while it ran


@dataclass(frozen=True)
class Span:
    """One run of the clock: from its start (the cessation, or a reset) to now or its breach."""

    started_on: date
    calm_days: int
    end: SpanEnd
    stopped_on: date | None = None  # the breached day
    breaches: int = 0  # counted incidents that day


@dataclass(frozen=True)
class ClockState:
    rule: ClockRule
    today: date
    spans: tuple[Span, ...] = field(default=())

    @property
    def current(self) -> Span | None:
        return self.spans[-1] if self.spans else None

    @property
    def running(self) -> bool:
        return self.current is not None and self.current.end is SpanEnd.RUNNING

    @property
    def calm_days(self) -> int:
        return self.current.calm_days if self.current else 0

    @property
    def met(self) -> bool:
        """Whether the current run has reached the rule's days."""
        return self.current is not None and self.current.calm_days >= self.rule.days


def run_clock(
    rule: ClockRule,
    began: date,
    today: date,
    counted_by_day: Mapping[date, int],
    resets: Sequence[date],
) -> ClockState:
    """The clock's runs from ``began`` (the cessation's first day) to ``today``: each run counts
    calm days until a day with more than ``at_most_per_day`` counted incidents stops it; each
    agreed reset starts a new run on its day (a reset while running starts one too)."""
    starts = [began, *sorted(d for d in resets if began < d <= today)]
    spans = []
    for number, start in enumerate(starts):
        until = starts[number + 1] - timedelta(days=1) if number + 1 < len(starts) else today
        spans.append(_span(rule, start, until, counted_by_day, last=number + 1 == len(starts)))
    return ClockState(rule, today, tuple(spans))


def _span(
    rule: ClockRule, start: date, until: date, counted: Mapping[date, int], *, last: bool
) -> Span:
    calm = 0
    day = start
    while day <= until:
        found = counted.get(day, 0)
        if found > rule.at_most_per_day:
            return Span(start, calm, SpanEnd.BREACHED, day, found)
        # Today is not over: it counts once it has passed calm.
        if day < until or not last:
            calm += 1
        day += timedelta(days=1)
    return Span(start, calm, SpanEnd.RUNNING if last else SpanEnd.RESET)


def check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise Invalid(N_("reason must say why the clock is to be reset."), field="reason")
    if len(reason) > MAX_REASON:
        raise Invalid(N_("reason is longer than {limit} characters."), field="reason",
                      limit=MAX_REASON)  # fmt: skip
    return reason


@dataclass(frozen=True)
class Reset:
    """A proposal to reset a clock, with every guarantor's vote so far."""

    id: int
    agreement_id: int
    clock: str
    reason: str
    proposer_state: str
    proposed_by: str
    proposed_at: Any  # datetime (UTC)
    state: JointState
    decided_at: Any | None
    votes: Mapping[str, tuple[Vote, str, str, Any]]  # state -> (vote, reason, by whom, when)

    def tally(self) -> dict[str, Vote]:
        return {state: vote for state, (vote, *_rest) in self.votes.items()}
