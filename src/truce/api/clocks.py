"""Routes for condition clocks: each clock as it stands, with its runs and its resets; a reset
proposed by one guarantor and answered by the others."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import FastAPI, Path
from fastapi.encoders import jsonable_encoder
from pydantic import StringConstraints

from truce.api.deps import CurrentActor, Reader, Writer
from truce.api.schemas import MAX_ID, Strict
from truce.domain.clocks import MAX_REASON, Reset
from truce.domain.joint import Vote
from truce.services import clocks

ClockKey = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[a-z0-9_-]+$")]
ResetId = Annotated[int, Path(ge=1, le=MAX_ID)]
Reason = Annotated[str, StringConstraints(max_length=MAX_REASON)]


class ResetIn(Strict):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=MAX_REASON)]


class VoteIn(Strict):
    vote: Vote
    reason: Reason = ""


def reset_view(reset: Reset) -> dict[str, Any]:
    votes = [
        {"state": state, "vote": vote, "reason": reason, "voted_by": by, "voted_at": at}
        for state, (vote, reason, by, at) in sorted(reset.votes.items())
    ]
    data: dict[str, Any] = jsonable_encoder({**asdict(reset), "votes": votes})
    return data


def clock_view(clock: clocks.Clock) -> dict[str, Any]:
    state, rule = clock.state, clock.state.rule
    data: dict[str, Any] = jsonable_encoder(
        {
            "key": rule.key,
            "name": rule.name,
            "days": rule.days,
            "today": state.today,
            "running": state.running,
            "calm_days": state.calm_days,
            "met": state.met,
            "rule": {
                "outcomes": sorted(rule.outcomes),
                "verdicts": sorted(rule.verdicts),
                "families": sorted(rule.families),
                "at_most_per_day": rule.at_most_per_day,
            },
            "runs": [asdict(span) for span in state.spans],
            "resets": [reset_view(r) for r in clock.resets],
        }
    )
    return data  # fmt: skip


def install(api: FastAPI) -> None:
    """Register the routes on the API application."""

    @api.get("/clocks", tags=["clocks"])
    def list_clocks(uow: Reader) -> list[dict[str, Any]]:
        """The newest agreement's condition clocks, counted now from the incidents."""
        return [clock_view(c) for c in clocks.clocks(uow)]

    @api.get("/clocks/{key}", tags=["clocks"])
    def get_clock(key: ClockKey, uow: Reader) -> dict[str, Any]:
        """One clock: its runs (each stopped by a breach or a reset) and its resets."""
        return clock_view(clocks.clock(uow, key))

    @api.post("/clocks/{key}/resets", status_code=201, tags=["clocks"])
    def propose_reset(
        key: ClockKey, body: ResetIn, actor: CurrentActor, uow: Writer
    ) -> dict[str, Any]:
        """Propose to reset the clock (a guarantor, approving it itself): made once every
        other guarantor approves."""
        return reset_view(
            clocks.propose_reset(clocks.ProposeReset(key, body.reason), uow, actor=actor)
        )

    @api.post("/clocks/resets/{reset_id}/votes", tags=["clocks"])
    def vote(reset_id: ResetId, body: VoteIn, actor: CurrentActor, uow: Writer) -> dict[str, Any]:
        """Approve or reject (with a reason) another guarantor's reset."""
        cmd = clocks.VoteOnReset(reset_id, body.vote, body.reason)
        return reset_view(clocks.vote_on_reset(cmd, uow, actor=actor))

    @api.post("/clocks/resets/{reset_id}/withdraw", tags=["clocks"])
    def withdraw(reset_id: ResetId, actor: CurrentActor, uow: Writer) -> dict[str, Any]:
        """Withdraw one's own open reset."""
        return reset_view(clocks.withdraw_reset(reset_id, uow, actor=actor))
