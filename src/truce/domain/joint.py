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
