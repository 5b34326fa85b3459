"""Condition clocks on both databases, counted from the real UCDP month's incidents: the clock
stops on the first day with an alleged or flagged incident in protected or mixed territory, and
starts again only when every guarantor has approved a reset (two in 2016, three at Astana)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from tests.helpers import World, assert_state_replays, ledger_entries
from tests.ucdp import Month, ucdp_month
from truce.bootstrap import Truce
from truce.domain.agreement import State
from truce.domain.clocks import SpanEnd, run_clock
from truce.domain.errors import Conflict, Forbidden, Invalid
from truce.domain.events import event_kind
from truce.domain.joint import JointState, Vote
from truce.domain.permissions import SYSTEM, Actor, Role
from truce.services import agreements, clocks, users
from truce.store.tables import IncidentRow

NOW = datetime(2016, 3, 9, 12, 0, tzinfo=UTC)
DAMASCUS = ZoneInfo("Asia/Damascus")


@pytest.fixture(autouse=True)
def _state_replays(truce: Truce) -> Iterator[None]:
    """After each test, its tables are what a replay of its ledger gives."""
    yield
    assert_state_replays(truce)


@pytest.fixture
def month(truce: Truce) -> Iterator[Month]:
    # Imported at the real time (an event after "now" would be refused), counted in March 2016.
    found = ucdp_month(truce, link=True)
    with truce.uow() as uow:
        view = users.add_user(
            users.NewUser("ru-desk", Role.GUARANTOR, None, state="RU"), uow, actor=SYSTEM
        )
        found.actors["ru"] = users.actor_of(uow.users.get(view.id))  # type: ignore[arg-type]
    yield found


def breach_days(truce: Truce) -> Counter[date]:
    """The days the rule counts, read straight from the incidents table."""
    with truce.uow(write=False) as uow:
        rows = uow.session.execute(
            select(IncidentRow.start, IncidentRow.kinds).where(
                IncidentRow.outcome.in_(("allegation", "flagged")),
                IncidentRow.verdict.in_(("protected", "mixed")),
                IncidentRow.merged_into_id.is_(None),
            )
        ).all()
    return Counter(
        start.astimezone(DAMASCUS).date()
        for start, kinds in rows
        if any(event_kind(t, s).family.value in ("hostilities", "access") for t, s in kinds)
    )


def test_the_clock_stops_on_the_first_breach_and_resets_only_with_both_keys(month: Month) -> None:
    truce = month.truce
    days = breach_days(truce)
    assert days, "the month has alleged incidents in protected territory"
    with time_machine.travel(NOW, tick=False):
        with truce.uow(write=False) as uow:
            [calm] = clocks.clocks(uow)
        assert calm.state.rule.days == 7 and not calm.state.running
        [span] = calm.state.spans
        assert span.started_on == date(2016, 2, 27) and span.end is SpanEnd.BREACHED
        assert span.stopped_on == min(days) and span.breaches == days[min(days)]

        us, ru = month.actors["guarantor"], month.actors["ru"]
        with truce.uow() as uow:
            proposed = clocks.propose_reset(
                clocks.ProposeReset("calm", "Both sides report a quiet week."), uow, actor=us
            )
        assert proposed.state is JointState.OPEN
        with truce.uow(write=False) as uow:
            assert len(clocks.clock(uow, "calm").state.spans) == 1  # one key is not enough
        with truce.uow() as uow, pytest.raises(Conflict):
            clocks.propose_reset(clocks.ProposeReset("calm", "again"), uow, actor=us)
        with truce.uow() as uow, pytest.raises(Conflict):
            clocks.vote_on_reset(clocks.VoteOnReset(proposed.id, Vote.APPROVE), uow, actor=us)
        for label in ("monitor", "member", "analyst"):
            with truce.uow() as uow, pytest.raises(Forbidden):
                clocks.vote_on_reset(
                    clocks.VoteOnReset(proposed.id, Vote.APPROVE), uow, actor=month.actors[label]
                )
        with truce.uow() as uow:
            agreed = clocks.vote_on_reset(
                clocks.VoteOnReset(proposed.id, Vote.APPROVE, "Agreed on the hotline."),
                uow,
                actor=ru,
            )
        assert agreed.state is JointState.AGREED and agreed.decided_at == NOW
        with truce.uow(write=False) as uow:
            after = clocks.clock(uow, "calm").state
    today = NOW.astimezone(DAMASCUS).date()
    assert len(after.spans) == 2 and after.spans[-1].started_on == today
    assert after.running is (days[today] == 0)
    assert ledger_entries(truce, "clock.reset.proposed") == 1
    assert ledger_entries(truce, "clock.reset.agreed") == 1


def test_a_rejection_needs_a_reason_and_refuses_the_reset(month: Month) -> None:
    truce = month.truce
    us, ru = month.actors["guarantor"], month.actors["ru"]
    with time_machine.travel(NOW, tick=False):
        with truce.uow() as uow:
            proposed = clocks.propose_reset(clocks.ProposeReset("calm", "Quiet."), uow, actor=us)
        with truce.uow() as uow, pytest.raises(Invalid) as bare:
            clocks.vote_on_reset(clocks.VoteOnReset(proposed.id, Vote.REJECT), uow, actor=ru)
        assert bare.value.field == "reason"
        with truce.uow() as uow, pytest.raises(Forbidden):
            clocks.withdraw_reset(proposed.id, uow, actor=ru)
        with truce.uow() as uow:
            refused = clocks.vote_on_reset(
                clocks.VoteOnReset(proposed.id, Vote.REJECT, "Aleppo was shelled yesterday."),
                uow,
                actor=ru,
            )
        assert refused.state is JointState.REFUSED
        with truce.uow(write=False) as uow:
            assert len(clocks.clock(uow, "calm").state.spans) == 1
        with truce.uow() as uow:
            again = clocks.propose_reset(clocks.ProposeReset("calm", "Now?"), uow, actor=us)
        with truce.uow() as uow:
            assert clocks.withdraw_reset(again.id, uow, actor=us).state is JointState.WITHDRAWN
        with truce.uow() as uow, pytest.raises(Invalid):
            clocks.propose_reset(clocks.ProposeReset("calm", "  "), uow, actor=us)


def test_three_guarantors_must_all_approve(world: World) -> None:
    truce = world.truce
    with truce.uow() as uow:
        agreements.add_state(State("TR", "Turkey"), uow, actor=SYSTEM)
    rule = {"days": 7, "outcomes": ["allegation"], "verdicts": ["protected"],
            "families": ["hostilities"]}  # fmt: skip
    with truce.uow() as uow:
        base = uow.agreements.get(world.agreement_id)
        assert base is not None
        astana = agreements.create_agreement(
            agreements.NewAgreement(
                slug="astana-2017", title="Astana memorandum", signed_at=base.signed_at,
                effective_at=base.effective_at, acceptance_deadline=base.acceptance_deadline,
                timezone="Asia/Damascus", guarantors=("RU", "TR", "US"),
                procedures={"clocks": {"calm": rule}},
            ),
            uow,
            actor=SYSTEM,
        )  # fmt: skip
    with truce.uow() as uow:
        view = users.add_user(users.NewUser("tr-ops", Role.GUARANTOR, None, state="TR"), uow,
                              actor=SYSTEM)  # fmt: skip
    turkey = Actor(view.id, "tr-ops", Role.GUARANTOR, "TR")
    with truce.uow() as uow:
        reset = clocks.propose_reset(
            clocks.ProposeReset("calm", "Calm in Idlib.", astana.id), uow, actor=world.actors["ru"]
        )
    for actor, expected in ((turkey, JointState.OPEN), (world.actors["us"], JointState.AGREED)):
        with truce.uow() as uow:
            reset = clocks.vote_on_reset(clocks.VoteOnReset(reset.id, Vote.APPROVE), uow,
                                         actor=actor)  # fmt: skip
        assert reset.state is expected
    assert set(reset.votes) == {"RU", "TR", "US"}
    # The 2016 agreement of this world keeps no clock.
    with truce.uow(write=False) as uow:
        assert clocks.clocks(uow, world.agreement_id) == []


def test_a_clock_read_to_its_first_breach_is_the_clock_counted_from_every_incident(
    month: Month,
) -> None:
    """The clocks stop reading at the first breach (a bulletin of a long cessation reads days,
    not the record): on each day of the month, the clock is the one run over every breach."""
    truce = month.truce
    days = breach_days(truce)
    with truce.uow(write=False) as uow:
        agreement = uow.agreements.all()[-1]
        [rule] = agreement.clock_rules()
        for day in range(27, 27 + 34):
            moment = datetime(2016, 2, 1, 16, 0, tzinfo=UTC) + timedelta(days=day - 1)
            before = Counter(
                {d: n for d, n in days.items() if d <= moment.astimezone(DAMASCUS).date()}
            )
            [found] = clocks.clocks(uow, until=moment)
            counted_by_hand = run_clock(
                rule, date(2016, 2, 27), moment.astimezone(DAMASCUS).date(), before, []
            )
            assert found.state == counted_by_hand, moment
