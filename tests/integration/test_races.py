"""Two desks acting on the same proposal at the same moment: exactly one of them wins.

Each round starts both actions together behind a barrier, each in its own thread and its own
unit of work, through two separately wired Truces (two server processes, each with its own
connections). The loser is refused with a conflict and leaves nothing behind, no round
deadlocks, and the ledger verifies afterwards. The same holds for concurrent HTTP requests to
one real server.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import httpx2
import pytest

from tests.e2e.browsing import serve
from tests.helpers import World, token_for
from truce.bootstrap import Truce, bootstrap
from truce.domain.errors import Conflict, DomainError
from truce.domain.parties import Status
from truce.domain.permissions import SYSTEM, Actor, Role
from truce.domain.proposals import Decision, Proposal, ProposalState
from truce.services import ledger, parties, standing, users
from truce.web.app import create_app

ROUNDS = 50
NAMES = "Alpha Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliett".split()


@pytest.fixture
def crowd(world: World) -> World:
    """The world with a second Russian desk officer and ROUNDS more parties of unknown status."""
    with world.truce.uow() as uow, uow.batch():
        cmd = users.NewUser("ru-ops-2", Role.GUARANTOR, state="RU")
        view = users.add_user(cmd, uow, actor=SYSTEM)
        for number in range(ROUNDS):
            party = parties.NewParty(f"Liwa {NAMES[number // 10]} {NAMES[number % 10]}")
            world.parties[f"p{number}"] = parties.create_party(party, uow, actor=SYSTEM)
    world.actors["ru2"] = Actor(view.id, "ru-ops-2", Role.GUARANTOR, "RU", None)
    return world


@pytest.fixture
def servers(crowd: World) -> Iterator[tuple[Truce, Truce]]:
    """Two Truces on the same database, as two server processes would be."""
    other = bootstrap(crowd.truce.settings)
    yield crowd.truce, other
    other.close()


def race(*actions: Callable[[], Any]) -> list[Any]:
    """Run ``actions`` at the same moment, each in its own thread: results, or refusals."""
    barrier = threading.Barrier(len(actions))

    def run(action: Callable[[], Any]) -> Any:
        barrier.wait(timeout=30)
        try:
            return action()
        except DomainError as refusal:
            return refusal

    with ThreadPoolExecutor(len(actions)) as pool:
        return list(pool.map(run, actions))


def winner_and_refusal(outcomes: list[Any]) -> tuple[Any, Conflict]:
    """The one outcome that succeeded and the conflict the other got; fails otherwise."""
    refusals = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(refusals) == 1, f"expected exactly one refusal, got {outcomes}"
    assert isinstance(refusals[0], Conflict), refusals[0]
    return next(o for o in outcomes if not isinstance(o, DomainError)), refusals[0]


def propose(truce: Truce, world: World, who: str, party: str, status: Status) -> Proposal:
    cmd = standing.ProposeStatus(world.agreement_id, world.parties[party], status, "seen it")
    with truce.uow() as uow:
        return standing.propose_status(cmd, uow, actor=world.actors[who])


def propose_for_each(world: World, who: str, status: Status, numbers: range) -> list[Proposal]:
    """One proposal by ``who`` for each of the parties p<number>, in one transaction."""
    with world.truce.uow() as uow, uow.batch():
        return [
            standing.propose_status(
                standing.ProposeStatus(world.agreement_id, world.parties[f"p{n}"], status, "seen"),
                uow,
                actor=world.actors[who],
            )
            for n in numbers
        ]


def decide(truce: Truce, world: World, who: str, proposal: Proposal, decision: Decision) -> Any:
    cmd = standing.DecideProposal(proposal.id, decision, "checked")
    with truce.uow() as uow:
        return standing.decide_proposal(cmd, uow, actor=world.actors[who])


def withdraw(truce: Truce, world: World, who: str, proposal: Proposal) -> Any:
    with truce.uow() as uow:
        return standing.withdraw_proposal(proposal.id, uow, actor=world.actors[who])


@dataclass
class Stored:
    """What the database holds after the races, per proposal id."""

    states: dict[int, ProposalState]
    changes: Counter[int]  # status changes the proposal caused
    entries: Counter[tuple[str, int]]  # ledger entries per (action, proposal id)
    head_seq: int


def stored(world: World) -> Stored:
    """Read what the races left, and check that the ledger verifies."""
    report = ledger.verify_database(world.truce.db, workers=1)
    assert report.ok, report.failure
    with world.truce.uow(write=False) as uow:
        states = {p.id: p.state for p in uow.proposals.list(world.agreement_id)}
        changes = Counter(row.proposal_id for row in uow.status_changes.of(world.agreement_id))
        entries = uow.ledger.page(0, 1_000_000)
    by_proposal = Counter(
        (e.action, e.payload["proposal_id"]) for e in entries if "proposal_id" in e.payload
    )
    return Stored(states, changes, by_proposal, report.head_seq)


def test_approve_and_reject_of_one_proposal_decide_it_once(
    crowd: World, servers: tuple[Truce, Truce]
) -> None:
    first, second = servers
    proposals = propose_for_each(crowd, "us", Status.COMMITTED, range(ROUNDS))
    before = stored(crowd)
    winners = []
    for proposal in proposals:
        outcomes = race(
            partial(decide, first, crowd, "ru", proposal, Decision.APPROVE),
            partial(decide, second, crowd, "ru2", proposal, Decision.REJECT),
        )
        won, refusal = winner_and_refusal(outcomes)
        assert str(refusal) == f"This proposal was already {won.state.value} by RU."
        winners.append(won)
    after = stored(crowd)
    approved = 0
    for won in winners:
        assert after.states[won.id] is won.state
        assert after.entries["party.status_decided", won.id] == 1
        approved += won.state is ProposalState.APPROVED
        assert after.changes[won.id] == after.entries["party.status_changed", won.id]
        assert after.changes[won.id] == (won.state is ProposalState.APPROVED)
    assert after.head_seq - before.head_seq == ROUNDS + approved  # nothing of a loser's


def test_each_side_approving_the_others_proposal_approves_one(
    crowd: World, servers: tuple[Truce, Truce]
) -> None:
    first, second = servers
    from_us = propose_for_each(crowd, "us", Status.COMMITTED, range(ROUNDS))
    from_ru = propose_for_each(crowd, "ru", Status.EXCLUDED, range(ROUNDS))
    winners = []
    for us_proposal, ru_proposal in zip(from_us, from_ru, strict=True):
        outcomes = race(
            partial(decide, first, crowd, "us", ru_proposal, Decision.APPROVE),
            partial(decide, second, crowd, "ru", us_proposal, Decision.APPROVE),
        )
        won, refusal = winner_and_refusal(outcomes)
        assert str(refusal) == (
            "This proposal was already superseded: another proposal for this party was approved."
        )
        winners.append(won)
    after = stored(crowd)
    for won, us_proposal, ru_proposal in zip(winners, from_us, from_ru, strict=True):
        lost = us_proposal if won.id == ru_proposal.id else ru_proposal
        assert after.states[won.id] is ProposalState.APPROVED
        assert after.states[lost.id] is ProposalState.SUPERSEDED
        assert (after.changes[won.id], after.changes[lost.id]) == (1, 0)
        assert after.entries["party.status_decided", lost.id] == 0


def test_withdrawing_while_the_other_side_decides_ends_one_way(
    crowd: World, servers: tuple[Truce, Truce]
) -> None:
    first, second = servers
    proposals = propose_for_each(crowd, "us", Status.COMMITTED, range(ROUNDS))
    winners = []
    for proposal in proposals:
        outcomes = race(
            partial(withdraw, first, crowd, "us", proposal),
            partial(decide, second, crowd, "ru", proposal, Decision.APPROVE),
        )
        won, refusal = winner_and_refusal(outcomes)
        side = "US" if won.state is ProposalState.WITHDRAWN else "RU"
        assert str(refusal) == f"This proposal was already {won.state.value} by {side}."
        winners.append(won)
    after = stored(crowd)
    for won in winners:
        assert after.states[won.id] is won.state
        withdrawn = after.entries["party.status_withdrawn", won.id]
        assert (withdrawn, after.entries["party.status_decided", won.id]) in ((1, 0), (0, 1))


def test_two_proposals_from_one_side_leave_one_open(
    crowd: World, servers: tuple[Truce, Truce]
) -> None:
    first, second = servers
    for n in range(ROUNDS):
        outcomes = race(
            partial(propose, first, crowd, "us", f"p{n}", Status.COMMITTED),
            partial(propose, second, crowd, "us2", f"p{n}", Status.SUSPENDED),
        )
        _, refusal = winner_and_refusal(outcomes)
        assert "US already has an open proposal" in str(refusal)
    with crowd.truce.uow(write=False) as uow:
        open_ = uow.proposals.list(crowd.agreement_id, state=ProposalState.OPEN)
    contested = [crowd.parties[f"p{n}"] for n in range(ROUNDS)]
    assert sorted(p.party_id for p in open_) == sorted(contested)
    assert len(stored(crowd).states) == ROUNDS


def test_the_store_closes_a_proposal_once_even_for_a_writer_that_read_it_stale(
    world: World,
) -> None:
    us, ru = world.actors["us"], world.actors["ru"]
    proposal = propose(world.truce, world, "us", "ahrar", Status.COMMITTED)
    decide(world.truce, world, "ru", proposal, Decision.APPROVE)
    # What a writer that read the proposal before the approval would try to store.
    stale = replace(proposal, state=ProposalState.WITHDRAWN, decided_by=us.user_id)
    with world.truce.uow() as uow, pytest.raises(Conflict) as refused:
        uow.proposals.close(stale)
    assert str(refused.value) == f"This proposal was already approved by {ru.state}."
    with world.truce.uow(write=False) as uow:
        kept = uow.proposals.get(proposal.id)
    assert kept is not None
    assert (kept.state, kept.decided_by) == (ProposalState.APPROVED, ru.user_id)


def test_verifying_while_others_write_reads_one_moment(world: World) -> None:
    done = threading.Event()

    def keep_writing() -> int:
        cycles = 0
        while not done.is_set():
            proposal = propose(world.truce, world, "us", "ahrar", Status.COMMITTED)
            withdraw(world.truce, world, "us", proposal)
            cycles += 1
        return cycles

    with ThreadPoolExecutor(1) as pool:
        writer = pool.submit(keep_writing)
        try:
            reports = [ledger.verify_database(world.truce.db, workers=1) for _ in range(30)]
        finally:
            done.set()
        assert writer.result() > 0
    assert [r.failure for r in reports if not r.ok] == []
    assert len({r.head_seq for r in reports}) > 1  # the writer did move the head meanwhile


# --- over HTTP: concurrent requests to one real server -----------------------------------


def test_concurrent_decisions_over_http_answer_one_200_and_one_409(crowd: World) -> None:
    tokens = {who: token_for(crowd, who) for who in ("us", "ru", "ru2")}
    half = ROUNDS // 2
    single = propose_for_each(crowd, "us", Status.COMMITTED, range(half))
    opposite = list(
        zip(
            propose_for_each(crowd, "us", Status.SUSPENDED, range(half, ROUNDS)),
            propose_for_each(crowd, "ru", Status.EXCLUDED, range(half, ROUNDS)),
            strict=True,
        )
    )
    with (
        serve(create_app(crowd.truce)) as base,
        httpx2.Client(base_url=f"{base}/api/v1", timeout=60) as client,
    ):

        def decision(who: str, proposal: Proposal, choice: Decision) -> Callable[[], Any]:
            return partial(
                client.post,
                f"/status-proposals/{proposal.id}/decision",
                json={"decision": choice.value, "reason": "seen"},
                headers={"Authorization": f"Bearer {tokens[who]}"},
            )

        rounds = [
            (decision("ru", p, Decision.APPROVE), decision("ru2", p, Decision.REJECT))
            for p in single
        ] + [
            (decision("us", ru, Decision.APPROVE), decision("ru", us, Decision.APPROVE))
            for us, ru in opposite
        ]
        for actions in rounds:
            answers = race(*actions)
            assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
            refused = next(a for a in answers if a.status_code == 409).json()
            assert refused["code"] == "conflict" and "already" in refused["detail"]
    after = stored(crowd)
    assert all(after.entries["party.status_decided", p.id] == 1 for p in single)
    for us, ru in opposite:
        assert (
            after.entries["party.status_decided", us.id]
            + after.entries["party.status_decided", ru.id]
            == 1
        )
