"""Condition clocks: each clock of the agreement counted from the incidents as they stand, and
its resets, proposed by one guarantor and made only when every guarantor approves."""

from __future__ import annotations

from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from truce.domain.agreement import Agreement
from truce.domain.clocks import (
    ClockRule,
    ClockState,
    Reset,
    check_reason,
    run_clock,
)
from truce.domain.errors import Conflict, Forbidden, NotFound
from truce.domain.events import event_kind
from truce.domain.i18n import N_, Word
from truce.domain.joint import JointState, Vote, joint_outcome
from truce.domain.permissions import Action, Actor
from truce.services import common
from truce.store.ledger_store import Change
from truce.store.uow import UnitOfWork


@dataclass(frozen=True)
class Clock:
    """A clock as it stands today, with its resets (agreed, refused and open)."""

    state: ClockState
    resets: tuple[Reset, ...]
    agreement: Agreement

    @property
    def open_reset(self) -> Reset | None:
        return next((r for r in self.resets if r.state is JointState.OPEN), None)


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _counted(
    uow: UnitOfWork,
    rule: ClockRule,
    agreement: Agreement,
    zone: ZoneInfo,
    until: datetime | None = None,
    last_start: date | None = None,
) -> Counter[date]:
    """The incidents the rule counts, by local day, as far as the clock needs them: a run
    stops at its first day over ``at_most_per_day``, so once the run that starts on
    ``last_start`` has met that day, the incidents after it cannot change the clock and are
    not read (a bulletin of a long cessation reads days, not the whole record)."""
    counted: Counter[date] = Counter()
    breached: date | None = None
    # Only incidents of an outcome the rule counts can stop it: the others are not read.
    found = uow.clocks.incidents_in_order(agreement.effective_at, until, rule.outcomes)
    with closing(found):
        for start, kinds, outcome, verdict in found:
            day = _local_day(start, zone)
            if breached is not None and day > breached:
                break
            families = {event_kind(t, s).family for t, s in kinds}
            if rule.counts(outcome, verdict, families):
                counted[day] += 1
                if (breached is None and last_start is not None and day >= last_start
                        and counted[day] > rule.at_most_per_day):  # fmt: skip
                    breached = day
    return counted


def _clock(
    uow: UnitOfWork, agreement: Agreement, rule: ClockRule, until: datetime | None = None
) -> Clock:
    """The clock on the day of ``until`` (now when None), from the record before it."""
    zone = ZoneInfo(agreement.timezone)
    resets = tuple(uow.clocks.resets(agreement.id, rule.key))
    reset_days = [
        _local_day(r.decided_at, zone)
        for r in resets
        if r.state is JointState.AGREED and r.decided_at and (until is None or r.decided_at < until)
    ]
    began, today = _local_day(agreement.effective_at, zone), _local_day(until or uow.now(), zone)
    last_start = max([began, *(d for d in reset_days if began < d <= today)])
    state = run_clock(
        rule, began, today, _counted(uow, rule, agreement, zone, until, last_start), reset_days
    )
    return Clock(state, resets, agreement)


def clocks(
    uow: UnitOfWork, agreement_id: int | None = None, *, until: datetime | None = None
) -> list[Clock]:
    """Every condition clock of the agreement (the newest when not given), counted now, or
    on the day of ``until`` from the incidents before it (a report's cut-off)."""
    agreement = common.agreement(uow, agreement_id)
    return [_clock(uow, agreement, rule, until) for rule in agreement.clock_rules()]


def clock(uow: UnitOfWork, key: str, agreement_id: int | None = None) -> Clock:
    agreement = common.agreement(uow, agreement_id)
    for rule in agreement.clock_rules():
        if rule.key == key:
            return _clock(uow, agreement, rule)
    raise NotFound(N_("The agreement keeps no clock {key!r}."), field="clock", key=key)


@dataclass(frozen=True)
class ProposeReset:
    clock: str
    reason: str
    agreement_id: int | None = None


