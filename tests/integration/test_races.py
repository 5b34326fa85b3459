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
    with world.truce.uow() as uow:
        cmd = users.NewUser("ru-ops-2", Role.GUARANTOR, state="RU")
        view = users.add_user(cmd, uow, actor=SYSTEM)
    world.actors["ru2"] = Actor(view.id, "ru-ops-2", Role.GUARANTOR, "RU", None)
    for number in range(ROUNDS):
        name = f"Liwa {NAMES[number // 10]} {NAMES[number % 10]}"
        with world.truce.uow() as uow:
            world.parties[f"p{number}"] = parties.create_party(
                parties.NewParty(name), uow, actor=SYSTEM
            )
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


def decide(truce: Truce, world: World, who: str, proposal: Proposal, decision: Decision) -> Any:
    cmd = standing.DecideProposal(proposal.id, decision, "checked")
    with truce.uow() as uow:
        return standing.decide_proposal(cmd, uow, actor=world.actors[who])


def withdraw(truce: Truce, world: World, who: str, proposal: Proposal) -> Any:
    with truce.uow() as uow:
        return standing.withdraw_proposal(proposal.id, uow, actor=world.actors[who])


def recorded(world: World) -> Counter[tuple[str, int]]:
    """How many ledger entries there are per (action, proposal id)."""
    with world.truce.uow(write=False) as uow:
        entries = uow.ledger.page(0, 1_000_000)
    return Counter(
        (e.action, e.payload["proposal_id"]) for e in entries if "proposal_id" in e.payload
    )


def head_seq(world: World) -> int:
    with world.truce.uow(write=False) as uow:
        return uow.ledger.head()[0]


def stored(world: World, proposal: Proposal) -> Proposal:
    with world.truce.uow(write=False) as uow:
        found = uow.proposals.get(proposal.id)
    assert found is not None
    return found


def changes_by(world: World, proposal: Proposal) -> int:
    """How many status changes the proposal caused."""
    with world.truce.uow(write=False) as uow:
        rows = uow.status_changes.rows(world.agreement_id, proposal.party_id)
    return sum(1 for row in rows if row.proposal_id == proposal.id)


def assert_ledger_verifies(world: World) -> None:
    report = ledger.verify_database(world.truce.db, workers=1)
    assert report.ok, report.failure


def test_approve_and_reject_of_one_proposal_decide_it_once(
    crowd: World, servers: tuple[Truce, Truce]
) -> None:
    first, second = servers
    proposals = [propose(first, crowd, "us", f"p{n}", Status.COMMITTED) for n in range(ROUNDS)]
    before = head_seq(crowd)
    for proposal in proposals:
        outcomes = race(
            partial(decide, first, crowd, "ru", proposal, Decision.APPROVE),
            partial(decide, second, crowd, "ru2", proposal, Decision.REJECT),
        )
        won, refusal = winner_and_refusal(outcomes)
        assert str(refusal) == f"This proposal was already {won.state.value} by RU."
        assert stored(crowd, proposal).state is won.state
        assert changes_by(crowd, proposal) == (1 if won.state is ProposalState.APPROVED else 0)
    entries = recorded(crowd)
    assert all(entries["party.status_decided", p.id] == 1 for p in proposals)
    approved = sum(entries["party.status_changed", p.id] for p in proposals)
    assert head_seq(crowd) - before == ROUNDS + approved  # nothing of a loser was written
    assert_ledger_verifies(crowd)


def test_each_side_approving_the_others_proposal_approves_one(
    crowd: World, servers: tuple[Truce, Truce]
) -> None:
    first, second = servers
    pairs = [
        (
            propose(first, crowd, "us", f"p{n}", Status.COMMITTED),
            propose(first, crowd, "ru", f"p{n}", Status.EXCLUDED),
        )
        for n in range(ROUNDS)
    ]
    for us_proposal, ru_proposal in pairs:
        outcomes = race(
            partial(decide, first, crowd, "us", ru_proposal, Decision.APPROVE),
            partial(decide, second, crowd, "ru", us_proposal, Decision.APPROVE),
        )
        won, refusal = winner_and_refusal(outcomes)
        assert "superseded" in str(refusal)
        states = Counter(stored(crowd, p).state for p in (us_proposal, ru_proposal))
        assert states == {ProposalState.APPROVED: 1, ProposalState.SUPERSEDED: 1}
        assert changes_by(crowd, us_proposal) + changes_by(crowd, ru_proposal) == 1
        assert stored(crowd, won).state is ProposalState.APPROVED
    assert_ledger_verifies(crowd)


def test_withdrawing_while_the_other_side_decides_ends_one_way(
    crowd: World, servers: tuple[Truce, Truce]
) -> None:
    first, second = servers
    proposals = [propose(first, crowd, "us", f"p{n}", Status.COMMITTED) for n in range(ROUNDS)]
    for proposal in proposals:
        outcomes = race(
            partial(withdraw, first, crowd, "us", proposal),
            partial(decide, second, crowd, "ru", proposal, Decision.APPROVE),
        )
        won, refusal = winner_and_refusal(outcomes)
        side = "US" if won.state is ProposalState.WITHDRAWN else "RU"
        assert str(refusal) == f"This proposal was already {won.state.value} by {side}."
        assert stored(crowd, proposal).state is won.state
    entries = recorded(crowd)
    for proposal in proposals:
        assert (
            entries["party.status_withdrawn", proposal.id]
            + entries["party.status_decided", proposal.id]
            == 1
        )
    assert_ledger_verifies(crowd)


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
    assert_ledger_verifies(crowd)


# --- over HTTP: concurrent requests to one real server -----------------------------------


def post(url: str, token: str, body: dict[str, Any]) -> httpx2.Response:
    return httpx2.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def test_concurrent_decisions_over_http_answer_one_200_and_one_409(crowd: World) -> None:
    tokens = {who: token_for(crowd, who) for who in ("us", "ru", "ru2")}
    single = [propose(crowd.truce, crowd, "us", f"p{n}", Status.COMMITTED) for n in range(25)]
    opposite = [
        (
            propose(crowd.truce, crowd, "us", f"p{n}", Status.SUSPENDED),
            propose(crowd.truce, crowd, "ru", f"p{n}", Status.EXCLUDED),
        )
        for n in range(25, ROUNDS)
    ]
    with serve(create_app(crowd.truce)) as base:

        def decision(who: str, proposal: Proposal, choice: Decision) -> Callable[[], Any]:
            url = f"{base}/api/v1/status-proposals/{proposal.id}/decision"
            return lambda: post(url, tokens[who], {"decision": choice.value, "reason": "seen"})

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
    entries = recorded(crowd)
    assert all(entries["party.status_decided", p.id] == 1 for p in single)
    for us, ru in opposite:
        assert entries["party.status_decided", us.id] + entries["party.status_decided", ru.id] == 1
    assert_ledger_verifies(crowd)
