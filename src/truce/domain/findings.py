"""Who decided: an allegation's assessments, sealed until every guarantor has given its own,
and the joint finding they make (the procedures of 28 March 2016: assess "the nature and extent
of the violation", determine it jointly).

Each guarantor assesses once; it may amend later, by a new version, never by editing. While any
guarantor has not submitted, nobody sees another's assessment (no anchoring): the rule is here,
and the services and the API apply it. The finding is ``confirmed``, ``not_confirmed`` or
``inconclusive`` when every guarantor's latest assessment says so (the agreement's decision
rule); past the assessment deadline without that it is ``disputed`` and goes on the task
force's agenda. A request for information asks the suspected party (its liaisons) or its
sponsoring guarantor, with a deadline; unanswered by then, it is overdue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from truce.domain.errors import Invalid
from truce.domain.i18n import N_
from truce.domain.joint import DecisionRule, JointState, Vote, joint_outcome

MAX_TEXT = 10_000
MAX_SHORT = 500


class Conclusion(StrEnum):
    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not_confirmed"
    INCONCLUSIVE = "inconclusive"


class FindingState(StrEnum):
    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not_confirmed"
    INCONCLUSIVE = "inconclusive"
    DISPUTED = "disputed"  # no agreement by the deadline: the task force's agenda


class Threat(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class FindingRules:
    """Agreement data (``procedures.findings``): the time to assess, to answer a request, and
    the referral rule (so many confirmed findings against one party within so many days)."""

    assess_within: timedelta = timedelta(days=7)
    answer_within: timedelta = timedelta(days=3)
    referral_findings: int = 3
    referral_within: timedelta = timedelta(days=14)


def _whole(data: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = data.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise Invalid(
            N_("{name} must be a whole number from {low} to {high}."),
            field=f"procedures.findings.{name}",
            name=name,
            low=low,
            high=high,
        )
    return value


def rules_from(data: Mapping[str, Any] | None) -> FindingRules:
    given = data or {}
    if not isinstance(given, Mapping):
        raise Invalid(N_("findings must be a set of named values."), field="procedures.findings")
    return FindingRules(
        assess_within=timedelta(days=_whole(given, "assess_within_days", 7, 1, 365)),
        answer_within=timedelta(days=_whole(given, "answer_within_days", 3, 1, 365)),
        referral_findings=_whole(given, "referral_findings", 3, 1, 1000),
        referral_within=timedelta(days=_whole(given, "referral_within_days", 14, 1, 3650)),
    )


@dataclass(frozen=True)
class AssessmentDraft:
    """What a guarantor submits about an allegation."""

    conclusion: Conclusion
    nature: str  # what happened, as this guarantor assesses it
    extent: str  # how much: casualties, area, duration
    threat: Threat  # to the cessation
    rationale: str
    evidence: str = ""


def check_assessment(draft: AssessmentDraft) -> AssessmentDraft:
    """The draft with its texts trimmed; Invalid naming the field otherwise."""
    rationale = draft.rationale.strip()
    if not rationale:
        raise Invalid(
            N_("rationale must say why: the evidence weighed and how."), field="rationale"
        )
    for name, value, limit in (
        ("nature", draft.nature, MAX_SHORT),
        ("extent", draft.extent, MAX_SHORT),
        ("rationale", rationale, MAX_TEXT),
        ("evidence", draft.evidence, MAX_TEXT),
    ):
        if len(value) > limit:
            raise Invalid(
                N_("{name} is longer than {limit} characters."), field=name, name=name, limit=limit
            )
    return AssessmentDraft(
        draft.conclusion,
        draft.nature.strip(),
        draft.extent.strip(),
        draft.threat,
        rationale,
        draft.evidence.strip(),
    )


@dataclass(frozen=True)
class Assessment:
    id: int
    allegation_id: int
    state: str  # the guarantor that assessed
    version: int  # 1, then one more for each amendment
    draft: AssessmentDraft
    submitted_by: str
    submitted_at: datetime


def latest(assessments: Sequence[Assessment]) -> dict[str, Assessment]:
    """Each guarantor's newest version."""
    found: dict[str, Assessment] = {}
    for item in sorted(assessments, key=lambda a: (a.state, a.version)):
        found[item.state] = item
    return found


def sealed(guarantors: Sequence[str], assessments: Sequence[Assessment]) -> bool:
    """Whether the assessments are still sealed: some guarantor has not submitted."""
    given = latest(assessments)
    return any(state not in given for state in guarantors)


def visible_to(
    state: str | None, guarantors: Sequence[str], assessments: Sequence[Assessment]
) -> list[Assessment]:
    """What one side may read: everything once all have submitted; before, only its own."""
    if not sealed(guarantors, assessments):
        return list(assessments)
    return [a for a in assessments if state is not None and a.state == state]


def finding_of(
    rule: DecisionRule,
    guarantors: Sequence[str],
    assessments: Sequence[Assessment],
    due_at: datetime,
    now: datetime,
) -> FindingState | None:
    """The joint finding the assessments make now, or None while it is still open.

    A conclusion is found when the guarantors' latest assessments agree on it under the rule;
    at the deadline without that, the finding is disputed."""
    given = latest(assessments)
    for conclusion in Conclusion:
        votes = {
            s: Vote.APPROVE if a.draft.conclusion is conclusion else Vote.REJECT
            for s, a in given.items()
        }
        if joint_outcome(rule, guarantors, votes) is JointState.AGREED:
            return FindingState(conclusion.value)
    return FindingState.DISPUTED if now >= due_at else None


def referral_due(confirmed_at: Sequence[datetime], now: datetime, rules: FindingRules) -> bool:
    """Whether a party's confirmed findings (their times) trip the referral rule now."""
    recent = [at for at in confirmed_at if now - rules.referral_within <= at <= now]
    return len(recent) >= rules.referral_findings


def check_question(question: str) -> str:
    question = question.strip()
    if not question:
        raise Invalid(N_("question must say what the party is asked."), field="question")
    if len(question) > MAX_TEXT:
        raise Invalid(
            N_("question is longer than {limit} characters."), field="question", limit=MAX_TEXT
        )
    return question


def check_answer(answer: str) -> str:
    if not answer.strip():
        raise Invalid(N_("answer must hold the party's reply."), field="answer")
    if len(answer) > MAX_TEXT:
        raise Invalid(
            N_("answer is longer than {limit} characters."), field="answer", limit=MAX_TEXT
        )
    return answer