def propose_reset(cmd: ProposeReset, uow: UnitOfWork, *, actor: Actor) -> Reset:
    """One guarantor proposes to reset a clock, approving it itself; the others must too."""
    found = clock(uow, cmd.clock, cmd.agreement_id)
    state = found.agreement.acting_guarantor(actor, Action.DECIDE_STATUS)
    reason = check_reason(cmd.reason)
    if found.open_reset is not None:
        raise Conflict(
            N_("A reset of this clock is already open: answer it or withdraw it."), field="clock"
        )
    now = uow.now()
    reset_id = uow.clocks.add_reset(
        found.agreement.id, cmd.clock, reason, state, actor.username, now
    )
    uow.clocks.add_vote(reset_id, state, Vote.APPROVE, reason, actor.username, now)
    uow.record(
        actor,
        Change(
            "clock.reset.proposed",
            f"clock-reset:{reset_id}",
            {
                "reset_id": reset_id,
                "clock": cmd.clock,
                "reason": reason,
                "state": state,
                "images": {
                    "clock_resets": uow.images("clock_resets", [reset_id]),
                    "clock_votes": uow.images("clock_votes", [(reset_id, state)]),
                },
            },
        ),
    )
    return _settle(uow, reset_id, found.agreement, actor, now)


@dataclass(frozen=True)
class VoteOnReset:
    reset_id: int
    vote: Vote
    reason: str = ""


def vote_on_reset(cmd: VoteOnReset, uow: UnitOfWork, *, actor: Actor) -> Reset:
    """Another guarantor approves or rejects a reset; it is made once every one approves."""
    reset = _open(uow, cmd.reset_id)
    agreement = common.agreement(uow, reset.agreement_id)
    state = agreement.acting_guarantor(actor, Action.DECIDE_STATUS)
    if state in reset.votes:
        raise Conflict(
            N_("{state} has already answered this reset."), field="reset_id", state=state
        )
    reason = check_reason(cmd.reason) if cmd.vote is Vote.REJECT else cmd.reason.strip()
    now = uow.now()
    uow.clocks.add_vote(reset.id, state, cmd.vote, reason, actor.username, now)
    uow.record(
        actor,
        Change(
            "clock.reset.voted",
            f"clock-reset:{reset.id}",
            {
                "reset_id": reset.id,
                "state": state,
                "vote": cmd.vote.value,
                "reason": reason,
                "images": {"clock_votes": uow.images("clock_votes", [(reset.id, state)])},
            },
        ),
    )
    return _settle(uow, reset.id, agreement, actor, now)


def withdraw_reset(reset_id: int, uow: UnitOfWork, *, actor: Actor) -> Reset:
    reset = _open(uow, reset_id)
    agreement = common.agreement(uow, reset.agreement_id)
    if agreement.acting_guarantor(actor, Action.DECIDE_STATUS) != reset.proposer_state:
        raise Forbidden(N_("Only the side that proposed may withdraw a proposal."))
    uow.clocks.settle(reset.id, JointState.WITHDRAWN, uow.now())
    uow.record(
        actor,
        Change(
            "clock.reset.withdrawn",
            f"clock-reset:{reset.id}",
            {
                "reset_id": reset.id,
                "images": {"clock_resets": uow.images("clock_resets", [reset.id])},
            },
        ),
    )
    uow.commit()
    return _reset(uow, reset.id)


def _open(uow: UnitOfWork, reset_id: int) -> Reset:
    reset = uow.clocks.reset(reset_id)
    if reset is None:
        raise NotFound(N_("No clock reset {id}."), field="reset_id", id=reset_id)
    if reset.state is not JointState.OPEN:
        raise Conflict(
            N_("This reset is already {state}."), field="reset_id", state=Word(reset.state.value)
        )
    return reset


def _settle(
    uow: UnitOfWork, reset_id: int, agreement: Agreement, actor: Actor, now: datetime
) -> Reset:
    """Close the reset once the guarantors' answers decide it, in the same transaction."""
    reset = _reset(uow, reset_id)
    outcome = joint_outcome(agreement.decision_rule(), agreement.guarantors, reset.tally())
    if outcome is not JointState.OPEN:
        uow.clocks.settle(reset_id, outcome, now)
        uow.record(
            actor,
            Change(
                f"clock.reset.{outcome.value}",
                f"clock-reset:{reset_id}",
                {
                    "reset_id": reset_id,
                    "clock": reset.clock,
                    "images": {"clock_resets": uow.images("clock_resets", [reset_id])},
                },
            ),
        )
    uow.commit()
    return _reset(uow, reset_id)


def _reset(uow: UnitOfWork, reset_id: int) -> Reset:
    found = uow.clocks.reset(reset_id)
    assert found is not None
    return found
