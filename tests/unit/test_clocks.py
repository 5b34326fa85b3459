"""Condition clocks: calm days counted, stopped by a breach, started again only by a reset that
every guarantor agreed to; the rule read from agreement data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from truce.domain.clocks import SpanEnd, rule_from, rules_from, run_clock
from truce.domain.errors import Invalid
from truce.domain.events import Family
from truce.domain.joint import JointState, Vote, all_agree

RULE = rule_from(
    "calm",
    {"name": "Seven days of calm", "days": 7, "outcomes": ["allegation", "flagged"],
     "verdicts": ["protected", "mixed"], "families": ["hostilities", "access"],
     "at_most_per_day": 1},
)  # fmt: skip
START = date(2016, 9, 12)


def day(n: int) -> date:
    return START + timedelta(days=n)


def test_calm_days_count_until_today_which_is_not_over() -> None:
    state = run_clock(RULE, START, day(5), {day(2): 1}, [])  # one a day is still calm
    assert (state.running, state.calm_days, state.met) == (True, 5, False)
    state = run_clock(RULE, START, day(9), {}, [])
    assert state.met and state.calm_days == 9


def test_a_breach_stops_the_clock_and_it_stays_stopped() -> None:
    state = run_clock(RULE, START, day(20), {day(3): 2, day(4): 5}, [])
    [span] = state.spans
    assert (span.end, span.calm_days, span.stopped_on, span.breaches) == (
        SpanEnd.BREACHED, 3, day(3), 2,
    )  # fmt: skip
    assert not state.running and state.calm_days == 3


def test_a_breach_today_stops_it_at_once() -> None:
    state = run_clock(RULE, START, day(2), {day(2): 3}, [])
    assert not state.running and state.spans[-1].stopped_on == day(2)


def test_a_reset_starts_a_new_run_and_the_history_keeps_the_old_ones() -> None:
    counted = {day(3): 2, day(12): 4}
    state = run_clock(RULE, START, day(11), counted, [day(6)])
    first, second = state.spans
    assert (first.end, first.calm_days) == (SpanEnd.BREACHED, 3)
    assert (second.started_on, second.end, second.calm_days) == (day(6), SpanEnd.RUNNING, 5)
    later = run_clock(RULE, START, day(15), counted, [day(6)])
    assert later.spans[-1].end is SpanEnd.BREACHED and later.spans[-1].calm_days == 6
    # A reset while the clock runs ends that run as reset, not breached.
    again = run_clock(RULE, START, day(15), {}, [day(6)])
    assert again.spans[0].end is SpanEnd.RESET and again.spans[0].calm_days == 6
    # A reset in the future or before the start is not one yet.
    assert len(run_clock(RULE, START, day(3), {}, [day(9), START - timedelta(1)]).spans) == 1


def test_what_counts_against_the_clock() -> None:
    assert RULE.counts("allegation", "protected", [Family.HOSTILITIES])
    assert RULE.counts("flagged", "mixed", [Family.STRATEGIC, Family.ACCESS])
    assert not RULE.counts("not_a_violation", "protected", [Family.HOSTILITIES])
    assert not RULE.counts("allegation", "excluded", [Family.HOSTILITIES])
    assert not RULE.counts("allegation", "protected", [Family.UNREST])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"days": 0}, "clocks.calm.days"),
        ({"days": True}, "clocks.calm.days"),
        ({"outcomes": ["bad"]}, "clocks.calm.outcomes"),
        ({"verdicts": []}, "clocks.calm.verdicts"),
        ({"families": ["weather"]}, "clocks.calm.families"),
        ({"at_most_per_day": -1}, "clocks.calm.at_most_per_day"),
    ],
)
def test_a_bad_rule_names_its_field(change: dict[str, object], field: str) -> None:
    good = {"days": 7, "outcomes": ["allegation"], "verdicts": ["protected"],
            "families": ["hostilities"]}  # fmt: skip
    with pytest.raises(Invalid) as refused:
        rule_from("calm", {**good, **change})
    assert refused.value.field == field
    assert rules_from(None) == ()


def test_all_guarantors_must_agree_whether_two_or_three() -> None:
    two = ("US", "RU")
    assert all_agree(two, {"US": Vote.APPROVE}) is JointState.OPEN
    assert all_agree(two, {"US": Vote.APPROVE, "RU": Vote.APPROVE}) is JointState.AGREED
    assert all_agree(two, {"US": Vote.APPROVE, "RU": Vote.REJECT}) is JointState.REFUSED
    astana = ("RU", "TR", "IR")
    assert all_agree(astana, {"RU": Vote.APPROVE, "TR": Vote.APPROVE}) is JointState.OPEN
    everyone = {s: Vote.APPROVE for s in astana}
    assert all_agree(astana, everyone) is JointState.AGREED
    assert all_agree(astana, {**everyone, "XX": Vote.APPROVE}) is JointState.AGREED


def test_a_majority_rule_decides_with_more_than_half() -> None:
    from truce.domain.joint import DecisionRule, joint_outcome

    three = ("RU", "TR", "IR")
    majority = DecisionRule.MAJORITY
    assert joint_outcome(majority, three, {"RU": Vote.APPROVE}) is JointState.OPEN
    assert joint_outcome(majority, three, {"RU": Vote.APPROVE, "TR": Vote.APPROVE}) is (
        JointState.AGREED
    )
    assert joint_outcome(majority, three, {"RU": Vote.APPROVE, "TR": Vote.REJECT}) is (
        JointState.OPEN
    )
    assert joint_outcome(majority, three, {"IR": Vote.REJECT, "TR": Vote.REJECT}) is (
        JointState.REFUSED
    )
    # Under the default rule one rejection is enough.
    assert joint_outcome(DecisionRule.ALL, three, {"TR": Vote.REJECT}) is JointState.REFUSED
