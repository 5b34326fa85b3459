"""A small, known world for tests: two guarantors, a member, parties, one user per role."""

from __future__ import annotations

import gzip
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from truce.bootstrap import Truce, bootstrap
from truce.config import Settings
from truce.domain.agreement import State, Term
from truce.domain.permissions import SYSTEM, Actor, Role
from truce.services import agreements, parties, standing, users
from truce.services.instance import initialise
from truce.store.tables import LedgerEntryRow

SIGNED = datetime(2016, 2, 22, 10, 0, tzinfo=UTC)
DEADLINE = datetime(2016, 2, 26, 10, 0, tzinfo=UTC)  # 12:00 Damascus
EFFECTIVE = datetime(2016, 2, 26, 22, 0, tzinfo=UTC)  # 00:00 Damascus, 27 Feb
UNSC = "UNSC ISIL and Al-Qaida sanctions list"


@dataclass
class World:
    truce: Truce
    agreement_id: int
    parties: dict[str, int] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)


# label: (user name, role, state, party)
USERS = {
    "admin": ("admin", Role.ADMIN, None, None),
    "us": ("us-ops", Role.GUARANTOR, "US", None),
    "us2": ("us-ops-2", Role.GUARANTOR, "US", None),
    "ru": ("ru-ops", Role.GUARANTOR, "RU", None),
    "member": ("uk-member", Role.MEMBER, "GB", None),
    "monitor": ("monitor", Role.MONITOR, None, None),
    "liaison": ("fsa-liaison", Role.LIAISON, None, "fsa"),
    "analyst": ("analyst", Role.ANALYST, None, None),
}


def build_world(truce: Truce) -> World:
    """States, an agreement like 2016's, three parties (one designated) and users."""
    with truce.uow() as uow:
        for code, name in (
            ("US", "United States"),
            ("RU", "Russian Federation"),
            ("GB", "United Kingdom"),
        ):
            agreements.add_state(State(code, name), uow, actor=SYSTEM)
        agreement = agreements.create_agreement(
            agreements.NewAgreement(
                slug="coh",
                title="Cessation of Hostilities",
                signed_at=SIGNED,
                effective_at=EFFECTIVE,
                acceptance_deadline=DEADLINE,
                timezone="Asia/Damascus",
                guarantors=("US", "RU"),
                members=("GB",),
                excluded_lists=(UNSC,),
                terms=(Term(1, "Cease attacks", "Cease attacks on other parties."),),
            ),
            uow,
            actor=SYSTEM,
        )
    world = World(truce, agreement.id)
    _parties(world)
    for label, (username, role, state, party) in USERS.items():
        with truce.uow() as uow:
            party_id = world.parties[party] if party else None
            view = users.add_user(
                users.NewUser(username, role, None, state=state, party_id=party_id),
                uow,
                actor=SYSTEM,
            )
            world.actors[label] = Actor(view.id, username, role, state, party_id)
    return world


def _parties(world: World) -> None:
    specs = {
        "fsa": parties.NewParty(
            "Free Syrian Army",
            side="opposition",
            sponsor="US",
            aliases=(("FSA", "en"), ("الجيش السوري الحر", "ar")),
            notes="internal note",
        ),
        "nusra": parties.NewParty(
            "Jabhat al-Nusra",
            side="excluded",
            aliases=(("al-Nusra Front", "en"), ("جبهة النصرة", "ar"), ("Джебхат ан-Нусра", "ru")),
        ),
        "ahrar": parties.NewParty(
            "Ahrar al-Sham",
            side="opposition",
            sponsor="US",
            aliases=(("Ahrar ash-Sham", "en"), ("أحرار الشام", "ar")),
        ),
    }
    for key, cmd in specs.items():
        with world.truce.uow() as uow:
            world.parties[key] = parties.create_party(cmd, uow, actor=SYSTEM)
    with world.truce.uow() as uow:
        designation = standing.RecordDesignation(
            world.parties["nusra"], UNSC, "QDe.137", datetime(2014, 5, 14, tzinfo=UTC)
        )
        standing.record_designation(designation, uow, actor=SYSTEM)


