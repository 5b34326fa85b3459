"""Condition clocks: the incidents they count and the resets the guarantors vote on."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Collection, Generator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from truce.domain.clocks import Reset
from truce.domain.joint import JointState, Vote
from truce.store.tables import ClockResetRow, ClockVoteRow, IncidentRow


class Clocks:
    def __init__(self, session: Session) -> None:
        self.session = session

    def incidents_in_order(
        self, since: datetime, until: datetime | None, outcomes: Collection[str]
    ) -> Generator[tuple[datetime, list[Any], str | None, str | None], None, None]:
        """Live incidents (not merged away) from ``since`` (to ``until``, excluded) with one of
        ``outcomes``: start, kinds, outcome, verdict; oldest first and read as they are used,
        so that a clock stops reading at its first breach. One ordered read per outcome,
        merged here: each walks the index on outcome and start (0015) from ``since``, where
        one read of them all would sort every match before giving the first."""
        results = []
        try:
            for outcome in sorted(outcomes):
                query = (
                    select(IncidentRow.start, IncidentRow.id, IncidentRow.kinds,
                           IncidentRow.outcome, IncidentRow.verdict)
                    .where(IncidentRow.outcome == outcome, IncidentRow.start >= since,
                           IncidentRow.merged_into_id.is_(None))
                    .order_by(IncidentRow.start, IncidentRow.id)
                    .execution_options(yield_per=500)
                )  # fmt: skip
                if until is not None:
                    query = query.where(IncidentRow.start < until)
                results.append(self.session.execute(query))
            for row in heapq.merge(*results, key=lambda r: (r.start, r.id)):
                yield row.start, row.kinds, row.outcome, row.verdict
        finally:  # a reader that stops early leaves no cursor open (PostgreSQL's are named)
            for result in results:
                result.close()

    def add_reset(
        self, agreement_id: int, clock: str, reason: str, state: str, by: str, at: datetime
    ) -> int:
        row = ClockResetRow(
            agreement_id=agreement_id,
            clock=clock,
            reason=reason,
            proposer_state=state,
            proposed_by=by,
            proposed_at=at,
            state=JointState.OPEN,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def add_vote(
        self, reset_id: int, state: str, vote: Vote, reason: str, by: str, at: datetime
    ) -> None:
        self.session.add(
            ClockVoteRow(
                reset_id=reset_id, state=state, vote=vote, reason=reason, voted_by=by, voted_at=at
            )
        )
        self.session.flush()

    def settle(self, reset_id: int, state: JointState, at: datetime | None) -> None:
        row = self.session.get(ClockResetRow, reset_id)
        assert row is not None
        row.state, row.decided_at = state, at

    def reset(self, reset_id: int) -> Reset | None:
        found = self._resets(select(ClockResetRow).where(ClockResetRow.id == reset_id))
        return found[0] if found else None

    def resets(self, agreement_id: int, clock: str) -> list[Reset]:
        """A clock's resets, oldest first."""
        return self._resets(
            select(ClockResetRow)
            .where(ClockResetRow.agreement_id == agreement_id, ClockResetRow.clock == clock)
            .order_by(ClockResetRow.id)
        )

    def _resets(self, query) -> list[Reset]:  # type: ignore[no-untyped-def]
        rows = list(self.session.scalars(query))
        votes: dict[int, dict[str, tuple[Vote, str, str, datetime]]] = defaultdict(dict)
        if rows:
            for vote in self.session.scalars(
                select(ClockVoteRow).where(ClockVoteRow.reset_id.in_([r.id for r in rows]))
            ):
                votes[vote.reset_id][vote.state] = (
                    Vote(vote.vote),
                    vote.reason,
                    vote.voted_by,
                    vote.voted_at,
                )
        return [
            Reset(
                r.id,
                r.agreement_id,
                r.clock,
                r.reason,
                r.proposer_state,
                r.proposed_by,
                r.proposed_at,
                JointState(r.state),
                r.decided_at,
                votes[r.id],
            )
            for r in rows
        ]
