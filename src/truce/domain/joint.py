"""Joint decisions of the guarantors: what they decide only together (a status change, a
clock's reset, later a finding). The rule is the same for two guarantors (2016) and for three
(Astana, 2017): every guarantor must approve; one rejection refuses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum


class Vote(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class JointState(StrEnum):
    OPEN = "open"  # waiting for some guarantor
    AGREED = "agreed"  # every guarantor approved
    REFUSED = "refused"  # a guarantor rejected
    WITHDRAWN = "withdrawn"


def all_agree(guarantors: Sequence[str], votes: Mapping[str, Vote]) -> JointState:
    """The joint decision of the guarantors (2016's rule, and Astana's with three): agreed
    only when every one approves, refused as soon as one rejects, open otherwise."""
    if any(v is Vote.REJECT for v in votes.values()):
        return JointState.REFUSED
    if all(votes.get(state) is Vote.APPROVE for state in guarantors):
        return JointState.AGREED
    return JointState.OPEN


class DecisionRule(StrEnum):
    """How the guarantors decide together (agreement data: ``procedures.decisions.rule``)."""

    ALL = "all"  # every guarantor approves (2016, Astana): the default
    MAJORITY = "majority"  # more than half approve; refused once a majority cannot be reached


def joint_outcome(
    rule: DecisionRule, guarantors: Sequence[str], votes: Mapping[str, Vote]
) -> JointState:
    """The guarantors' joint decision under ``rule``; only their own votes count."""
    if rule is DecisionRule.ALL:
        return all_agree(guarantors, votes)
    approvals = sum(1 for state in guarantors if votes.get(state) is Vote.APPROVE)
    rejections = sum(1 for state in guarantors if votes.get(state) is Vote.REJECT)
    needed = len(guarantors) // 2 + 1
    if approvals >= needed:
        return JointState.AGREED
    if len(guarantors) - rejections < needed:
        return JointState.REFUSED
    return JointState.OPEN