def sqlite_truce(template: Path, folder: Path) -> Truce:
    """Truce on a set-up SQLite database of its own in ``folder``, copied from ``template``
    (the conftest's migrated sqlite_template), for a module's fixture to share."""
    target = folder / "truce.db"
    shutil.copy(template, target)
    settings = Settings(database_url=f"sqlite:///{target}", secret_key=secrets.token_urlsafe(32))
    truce = bootstrap(settings)
    with truce.uow() as uow:
        initialise(uow, folder.name)
    return truce


def token_for(world: World, username: str) -> str:
    """A fresh API token for one of the world's users."""
    with world.truce.uow() as uow:
        return users.issue_token("test", uow, actor=world.actors[username])


def square(west: float, south: float, east: float, north: float) -> dict:
    """A GeoJSON polygon, counter-clockwise as RFC 7946 wants."""
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def add_area(world: World, who: str, party: str, geometry: dict, **extra) -> int:
    """An area asserted by one of the world's users (or the admin for a guarantor)."""
    from truce.services import territory

    actor = world.actors[who]
    guarantor = extra.pop("guarantor", actor.state)
    cmd = territory.AssertArea(
        agreement_id=world.agreement_id,
        party_id=world.parties[party],
        guarantor=guarantor,
        geometry=geometry,
        valid_from=extra.pop("valid_from", EFFECTIVE),
        **extra,
    )
    with world.truce.uow() as uow:
        return territory.assert_area(cmd, uow, actor=actor)


def approve_status(world: World, party: str, status, at: datetime = EFFECTIVE) -> None:
    """Both guarantors agree a party's status at ``at`` (the US proposes, Russia approves)."""
    from truce.domain.proposals import Decision

    cmd = standing.ProposeStatus(world.agreement_id, world.parties[party], status, "agreed")
    with world.truce.uow(clock=lambda: at) as uow:
        proposal = standing.propose_status(cmd, uow, actor=world.actors["us"])
    with world.truce.uow(clock=lambda: at) as uow:
        decision = standing.DecideProposal(proposal.id, Decision.APPROVE, "agreed")
        standing.decide_proposal(decision, uow, actor=world.actors["ru"])


ROOT = Path(__file__).resolve().parents[1]


def shared_file(*parts: str) -> Path:
    """A file of the project's shared data, ``../shared/data/`` beside the checkout (two
    folders up from a worktree in wt/); in a clone elsewhere, the gzipped copy the tests carry
    (tests/data/NAME.gz, credited in NOTICE), unpacked once into the temporary folder."""
    for base in (ROOT.parent, ROOT.parent.parent):
        path = base.joinpath("shared", "data", *parts)
        if path.exists():
            return path
    packed = ROOT / "tests" / "data" / f"{parts[-1]}.gz"
    if packed.exists():
        unpacked = Path(tempfile.gettempdir()) / "truce-test-data" / parts[-1]
        if not unpacked.exists():
            unpacked.parent.mkdir(parents=True, exist_ok=True)
            partial = unpacked.with_suffix(f".{os.getpid()}.part")
            with gzip.open(packed, "rb") as source, partial.open("wb") as target:
                shutil.copyfileobj(source, target)
            partial.replace(unpacked)  # whole or not at all, even with tests in parallel
        return unpacked
    raise FileNotFoundError(f"../shared/data/{'/'.join(parts)} is not beside {ROOT}")


UCDP_GED = ("ucdp-ged-syria", "ged_syria_2016_2019.csv")


def ledger_entries(truce: Truce, action: str) -> int:
    """How many ledger entries of ``action`` the database holds."""
    with truce.uow(write=False) as uow:
        query = select(func.count()).where(LedgerEntryRow.action == action)
        return uow.session.scalar(query) or 0


def assert_state_replays(truce: Truce) -> None:
    """The domain tables are exactly what a replay of the ledger gives (docs/ledger.md, "State
    proven from the ledger"), every entry carrying what its rows hold."""
    from truce.services import ledger

    report = ledger.verify_state(truce.db)
    assert [d.describe() for d in report.differences] == []
    assert report.old_payloads == 0
